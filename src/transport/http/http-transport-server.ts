// Serves a NodeApi over HTTP/1.1 with Bun.serve, cleartext or HTTPS (optionally mutual TLS):
// the listener, its limits and its shutdown. The routes live in http-app.ts. A connection
// idle for idleTimeoutSeconds is closed, and Bun counts a request whose handler is still
// waiting as idle (BUN_PLATFORM.md §9.6): the routes that may wait long (a workflow's result,
// a leave, a recovery) lift that limit for their own request.

import { type Logger, RaftoralError } from "../../lib/index.ts";
import type { AccessPolicy, NodeApi, ServerTls, TransportServer } from "../index.ts";
import { createHttpApp } from "./http-app.ts";
import { peerStreamSocket } from "./peer-stream-socket.ts";

/** Default body limit of client routes (/workflow/*, /discovery/*). */
export const CLIENT_BODY_BYTES_MAX_DEFAULT = 1024 * 1024;
/** Default body limit of /raft/message: peer batches carry snapshot chunks. */
export const PEER_BODY_BYTES_MAX_DEFAULT = 64 * 1024 * 1024;
/** Default time a connection may send nothing (and a request may wait) before it is closed. */
export const IDLE_TIMEOUT_SECONDS_DEFAULT = 30;
/**
 * Default time the whole body of a request may take to arrive. Well below the idle timeout,
 * which Bun checks in steps of a few seconds (a 30 s one closed a silent connection after
 * 28.4 s): a sender that stops mid-body gets its 408, not a connection closed without a word.
 */
export const BODY_READ_TIMEOUT_MS_DEFAULT = 20_000;

/** Routes whose handlers may wait longer than any idle timeout: their requests have none. */
const LONG_WAIT_ROUTES: ReadonlySet<string> = new Set([
  "/workflow/run",
  "/workflow/wait",
  "/node/leave",
  "/cluster/recover",
]);

export interface HttpTransportServerOptions {
  readonly logger: Logger;
  /** Largest body of a client route; beyond it 413. Default 1 MiB. */
  readonly clientBodyBytesMax?: number;
  /** Largest body of /raft/message; beyond it 413. Default 64 MiB. */
  readonly peerBodyBytesMax?: number;
  /** A body not in full after this long: 408. Default 20 s. */
  readonly bodyReadTimeoutMs?: number;
  /** Bytes of client bodies being read at once, past each one's first 64 KiB; then 429. */
  readonly bodyBudgetBytesMax?: number;
  /** A connection (or request, except long waits) silent this long is closed. Default 30 s. */
  readonly idleTimeoutSeconds?: number;
  /** Serve HTTPS instead of HTTP. */
  readonly tls?: ServerTls;
  /** Who may call what; absent: everyone may call everything. */
  readonly access?: AccessPolicy;
  /** False for a second listener that serves people and tools only (see HttpAppOptions). */
  readonly servesPeers?: boolean;
  /** Origins whose pages may call from the browser (see HttpAppOptions). */
  readonly corsOrigins?: readonly string[];
}

/**
 * The HTTP server could not listen. `systemCode` is the OS error (EADDRINUSE, ...) and the
 * message reads like "cannot listen on 127.0.0.1:7001: Address already in use (EADDRINUSE)".
 */
export class HttpListenError extends RaftoralError {
  readonly systemCode: string | undefined;

  constructor(address: string, cause: unknown) {
    const systemCode = systemCodeOf(cause);
    const known = systemCode === undefined ? undefined : SYSTEM_CODE_TEXT[systemCode];
    const reason =
      known === undefined
        ? cause instanceof Error
          ? cause.message
          : String(cause)
        : `${known} (${systemCode})`;
    super("UNAVAILABLE", `cannot listen on ${address}: ${reason}`, { cause });
    this.name = "HttpListenError";
    this.systemCode = systemCode;
  }
}

const SYSTEM_CODE_TEXT: Readonly<Record<string, string>> = {
  EADDRINUSE: "Address already in use",
  EADDRNOTAVAIL: "Address not available on this host",
  EACCES: "Permission denied",
};

/** The HTTP half of a node's transport: one listener per instance. */
export class HttpTransportServer implements TransportServer {
  private readonly options: HttpTransportServerOptions;
  private server: ReturnType<typeof Bun.serve> | undefined;

  constructor(options: HttpTransportServerOptions) {
    this.options = options;
  }

  /** Starts listening; rejects with HttpListenError (e.g. "Address already in use"). */
  async listen(host: string, port: number, api: NodeApi): Promise<{ port: number }> {
    if (this.server !== undefined) {
      throw new RaftoralError("UNAVAILABLE", `already listening on port ${this.server.port}`);
    }
    const { tls, access, corsOrigins } = this.options;
    const app = createHttpApp(api, {
      logger: this.options.logger,
      clientBodyBytesMax: this.options.clientBodyBytesMax ?? CLIENT_BODY_BYTES_MAX_DEFAULT,
      peerBodyBytesMax: this.options.peerBodyBytesMax ?? PEER_BODY_BYTES_MAX_DEFAULT,
      bodyReadTimeoutMs: this.options.bodyReadTimeoutMs ?? BODY_READ_TIMEOUT_MS_DEFAULT,
      ...(this.options.bodyBudgetBytesMax === undefined
        ? {}
        : { bodyBudgetBytesMax: this.options.bodyBudgetBytesMax }),
      ...(access === undefined ? {} : { access }),
      ...(this.options.servesPeers === undefined ? {} : { servesPeers: this.options.servesPeers }),
      ...(corsOrigins === undefined ? {} : { corsOrigins }),
    });
    try {
      this.server = Bun.serve({
        hostname: host,
        port,
        idleTimeout: this.options.idleTimeoutSeconds ?? IDLE_TIMEOUT_SECONDS_DEFAULT,
        ...(tls === undefined ? {} : { tls: bunTlsOf(tls) }),
        // Our routes check sizes themselves (with a JSON answer); Bun's own check would
        // answer an empty 413 first, so it is set out of the way.
        maxRequestBodySize: Number.MAX_SAFE_INTEGER,
        development: false,
        // Bun 1.4.4 turns SO_REUSEPORT on by default in production mode, and then a second
        // node on the same port listens "successfully" and shares the traffic. Refuse that:
        // the QUICKSTART's "Address already in use" must surface.
        reusePort: false,
        websocket: peerStreamSocket(api, {
          batchBytesMax: this.options.peerBodyBytesMax ?? PEER_BODY_BYTES_MAX_DEFAULT,
          idleTimeoutSeconds: this.options.idleTimeoutSeconds ?? IDLE_TIMEOUT_SECONDS_DEFAULT,
        }),
        fetch: (request, server) => {
          // 0: no limit for this request; the idle timeout still covers its connection after.
          if (LONG_WAIT_ROUTES.has(new URL(request.url).pathname)) server.timeout(request, 0);
          return app.fetch(request, {
            upgrade: (raw: Request) => server.upgrade(raw, { data: undefined }),
          });
        },
      });
    } catch (error) {
      throw new HttpListenError(
        host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`,
        error,
      );
    }
    return { port: this.server.port ?? port };
  }

  /** Stops listening and closes every connection now; requests in flight see their abort. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await server?.stop(true);
  }
}

function bunTlsOf(tls: ServerTls) {
  return {
    cert: tls.cert,
    key: tls.key,
    ...(tls.ca === undefined ? {} : { ca: tls.ca }),
    requestCert: tls.isClientCertRequired,
    rejectUnauthorized: tls.isClientCertRequired,
  };
}

function systemCodeOf(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null || !("code" in error)) return undefined;
  return typeof error.code === "string" ? error.code : undefined;
}
