// A listener that serves only GET /metrics (and GET /health, for whoever scrapes it): for
// nodes whose main port speaks gRPC, and for operators who keep metrics off the API port
// (--metrics-listen). The same TLS and access rules as the node's main port apply.

import { type Logger, RaftoralError } from "../../lib/index.ts";
import {
  type AccessPolicy,
  AUTHORIZATION_HEADER,
  type NodeApi,
  PEER_PROOF_HEADER,
  type ServerTls,
} from "../index.ts";
import { metricsResponse } from "./http-app.ts";
import { replyOfError } from "./http-errors.ts";
import { bunTlsOf, HttpListenError } from "./http-transport-server.ts";
import { healthJson } from "./response-fields.ts";

export interface MetricsServerOptions {
  readonly logger: Logger;
  readonly tls?: ServerTls;
  readonly access?: AccessPolicy;
}

export class MetricsServer {
  private server: ReturnType<typeof Bun.serve> | undefined;

  constructor(private readonly options: MetricsServerOptions) {}

  /** Starts listening; rejects with HttpListenError (e.g. "Address already in use"). */
  listen(host: string, port: number, api: NodeApi): { port: number } {
    const { tls } = this.options;
    try {
      this.server = Bun.serve({
        hostname: host,
        port,
        reusePort: false,
        development: false,
        ...(tls === undefined ? {} : { tls: bunTlsOf(tls) }),
        fetch: (request) => this.answer(request, api),
      });
    } catch (error) {
      throw new HttpListenError(
        host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`,
        error,
      );
    }
    return { port: this.server.port ?? port };
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await server?.stop(true);
  }

  private answer(request: Request, api: NodeApi): Response {
    const { pathname } = new URL(request.url);
    try {
      if (request.method !== "GET") {
        throw new RaftoralError("INVALID_ARGUMENT", `${request.method} is not allowed; use GET`);
      }
      if (pathname === "/health") {
        const health = api.health();
        return Response.json(healthJson(health), { status: health.status === "ok" ? 200 : 503 });
      }
      if (pathname !== "/metrics") {
        throw new RaftoralError("NOT_FOUND", `no route ${pathname}; this port serves GET /metrics`);
      }
      this.options.access?.check("status", pathname, {
        authorization: request.headers.get(AUTHORIZATION_HEADER) ?? undefined,
        peerProof: request.headers.get(PEER_PROOF_HEADER) ?? undefined,
      });
      return metricsResponse(api);
    } catch (error) {
      const reply = replyOfError(error);
      if (reply.isUnexpected) {
        this.options.logger.error("Serving metrics failed", { error: String(error) });
      }
      return Response.json(reply.body, { status: reply.httpStatus });
    }
  }
}
