// Pages of other origins (a web application calling the workflow API from the browser) may
// call a node that names their origin (--cors-origin): its answers carry
// Access-Control-Allow-Origin, and a preflight (OPTIONS) is answered here, before the access
// check, since browsers send it without the page's Authorization header. Off by default:
// without it a page elsewhere can neither read an answer nor send the JSON calls, which need
// a preflight. The routes between nodes never take part. A request a page sends without a
// preflight (a POST with no JSON body, a WebSocket) is refused here when the page is of an
// origin the node does not allow (refuseForeignPages).

import type { Hono } from "hono";
import { HttpRequestError } from "./http-errors.ts";

/** The headers a page may send: the token, the JSON body's type, and a trace context. */
const ALLOWED_HEADERS = "Authorization, Content-Type, traceparent";
/** How long a browser may keep a preflight's answer. */
const PREFLIGHT_MAX_AGE_SECONDS = 600;

/** What browser pages may call: refuses foreign pages, and serves `origins` through CORS. */
export function usePageOrigins(
  app: Hono,
  origins: readonly string[],
  isPeerPath: (path: string) => boolean,
): void {
  refuseForeignPages(app, origins, isPeerPath);
  if (origins.length > 0) useCors(app, origins, isPeerPath);
}

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

/**
 * A browser names the page that made a request in its Origin header; nodes and our clients
 * never send one. CORS alone keeps a page of another origin from reading answers, not from
 * sending what a browser sends without a preflight: before, any page a user of the network
 * opened could make a node of a cluster without tokens leave (POST /node/leave, no body) or
 * open the peer stream (a WebSocket to /raft/stream) and send it batches. So a page may call
 * only from the node's own origin (the console at /ui) or an origin in `origins`, and never a
 * route between nodes; anything else is refused before the route runs.
 */
export function refuseForeignPages(
  app: Hono,
  origins: readonly string[],
  isPeerPath: (path: string) => boolean,
): void {
  app.use(async (c, next) => {
    const origin = c.req.header("origin");
    if (origin === undefined) {
      await next();
      return;
    }
    if (isPeerPath(c.req.path)) {
      throw new HttpRequestError(
        403,
        "PERMISSION_DENIED",
        `${c.req.path} is for the nodes of the cluster, and a browser page (${origin}) may not call it`,
      );
    }
    const isAllowed = origins.includes("*") || origins.includes(origin);
    if (!isAllowed && hostOfOrigin(origin) !== c.req.header("host")) {
      throw new HttpRequestError(
        403,
        "PERMISSION_DENIED",
        `a page of ${origin} may not call this node: pages may call it from its own origin ` +
          "(its console at /ui) or from an origin named with --cors-origin",
      );
    }
    await next();
  });
}

/** The host:port an Origin names, or undefined for one that names none ("null"). */
function hostOfOrigin(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch (error) {
    // Not a URL (browsers send "null" for sandboxed pages and files): no origin to match.
    void error;
    return undefined;
  }
}
