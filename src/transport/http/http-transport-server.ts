// Serves a NodeApi over HTTP/1.1 with Bun.serve: the listener, its limits and its shutdown.
// The routes live in http-app.ts. idleTimeout is 0 because /workflow/wait may hold a request
// far longer than Bun's default 10 s, after which Bun would drop it (BUN_PLATFORM.md §9.6).

import { type Logger, RaftoralError } from "../../lib/index.ts";
import type { NodeApi, TransportServer } from "../index.ts";
import { createHttpApp } from "./http-app.ts";

/** Default body limit of client routes (/workflow/*, /discovery/*). */
export const CLIENT_BODY_BYTES_MAX_DEFAULT = 1024 * 1024;
/** Default body limit of /raft/message: peer batches carry snapshot chunks. */
export const PEER_BODY_BYTES_MAX_DEFAULT = 64 * 1024 * 1024;

export interface HttpTransportServerOptions {
  readonly logger: Logger;
  /** Largest body of a client route; beyond it 413. Default 1 MiB. */
  readonly clientBodyBytesMax?: number;
  /** Largest body of /raft/message; beyond it 413. Default 64 MiB. */
  readonly peerBodyBytesMax?: number;
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
    const app = createHttpApp(api, {
      logger: this.options.logger,
      clientBodyBytesMax: this.options.clientBodyBytesMax ?? CLIENT_BODY_BYTES_MAX_DEFAULT,
      peerBodyBytesMax: this.options.peerBodyBytesMax ?? PEER_BODY_BYTES_MAX_DEFAULT,
    });
    try {
      this.server = Bun.serve({
        hostname: host,
        port,
        idleTimeout: 0,
        // Our routes check sizes themselves (with a JSON answer); Bun's own check would
        // answer an empty 413 first, so it is set out of the way.
        maxRequestBodySize: Number.MAX_SAFE_INTEGER,
        development: false,
        // Bun 1.4.4 turns SO_REUSEPORT on by default in production mode, and then a second
        // node on the same port listens "successfully" and shares the traffic. Refuse that:
        // the QUICKSTART's "Address already in use" must surface.
        reusePort: false,
        fetch: (request) => app.fetch(request),
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

function systemCodeOf(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null || !("code" in error)) return undefined;
  return typeof error.code === "string" ? error.code : undefined;
}
