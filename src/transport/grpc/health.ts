// grpc.health.v1.Health (grpc/grpc doc/health-checking.md): Check answers the current status
// of a service name, Watch streams it and every change. "" stands for the whole server.

import { RaftoralError } from "../../lib/index.ts";
import { fieldTableCodec } from "./field-table-codec.ts";
import { protoCodec } from "./message-codec.ts";
import type { CallContext } from "./method.ts";
import { describedMethod } from "./method.ts";
import type { GrpcServer } from "./server.ts";
import { GrpcStatus, GrpcStatusError } from "./status.ts";

/** HealthCheckResponse.ServingStatus. SERVICE_UNKNOWN is only ever sent by Watch. */
export const ServingStatus = {
  UNKNOWN: 0,
  SERVING: 1,
  NOT_SERVING: 2,
  SERVICE_UNKNOWN: 3,
} as const;
export type ServingStatus = (typeof ServingStatus)[keyof typeof ServingStatus];

export interface HealthCheckRequest {
  readonly service: string;
}

export interface HealthCheckResponse {
  readonly status: ServingStatus;
}

export const HEALTH_SERVICE = "grpc.health.v1.Health";

// Coded by hand (field-table-codec.ts), as probes call these all the time: a probe of a node
// needs no protobufjs on either side.
const healthCheckRequestCodec = fieldTableCodec(
  protoCodec<HealthCheckRequest>("grpc.health.v1.HealthCheckRequest"),
  [{ number: 1, name: "service", kind: "string" }],
);
const healthCheckResponseCodec = fieldTableCodec(
  protoCodec<HealthCheckResponse>("grpc.health.v1.HealthCheckResponse"),
  [{ number: 1, name: "status", kind: "enum" }],
);

export const HealthMethods = {
  check: describedMethod(
    HEALTH_SERVICE,
    "Check",
    healthCheckRequestCodec,
    healthCheckResponseCodec,
  ),
  watch: describedMethod(
    HEALTH_SERVICE,
    "Watch",
    healthCheckRequestCodec,
    healthCheckResponseCodec,
    { isRequestStream: false, isResponseStream: true },
  ),
} as const;

/** Default bound on concurrent Watch calls; each one holds a stream open. */
export const HEALTH_WATCHERS_MAX_DEFAULT = 1_000;

/** Serving status per service name, served over grpc.health.v1.Health. */
export class HealthService {
  private readonly statuses = new Map<string, ServingStatus>();
  /** Wakes every Watch call, whatever service it watches; each one re-reads its status. */
  private readonly wakers = new Set<() => void>();
  private readonly watchersMax: number;
  private watcherCount = 0;
  /** Brings the statuses up to date before a Check answers (see the constructor). */
  private readonly refresh: () => void;

  /**
   * `refresh`, when given, is called before every Check so that it answers the status of this
   * moment; whoever owns the statuses also calls setStatus on changes, for Watch.
   */
  constructor(
    initial: Readonly<Record<string, ServingStatus>> = { "": ServingStatus.SERVING },
    watchersMax = HEALTH_WATCHERS_MAX_DEFAULT,
    refresh: () => void = () => undefined,
  ) {
    for (const [service, status] of Object.entries(initial)) this.statuses.set(service, status);
    this.watchersMax = watchersMax;
    this.refresh = refresh;
  }

  /** Sets `service`'s status and tells its watchers if it changed. */
  setStatus(service: string, status: ServingStatus): void {
    if (this.statuses.get(service) === status) return;
    this.statuses.set(service, status);
    for (const wake of [...this.wakers]) wake();
  }

  /** Watch calls open now. */
  get watchers(): number {
    return this.watcherCount;
  }

  /** The status of `service`, or undefined for a name never set. */
  statusOf(service: string): ServingStatus | undefined {
    return this.statuses.get(service);
  }

  /** Registers Check and Watch on `server`. */
  register(server: GrpcServer): void {
    server.addUnary(HealthMethods.check, async (request) => this.check(request));
    server.addServerStreaming(HealthMethods.watch, (request, context) =>
      this.watch(request, context),
    );
  }

  private check(request: HealthCheckRequest): HealthCheckResponse {
    this.refresh();
    const status = this.statuses.get(request.service);
    if (status === undefined) {
      throw new GrpcStatusError(GrpcStatus.NOT_FOUND, `unknown service '${request.service}'`);
    }
    return { status };
  }

  private async *watch(
    request: HealthCheckRequest,
    context: CallContext,
  ): AsyncIterable<HealthCheckResponse> {
    if (this.watcherCount >= this.watchersMax) {
      throw new RaftoralError(
        "RESOURCE_EXHAUSTED",
        `too many health watchers (limit ${this.watchersMax}); use Check or retry later`,
      );
    }
    this.watcherCount++;
    try {
      let sent: ServingStatus | undefined;
      // Runs until the caller cancels or the server shuts down (both abort the signal).
      while (!context.signal.aborted) {
        const status = this.statuses.get(request.service) ?? ServingStatus.SERVICE_UNKNOWN;
        if (status !== sent) {
          sent = status;
          yield { status };
        }
        await this.nextChange(context.signal);
      }
    } finally {
      this.watcherCount--;
    }
  }

  /** Resolves at the next setStatus that changes anything, or when `signal` aborts. */
  private nextChange(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        this.wakers.delete(wake);
        signal.removeEventListener("abort", wake);
        resolve();
      };
      this.wakers.add(wake);
      signal.addEventListener("abort", wake, { once: true });
    });
  }
}
