// Pages of other origins (a web application calling the workflow API from the browser) may
// call a node that names their origin (--cors-origin): its answers carry
// Access-Control-Allow-Origin, and a preflight (OPTIONS) is answered here, before the access
// check, since browsers send it without the page's Authorization header. Off by default:
// without it a page elsewhere can neither read an answer nor send the JSON calls, which need
// a preflight. The routes between nodes never take part.

import type { Hono } from "hono";

/** The headers a page may send: the token, the JSON body's type, and a trace context. */
const ALLOWED_HEADERS = "Authorization, Content-Type, traceparent";
/** How long a browser may keep a preflight's answer. */
const PREFLIGHT_MAX_AGE_SECONDS = 600;

/** Answers preflights and marks the answers of pages from `origins`, except on `isPeerPath`. */
export function useCors(
  app: Hono,
  origins: readonly string[],
  isPeerPath: (path: string) => boolean,
): void {
  const isAllowed = (origin: string) => origins.includes("*") || origins.includes(origin);
  app.use(async (c, next) => {
    const origin = c.req.header("origin");
    if (origin === undefined || !isAllowed(origin) || isPeerPath(c.req.path)) {
      await next();
      return;
    }
    if (c.req.method === "OPTIONS" && c.req.header("access-control-request-method") !== undefined) {
      return new Response(null, {
        status: 204,
        headers: {
          "Access-Control-Allow-Origin": origin,
          "Access-Control-Allow-Methods": "GET, POST",
          "Access-Control-Allow-Headers": ALLOWED_HEADERS,
          "Access-Control-Max-Age": String(PREFLIGHT_MAX_AGE_SECONDS),
          Vary: "Origin",
        },
      });
    }
    await next();
    c.res.headers.set("Access-Control-Allow-Origin", origin);
    c.res.headers.append("Vary", "Origin");
  });
}
