// Serves a NodeApi over gRPC: one GrpcServer with raftoral.RaftService and
// raftoral.WorkflowManagement (node-api-handlers.ts), grpc.health.v1 and reflection, over
// cleartext or TLS, with each method's access level checked (method-access.ts). Health
// reports, for "" and both raftoral services, SERVING exactly when the NodeApi's health says
// "ok" (Check asks it each time; Watch sees a change within HEALTH_POLL_MS), and NOT_SERVING
// once closing. GET /health answers as an HTTP node's does, over HTTP/1.1 on a cleartext port
// too, for `curl http://<node>/health`.

import { type Clock, type Logger, RaftoralError, RealClock } from "../../lib/index.ts";
import {
  type AccessPolicy,
  healthHttpStatus,
  healthJson,
  type NodeApi,
  type ServerTls,
  type TransportServer,
} from "../index.ts";
import { HealthService, ServingStatus } from "./health.ts";
import { authorizeWith } from "./method-access.ts";
import { registerRaftService, registerWorkflowManagement } from "./node-api-handlers.ts";
import { RAFT_SERVICE, WORKFLOW_MANAGEMENT_SERVICE } from "./raftoral-methods.ts";
import { registerReflection } from "./reflection.ts";
import { GrpcServer } from "./server.ts";

/** Default largest peer batch (SendMessage): it carries snapshot chunks (as HTTP's 64 MiB). */
export const PEER_MESSAGE_BYTES_MAX_DEFAULT = 64 * 1024 * 1024;
/** Default largest request message of every other method (as HTTP's client body limit). */
export const CLIENT_MESSAGE_BYTES_MAX_DEFAULT = 1024 * 1024;
/** Default largest workflow input_json (as HTTP's client body limit). */
export const INPUT_BYTES_MAX_DEFAULT = 1024 * 1024;

/** The names health answers for. */
const HEALTH_NAMES = ["", RAFT_SERVICE, WORKFLOW_MANAGEMENT_SERVICE] as const;
/** How often Watch calls look at the node's health. */
const HEALTH_POLL_MS = 100;

export interface GrpcTransportServerOptions {
  readonly logger: Logger;
  readonly clock?: Clock;
  /** Largest SendMessage request (a peer batch); RESOURCE_EXHAUSTED beyond. Default 64 MiB. */
  readonly peerMessageBytesMax?: number;
  /** Largest request of every other method; RESOURCE_EXHAUSTED beyond. Default 1 MiB. */
  readonly clientMessageBytesMax?: number;
  /** Largest workflow input_json; RESOURCE_EXHAUSTED beyond. Default 1 MiB. */
  readonly inputBytesMax?: number;
  /** How long close() lets connections drain. Default 500 ms. */
  readonly closeGraceMs?: number;
  /** Serve over TLS instead of cleartext. */
  readonly tls?: ServerTls;
  /** Who may call what; absent: everyone may call everything. */
  readonly access?: AccessPolicy;
  /** A connection without a call for this long is closed. Default 5 minutes. */
  readonly sessionIdleMs?: number;
  /** Connections open at once. Default 1024. */
  readonly sessionsMax?: number;
}

/** The gRPC half of a node's transport: one listener per instance. */
export class GrpcTransportServer implements TransportServer {
  private readonly options: GrpcTransportServerOptions;
  private readonly clock: Clock;
  private server: GrpcServer | undefined;
  private health: HealthService | undefined;
  private cancelHealthPoll: (() => void) | undefined;

  constructor(options: GrpcTransportServerOptions) {
    this.options = options;
    this.clock = options.clock ?? new RealClock();
  }

  /** Starts listening; rejects with ListenError (e.g. "Address already in use (EADDRINUSE)"). */
  async listen(host: string, port: number, api: NodeApi): Promise<{ port: number }> {
    if (this.server !== undefined) {
      throw new RaftoralError("UNAVAILABLE", "this gRPC transport server is already listening");
    }
    const { closeGraceMs, tls, access, sessionIdleMs, sessionsMax } = this.options;
    const server = new GrpcServer({
      logger: this.options.logger,
      clock: this.clock,
      receiveMessageBytesMax:
        this.options.clientMessageBytesMax ?? CLIENT_MESSAGE_BYTES_MAX_DEFAULT,
      ...(closeGraceMs === undefined ? {} : { closeGraceMs }),
      ...(tls === undefined ? {} : { tls }),
      authorize: authorizeWith(access),
      health: () => {
        const health = api.health();
        return {
          status: healthHttpStatus(health),
          json: JSON.stringify(healthJson(health)),
        };
      },
      ...(sessionIdleMs === undefined ? {} : { sessionIdleMs }),
      ...(sessionsMax === undefined ? {} : { sessionsMax }),
    });
    registerRaftService(server, api, {
      peerMessageBytesMax: this.options.peerMessageBytesMax ?? PEER_MESSAGE_BYTES_MAX_DEFAULT,
    });
    registerWorkflowManagement(server, api, {
      inputBytesMax: this.options.inputBytesMax ?? INPUT_BYTES_MAX_DEFAULT,
    });
    const refresh = () => {
      if (this.health !== health) return;
      const status =
        api.health().status === "ok" ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
      for (const name of HEALTH_NAMES) health.setStatus(name, status);
    };
    const health = new HealthService(
      Object.fromEntries(HEALTH_NAMES.map((name) => [name, ServingStatus.NOT_SERVING])),
      undefined,
      refresh,
    );
    health.register(server);
    registerReflection(server);
    const bound = await server.listen(host, port);
    this.server = server;
    this.health = health;
    const poll = () => {
      refresh();
      this.cancelHealthPoll = this.clock.setTimer(HEALTH_POLL_MS, poll);
    };
    poll();
    return { port: bound.port };
  }

  /** Reports NOT_SERVING, then stops: running calls end with UNAVAILABLE. */
  async close(): Promise<void> {
    const server = this.server;
    const health = this.health;
    this.server = undefined;
    this.health = undefined;
    this.cancelHealthPoll?.();
    if (server === undefined || health === undefined) return;
    for (const name of HEALTH_NAMES) health.setStatus(name, ServingStatus.NOT_SERVING);
    // One turn of the event loop lets Watch calls write NOT_SERVING before close() ends them.
    await new Promise<void>((resolve) => this.clock.setTimer(0, resolve));
    await server.close();
  }
}
