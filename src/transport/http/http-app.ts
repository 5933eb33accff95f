// The HTTP API (QUICKSTART "HTTP Endpoints") as a Hono app over a NodeApi: a middleware checks
// who may call the route (transport/access-policy.ts), then each route reads and checks its
// input, makes one NodeApi call and shapes the answer. No state, no logic of its own; errors
// of every kind leave through one handler that picks the status.

import { type Context, Hono } from "hono";
import { CONSOLE_HTML } from "../../console/index.ts";
import type { Logger } from "../../lib/index.ts";
import {
  type AccessLevel,
  type AccessPolicy,
  AUTHORIZATION_HEADER,
  ByteBudget,
  batchFromJson,
  healthHttpStatus,
  healthJson,
  type NodeApi,
  PEER_PROOF_HEADER,
  TRACEPARENT_HEADER,
  withTraceOf,
} from "../index.ts";
import { usePageOrigins } from "./cors.ts";
import { HttpRequestError, replyOfError } from "./http-errors.ts";
import { addListRoute } from "./list-route.ts";
import { PEER_STREAM_PATH } from "./peer-stream-close.ts";
import { BODY_BUDGET_BYTES_MAX_DEFAULT, type BodyLimits, readJsonBody } from "./request-body.ts";
import {
  parseDescribeQuery,
  parseExecuteRequest,
  parseRecoverRequest,
  parseRegisterRequest,
  parseRunRequest,
  parseSignalRequest,
  parseWaitQuery,
} from "./request-fields.ts";
import {
  clusterStatusJson,
  describedJson,
  discoveryJson,
  errorFieldsOf,
  groupHealthJson,
  leftJson,
  nodeProbeJson,
  outcomeJson,
  recoveredJson,
  registeredJson,
  signaledJson,
  startedIdsJson,
  startedJson,
} from "./response-fields.ts";
import { addRetentionRoute } from "./retention-route.ts";
import { addStopRoutes } from "./stop-fields.ts";

/** What the listener passes as the app's env so that GET /raft/stream can upgrade. */
export interface PeerStreamUpgrader {
  upgrade(request: Request): boolean;
}

export interface HttpAppOptions {
  readonly logger: Logger;
  /** Largest body accepted on client routes (/workflow/*, /discovery/*). */
  readonly clientBodyBytesMax: number;
  /** Largest body accepted on /raft/message, which carries snapshot chunks. */
  readonly peerBodyBytesMax: number;
  /** A body must have arrived in full this long after its route began reading it. */
  readonly bodyReadTimeoutMs: number;
  /** Bytes of client bodies being read, past each one's first 64 KiB (request-body.ts). */
  readonly bodyBudgetBytesMax?: number;
  /** Who may call what; absent: everyone may call everything. */
  readonly access?: AccessPolicy;
  /**
   * False for a node's second HTTP listener (--http-listen): it serves people and tools, and
   * the peer routes answer 404 there. Default true.
   */
  readonly servesPeers?: boolean;
  /** Origins whose pages may call from the browser (cors.ts); none by default. */
  readonly corsOrigins?: readonly string[];
}

const CONSOLE_HEADERS = {
  "Content-Type": "text/html; charset=utf-8",
  // Only this node's own API, and the page's inline script and style; nothing from elsewhere.
  "Content-Security-Policy":
    "default-src 'none'; connect-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self' data:",
  "X-Frame-Options": "DENY",
};

interface RouteSpec {
  /** The one method the route answers; other methods get 405. */
  readonly method: "GET" | "POST";
  readonly access: AccessLevel;
}

/** Each route, its method and who may call it. */
const ROUTES: ReadonlyMap<string, RouteSpec> = new Map<string, RouteSpec>([
  ["/workflow/execute", { method: "POST", access: "client" }],
  ["/workflow/run", { method: "POST", access: "client" }],
  ["/workflow/wait", { method: "GET", access: "client" }],
  ["/workflow/signal", { method: "POST", access: "client" }],
  ["/workflow/describe", { method: "GET", access: "client" }],
  ["/workflow/list", { method: "GET", access: "client" }],
  ["/workflow/cancel", { method: "POST", access: "client" }],
  ["/workflow/terminate", { method: "POST", access: "client" }],
  ["/raft/message", { method: "POST", access: "peer" }],
  [PEER_STREAM_PATH, { method: "GET", access: "peer" }],
  ["/discovery/register", { method: "POST", access: "peer" }],
  ["/discovery/peers", { method: "GET", access: "client" }],
  ["/health", { method: "GET", access: "open" }],
  ["/cluster/status", { method: "GET", access: "status" }],
  ["/metrics", { method: "GET", access: "status" }],
  ["/cluster/health", { method: "GET", access: "status" }],
  ["/ui", { method: "GET", access: "open" }],
  ["/ui/", { method: "GET", access: "open" }],
  ["/node/leave", { method: "POST", access: "admin" }],
  ["/cluster/recover", { method: "POST", access: "admin" }],
  ["/cluster/retention", { method: "POST", access: "admin" }],
]);

/** Builds the app; `api` answers every request. */
export function createHttpApp(api: NodeApi, options: HttpAppOptions): Hono {
  const app = new Hono();
  const clientBody = {
    bytesMax: options.clientBodyBytesMax,
    readTimeoutMs: options.bodyReadTimeoutMs,
    budget: new ByteBudget(options.bodyBudgetBytesMax ?? BODY_BUDGET_BYTES_MAX_DEFAULT),
  };
  const peerBody = { bytesMax: options.peerBodyBytesMax, readTimeoutMs: options.bodyReadTimeoutMs };

  usePageOrigins(app, options.corsOrigins ?? [], (path) => ROUTES.get(path)?.access === "peer");
  if (options.access !== undefined) useAccessCheck(app, options.access);
  if (options.servesPeers === false) refusePeerRoutes(app);
  addWorkflowRoutes(app, api, clientBody, options.logger);
  addListRoute(app, api);
  addStopRoutes(app, api, (c) => readJsonBody(c.req.raw, clientBody));
  app.post("/raft/message", async (c) => {
    const batch = batchFromJson(await readJsonBody(c.req.raw, peerBody));
    api.receivePeerBatch(batch);
    return c.json({ success: true });
  });
  app.get(PEER_STREAM_PATH, (c) => {
    // The listener passes Bun.serve's server as the app's env: only it can upgrade.
    const upgrader = c.env as PeerStreamUpgrader | undefined;
    if (upgrader?.upgrade(c.req.raw) !== true) {
      throw new HttpRequestError(
        400,
        "INVALID_ARGUMENT",
        `${PEER_STREAM_PATH} is a WebSocket for the nodes of the cluster; send Upgrade: websocket`,
      );
    }
    return new Response(null);
  });
  app.post("/discovery/register", async (c) => {
    const body = await readJsonBody(c.req.raw, clientBody);
    const result = await api.register(parseRegisterRequest(body), callOptionsOf(c));
    return c.json(registeredJson(result));
  });
  app.get("/discovery/peers", async (c) => c.json(discoveryJson(await api.discover())));
  app.get("/health", (c) => {
    // A load balancer reads the status code: only a node that is up takes traffic.
    if (c.req.query("verbose") === undefined) {
      const health = api.health();
      return c.json(healthJson(health), healthHttpStatus(health));
    }
    // ?verbose adds why: each hosted group's leader, term, indexes and leaderless time.
    const details = api.healthDetails();
    const body = { ...healthJson(details), groups: details.groups.map(groupHealthJson) };
    return c.json(body, healthHttpStatus(details));
  });
  app.get("/cluster/status", async (c) => c.json(clusterStatusJson(await api.clusterStatus())));
  app.get("/metrics", () => metricsResponse(api));
  // The page itself holds nothing secret; the calls it makes are checked like any other.
  app.get("/ui", () => new Response(CONSOLE_HTML, { headers: CONSOLE_HEADERS }));
  app.get("/ui/", (c) => c.redirect("/ui", 301));
  app.get("/cluster/health", async (c) =>
    c.json({ nodes: (await api.probeNodes(callOptionsOf(c))).map(nodeProbeJson) }),
  );
  // No body: the node that answers is the one that leaves.
  app.post("/node/leave", async (c) => c.json(leftJson(await api.leave(callOptionsOf(c)))));
  app.post("/cluster/recover", async (c) => {
    const request = parseRecoverRequest(await readJsonBody(c.req.raw, clientBody));
    return c.json(recoveredJson(await api.recoverGroups(request, callOptionsOf(c))));
  });
  addRetentionRoute(app, api, clientBody);

  useErrorAnswers(app, options.logger);
  return app;
}

/** The workflow calls: start, run, wait, describe and signal. */
function addWorkflowRoutes(app: Hono, api: NodeApi, clientBody: BodyLimits, logger: Logger): void {
  app.post("/workflow/execute", async (c) => {
    const request = withTraceOf(
      parseExecuteRequest(await readJsonBody(c.req.raw, clientBody)),
      c.req.header(TRACEPARENT_HEADER),
    );
    return c.json(startedJson(await api.startWorkflow(request, callOptionsOf(c))));
  });
  // Start and wait in one request: what gRPC's RunWorkflowSync does, with the ids as well.
  app.post("/workflow/run", async (c) => {
    const { start, timeoutSeconds } = parseRunRequest(await readJsonBody(c.req.raw, clientBody));
    const request = withTraceOf(start, c.req.header(TRACEPARENT_HEADER));
    const started = await api.startWorkflow(request, callOptionsOf(c));
    const { workflowId, executionClusterId } = started;
    const ids = startedIdsJson(started);
    try {
      const wait = { workflowId, executionClusterId, timeoutSeconds };
      return c.json({ ...ids, ...outcomeJson(await api.waitWorkflow(wait, callOptionsOf(c))) });
    } catch (error) {
      // It started: the answer names it, so that the caller can wait for it again.
      return errorResponse(c, error, logger, ids);
    }
  });
  app.get("/workflow/wait", async (c) => {
    const request = parseWaitQuery((name) => c.req.query(name));
    return c.json(outcomeJson(await api.waitWorkflow(request, callOptionsOf(c))));
  });
  app.get("/workflow/describe", async (c) => {
    const request = parseDescribeQuery((name) => c.req.query(name));
    return c.json(describedJson(await api.describeWorkflow(request, callOptionsOf(c))));
  });
  app.post("/workflow/signal", async (c) => {
    const request = parseSignalRequest(await readJsonBody(c.req.raw, clientBody));
    return c.json(signaledJson(await api.signalWorkflow(request, callOptionsOf(c))));
  });
}

/** The client's disconnect aborts this signal (Bun.serve), and with it the NodeApi call. */
function callOptionsOf(c: Context) {
  return { signal: c.req.raw.signal };
}

/** The Prometheus text exposition format, version 0.0.4. */
export function metricsResponse(api: NodeApi): Response {
  return new Response(api.metrics(), {
    headers: { "Content-Type": "text/plain; version=0.0.4; charset=utf-8" },
  });
}

/** On a listener for people and tools, the routes between nodes do not exist. */
function refusePeerRoutes(app: Hono): void {
  app.use(async (c, next) => {
    if (ROUTES.get(c.req.path)?.access === "peer") {
      throw new HttpRequestError(
        404,
        "NOT_FOUND",
        `${c.req.path} is not served on this port; nodes talk to each other on --listen`,
      );
    }
    await next();
  });
}

/** Checks who may call each route before the route reads a byte of the body. */
function useAccessCheck(app: Hono, access: AccessPolicy): void {
  app.use(async (c, next) => {
    const route = ROUTES.get(c.req.path);
    if (route !== undefined) {
      // ?verbose shows each group's leader, term and indexes: an operator's view (status),
      // where plain /health stays open for load balancers.
      const isVerboseHealth = c.req.path === "/health" && c.req.query("verbose") !== undefined;
      access.check(isVerboseHealth ? "status" : route.access, c.req.path, {
        authorization: c.req.header(AUTHORIZATION_HEADER),
        peerProof: c.req.header(PEER_PROOF_HEADER),
      });
    }
    await next();
  });
}

/** 405 for a known route's other methods, 404 for unknown routes, and the error handler. */
function useErrorAnswers(app: Hono, logger: Logger): void {
  for (const [path, { method }] of ROUTES) {
    app.all(path, (c) => {
      c.header("Allow", method);
      throw new HttpRequestError(
        405,
        "INVALID_ARGUMENT",
        `${c.req.method} is not allowed on ${path}; use ${method}`,
      );
    });
  }
  app.notFound((c) => {
    const known = [...ROUTES].map(([path, { method }]) => `${method} ${path}`).join(", ");
    return errorResponse(
      c,
      new HttpRequestError(404, "NOT_FOUND", `no route ${c.req.path}; the routes are ${known}`),
      logger,
    );
  });
  app.onError((error, c) => errorResponse(c, error, logger));
}

function errorResponse(
  c: Context,
  error: unknown,
  logger: Logger,
  known: Readonly<Record<string, string>> = {},
): Response {
  const reply = replyOfError(error);
  if (reply.isUnexpected) {
    // A request the client abandoned fails in odd ways (a body read cut short); not our bug.
    const log = c.req.raw.signal.aborted ? logger.debug : logger.error;
    log.call(logger, `HTTP ${c.req.method} ${c.req.path} failed: ${describeError(error)}`);
  }
  const body = { ...errorFieldsOf(c.req.path), ...known, ...reply.body };
  // RFC 9110 §11.6.1: a 401 names the scheme the caller should use.
  if (reply.httpStatus === 401) c.header("WWW-Authenticate", 'Bearer realm="raftoral"');
  // Our statuses are all 4xx/5xx with a body; Hono types them as a closed union.
  c.status(reply.httpStatus as Parameters<Context["status"]>[0]);
  return c.json(body);
}

function describeError(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
