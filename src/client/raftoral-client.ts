// RaftoralClient: the API of a Raftoral cluster for programs and scripts, over gRPC or HTTP,
// cleartext or TLS, with an optional bearer token. It knows several nodes; calls that are
// safe to repeat (discover, health, status, wait) move on to the next node when one is
// unavailable. A start is repeated only when the caller chose its workflow id: the cluster
// then starts that id once, however often it is asked. A start without one is never
// repeated, since a start whose answer was lost may have started it. Runs on Bun and on
// Node (no Bun APIs).

import { type GroupId, groupId, InvalidArgumentError, RaftoralError } from "../lib/index.ts";
import {
  bearerCredentials,
  type ClientTls,
  type ClusterStatus,
  type DiscoveryInfo,
  type HealthInfo,
  type LeaveResult,
  type RecoverRequest,
  type RecoverResult,
  type TransportKind,
  type WorkflowDescriptionInfo,
} from "../transport/index.ts";
import { type NodeTarget, parseNodeTargets } from "./client-address.ts";
import {
  ANOTHER_NODE_MAY_SERVE,
  type FailedAttempt,
  isWorthAnotherNode,
  TransportMismatchError,
  UnreachableError,
} from "./client-errors.ts";
import { GrpcProtocolClient } from "./grpc-client.ts";
import { HttpProtocolClient } from "./http-client.ts";
import type { OperatorProtocolClient, ProtocolClientOptions } from "./protocol-client.ts";

export interface RaftoralClientOptions {
  /** Protocol for addresses given without a scheme. Default "grpc". */
  readonly transport?: TransportKind;
  /** Deadline of each call except waits, in ms. Default 10,000. */
  readonly timeoutMs?: number;
  /** Attempts of a repeatable call, across the nodes in turn. Default: twice per node, 3 at least. */
  readonly attemptsMax?: number;
  /** Pause after each full round over the nodes, in ms. Default 200. */
  readonly retryDelayMs?: number;
  /**
   * TLS settings (PEM text) for the addresses that use TLS (grpcs://, https://): the CA that
   * signed the nodes' certificates, and a client certificate when the nodes require one. When
   * given, addresses without a scheme use TLS too. Without it, TLS addresses trust the
   * system's CAs.
   */
  readonly tls?: ClientTls;
  /** Sent as `Authorization: Bearer <token>` on every call: the nodes' client or admin token. */
  readonly token?: string;
}

export interface CallTimeout {
  /** Overrides the client's timeoutMs for this call. */
  readonly timeoutMs?: number;
}

export interface StartOptions extends CallTimeout {
  /** Default 1. */
  readonly version?: number;
  /** Run it in this execution cluster (default: the least loaded one). */
  readonly executionClusterId?: string | number;
  /**
   * Your id for the workflow (letters, digits and `. _ : @ -`, at most 128). Starting it
   * again returns the same workflow, or fails with ALREADY_EXISTS when the name, version or
   * input differ. With an id, a start whose answer was lost is sent again, to the next node.
   */
  readonly workflowId?: string;
}

/** A started workflow: what wait needs to find it. */
export interface StartedWorkflow {
  readonly workflowId: string;
  /** Decimal id of the execution cluster that runs it. */
  readonly executionClusterId: string;
}

/** What wait needs: the id, and the execution cluster if known (any node finds it otherwise). */
export interface WorkflowRef {
  readonly workflowId: string;
  readonly executionClusterId?: string;
}

export interface SignalOptions extends CallTimeout {
  /** The workflow's execution cluster, if known (any node finds it otherwise). */
  readonly executionClusterId?: string | number;
  /**
   * Your id for the event: a repeat with the same id is delivered once, so the client may
   * send it again to the next node when an answer is lost. Without one it is sent once.
   */
  readonly eventId?: string;
}

/** Where an event went. */
export interface SignaledEvent {
  readonly workflowId: string;
  readonly executionClusterId: string;
  readonly eventId: string;
  /** The workflow had this event id already: nothing was added. */
  readonly isDuplicate: boolean;
}

export interface WaitOptions {
  /** How long to wait for the workflow to finish, in ms. Default 30,000; at most 3,600,000. */
  readonly timeoutMs?: number;
}

/**
 * How a workflow ended. A failed workflow is a result, not an exception. Its
 * `executionClusterId` is "" when the wait did not name one.
 */
export type WorkflowResult<Output = unknown> = StartedWorkflow &
  (
    | { readonly status: "completed"; readonly output: Output; readonly outputJson: string }
    | {
        readonly status: "failed";
        readonly error: string;
        /** The failure's stable code when it had one: CANCELLED, TERMINATED, ... */
        readonly errorCode?: string;
      }
  );

export interface StopOptions extends CallTimeout {
  /** The workflow's execution cluster, if known (any node finds it otherwise). */
  readonly executionClusterId?: string | number;
  /** Why: kept with the request and in the workflow's error message. */
  readonly reason?: string;
}

/** A cancel or terminate as applied. */
export interface StoppedWorkflow {
  readonly workflowId: string;
  readonly executionClusterId: string;
  /** Its status then: "running" until a cancelled workflow's code ends, or how it ended. */
  readonly status: string;
  /** It had been cancelled (terminated) before: nothing changed. */
  readonly isDuplicate: boolean;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_WAIT_MS = 30_000;
const WAIT_MS_MAX = 3_600_000;
/** A wait's call deadline runs this much past the wait itself, so the server's answer wins. */
const WAIT_MARGIN_MS = 5_000;
const PROBE_TIMEOUT_MS = 2_000;
/**
 * A leave answers once the node's groups no longer count on it: with the default 10 s
 * proposal timeout, up to 10 s for its removal and 60 s for its groups to replace it.
 */
const LEAVE_TIMEOUT_MS = 90_000;
/** A start under the caller's id is repeated also when its answer did not come in time. */
const START_RETRYABLE: ReadonlySet<string> = new Set([...ANOTHER_NODE_MAY_SERVE, "TIMEOUT"]);

export class RaftoralClient {
  private readonly targets: readonly NodeTarget[];
  private readonly connection: ConnectionSettings;
  private readonly clients: readonly OperatorProtocolClient[];
  private readonly timeoutMs: number;
  private readonly attemptsMax: number;
  private readonly retryDelayMs: number;
  /** The node that answered last: calls go there first. */
  private preferred = 0;

  /**
   * `addresses`: "host:port", or with a scheme: "grpc://", "grpcs://", "http://", "https://";
   * as a list or comma-separated.
   */
  constructor(addresses: string | readonly string[], options: RaftoralClientOptions = {}) {
    this.targets = parseNodeTargets(addresses, {
      transport: options.transport ?? "grpc",
      isTls: options.tls !== undefined,
    });
    this.connection = {
      tls: options.tls ?? {},
      ...(options.token === undefined ? {} : { token: options.token }),
    };
    this.clients = this.targets.map((target) => clientFor(target, this.connection));
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.attemptsMax = options.attemptsMax ?? Math.max(3, this.targets.length * 2);
    this.retryDelayMs = options.retryDelayMs ?? 200;
  }

  /**
   * Starts workflow `name` with `input` (any JSON value). Without `workflowId` it is sent to
   * one node and never repeated; with one, it is repeated like wait (see StartOptions).
   */
  async start(name: string, input: unknown, options: StartOptions = {}): Promise<StartedWorkflow> {
    const cluster = options.executionClusterId;
    const { workflowId } = options;
    const call = (client: OperatorProtocolClient) =>
      client.startWorkflow(
        {
          workflowType: name,
          version: options.version ?? 1,
          inputJson: JSON.stringify(input ?? null),
          ...(cluster === undefined ? {} : { executionClusterId: clusterIdOf(cluster) }),
          ...(workflowId === undefined ? {} : { workflowId }),
        },
        { timeoutMs: options.timeoutMs ?? this.timeoutMs },
      );
    const started =
      workflowId === undefined
        ? await this.once("start", this.preferred, call)
        : await this.repeatable("start", call, START_RETRYABLE);
    return {
      workflowId: started.workflowId,
      executionClusterId: String(started.executionClusterId),
    };
  }

  /** Waits until the workflow finished; TIMEOUT if it did not within `timeoutMs`. */
  async wait<Output = unknown>(
    workflow: WorkflowRef,
    options: WaitOptions = {},
  ): Promise<WorkflowResult<Output>> {
    const waitMs = Math.min(options.timeoutMs ?? DEFAULT_WAIT_MS, WAIT_MS_MAX);
    const cluster = workflow.executionClusterId;
    const outcome = await this.repeatable("wait", (client) =>
      client.waitWorkflow(
        {
          workflowId: workflow.workflowId,
          ...(cluster === undefined || cluster === "" ? {} : { executionClusterId: cluster }),
          timeoutSeconds: Math.max(1, Math.ceil(waitMs / 1000)),
        },
        { timeoutMs: waitMs + WAIT_MARGIN_MS },
      ),
    );
    const ids = {
      workflowId: workflow.workflowId,
      executionClusterId: cluster ?? "",
    };
    if (!outcome.success) {
      const code = outcome.errorCode === undefined ? {} : { errorCode: outcome.errorCode };
      return { ...ids, status: "failed", error: outcome.error ?? "", ...code };
    }
    const outputJson = outcome.resultJson ?? "null";
    return { ...ids, status: "completed", output: JSON.parse(outputJson) as Output, outputJson };
  }

  /**
   * Sends event `name` with `payload` (any JSON value) to a running workflow, for its
   * ctx.waitForEvent(name). NOT_FOUND for an unknown workflow, FAILED_PRECONDITION for one
   * that finished.
   */
  async signal(
    workflowId: string,
    name: string,
    payload: unknown,
    options: SignalOptions = {},
  ): Promise<SignaledEvent> {
    const cluster = options.executionClusterId;
    const { eventId } = options;
    const call = (client: OperatorProtocolClient) =>
      client.signalWorkflow(
        {
          workflowId,
          name,
          payloadJson: JSON.stringify(payload ?? null),
          ...(cluster === undefined ? {} : { executionClusterId: String(clusterIdOf(cluster)) }),
          ...(eventId === undefined ? {} : { eventId }),
        },
        { timeoutMs: options.timeoutMs ?? this.timeoutMs },
      );
    const sent =
      eventId === undefined
        ? await this.once("signal", this.preferred, call)
        : await this.repeatable("signal", call, START_RETRYABLE);
    return { ...sent, executionClusterId: String(sent.executionClusterId) };
  }

  /**
   * The workflow's status (running, sleeping, waiting, completed, failed), input, owner,
   * times and recorded calls, as its execution cluster applied them. NOT_FOUND if unknown.
   */
  describe(workflow: WorkflowRef, options: CallTimeout = {}): Promise<WorkflowDescriptionInfo> {
    const cluster = workflow.executionClusterId;
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    return this.repeatable("describe", (client) =>
      client.describeWorkflow(
        {
          workflowId: workflow.workflowId,
          ...(cluster === undefined || cluster === "" ? {} : { executionClusterId: cluster }),
        },
        { timeoutMs },
      ),
    );
  }

  /**
   * Asks a running workflow to stop: its code sees a CancelledError at its next ctx call and
   * may clean up; wait() then gives a failure with code CANCELLED (or its clean-up result).
   * Safe to repeat. NOT_FOUND for an unknown workflow, FAILED_PRECONDITION for a finished one.
   */
  cancel(workflowId: string, options: StopOptions = {}): Promise<StoppedWorkflow> {
    return this.stop("cancel", workflowId, options);
  }

  /** Ends a running workflow at once (status terminated, code TERMINATED). Safe to repeat. */
  terminate(workflowId: string, options: StopOptions = {}): Promise<StoppedWorkflow> {
    return this.stop("terminate", workflowId, options);
  }

  private async stop(
    what: "cancel" | "terminate",
    workflowId: string,
    options: StopOptions,
  ): Promise<StoppedWorkflow> {
    const { executionClusterId: cluster, reason } = options;
    const request = {
      workflowId,
      ...(cluster === undefined ? {} : { executionClusterId: String(clusterIdOf(cluster)) }),
      ...(reason === undefined ? {} : { reason }),
    };
    const call = { timeoutMs: options.timeoutMs ?? this.timeoutMs };
    // A repeat is acknowledged by the group, so a call whose answer was lost may go again.
    const stopped = await this.repeatable(
      what,
      (client) =>
        what === "cancel"
          ? client.cancelWorkflow(request, call)
          : client.terminateWorkflow(request, call),
      START_RETRYABLE,
    );
    return { ...stopped, executionClusterId: String(stopped.executionClusterId) };
  }

  /** start, then wait. */
  async run<Output = unknown>(
    name: string,
    input: unknown,
    options: StartOptions & { readonly waitTimeoutMs?: number } = {},
  ): Promise<WorkflowResult<Output>> {
    const started = await this.start(name, input, options);
    return this.wait<Output>(
      started,
      options.waitTimeoutMs === undefined ? {} : { timeoutMs: options.waitTimeoutMs },
    );
  }

  /** Nodes, management roles, execution clusters with members and leaders. */
  status(options: CallTimeout = {}): Promise<ClusterStatus> {
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    return this.repeatable("cluster status", (client) => client.clusterStatus({ timeoutMs }));
  }

  discover(options: CallTimeout = {}): Promise<DiscoveryInfo> {
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    return this.repeatable("discover", (client) => client.discover({ timeoutMs }));
  }

  health(options: CallTimeout = {}): Promise<HealthInfo> {
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    return this.repeatable("health", (client) => client.health({ timeoutMs }));
  }

  /**
   * Makes the FIRST address's node leave the cluster; it stops right after answering. Never
   * sent to another node: that would make a different node leave.
   */
  leave(options: CallTimeout = {}): Promise<LeaveResult> {
    // The node answers once its groups let it go, which takes an election timeout or two.
    const timeoutMs = options.timeoutMs ?? Math.max(this.timeoutMs, LEAVE_TIMEOUT_MS);
    return this.once("leave", 0, (client) => client.leave({ timeoutMs }));
  }

  /**
   * Operator recovery on the FIRST address's node: each group it hosts that lost its majority
   * (or those named) continues with that node as its only voter. Acknowledged entries that only
   * the lost voters held are gone; see docs/availability.md. `dryRun` only reports.
   */
  recover(request: RecoverRequest, options: CallTimeout = {}): Promise<RecoverResult> {
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    return this.once("recover", 0, (client) => client.recoverGroups(request, { timeoutMs }));
  }

  async close(): Promise<void> {
    await Promise.all(this.clients.map((client) => client.close()));
  }

  /** One attempt on node `index`. */
  private async once<T>(
    what: string,
    index: number,
    call: (client: OperatorProtocolClient) => Promise<T>,
  ): Promise<T> {
    const client = this.clients[index] as OperatorProtocolClient;
    try {
      return await call(client);
    } catch (error) {
      const typed = asRaftoralError(error);
      if (!isWorthAnotherNode(typed)) throw typed;
      throw await this.unreachable(what, [{ address: client.address, error: typed }]);
    }
  }

  /** Tries the nodes in turn, from the one that answered last, on retryable errors. */
  private async repeatable<T>(
    what: string,
    call: (client: OperatorProtocolClient) => Promise<T>,
    retryable: ReadonlySet<string> = ANOTHER_NODE_MAY_SERVE,
  ): Promise<T> {
    const attempts: FailedAttempt[] = [];
    for (let attempt = 0; attempt < this.attemptsMax; attempt++) {
      const index = (this.preferred + attempt) % this.clients.length;
      const client = this.clients[index] as OperatorProtocolClient;
      try {
        const result = await call(client);
        this.preferred = index;
        return result;
      } catch (error) {
        const typed = asRaftoralError(error);
        if (!retryable.has(typed.code)) throw typed;
        attempts.push({ address: client.address, error: typed });
        const isRoundDone = (attempt + 1) % this.clients.length === 0;
        if (isRoundDone && attempt + 1 < this.attemptsMax) await pause(this.retryDelayMs);
      }
    }
    throw await this.unreachable(what, attempts);
  }

  /**
   * The error for a call no node served. When the first node answers in the other protocol,
   * that is the real problem, and the error says so.
   */
  private async unreachable(what: string, attempts: FailedAttempt[]): Promise<RaftoralError> {
    const target = this.targets.find((item) => item.address === attempts[0]?.address);
    if (target !== undefined) {
      const other: TransportKind = target.transport === "grpc" ? "http" : "grpc";
      const probe = clientFor({ ...target, transport: other }, this.connection);
      const isOther = await probe.discover({ timeoutMs: PROBE_TIMEOUT_MS }).then(
        () => true,
        // The probe is best effort: any failure just means "not the other protocol either".
        () => false,
      );
      await probe.close();
      if (isOther) {
        return new TransportMismatchError(target.address, target.transport, other, target.isTls);
      }
    }
    return new UnreachableError(what, attempts);
  }
}

/** TLS settings and token shared by every node's client. */
interface ConnectionSettings {
  readonly tls: ClientTls;
  readonly token?: string;
}

function clientFor(target: NodeTarget, connection: ConnectionSettings): OperatorProtocolClient {
  const options: ProtocolClientOptions = {
    ...(target.isTls ? { tls: connection.tls } : {}),
    ...(connection.token === undefined ? {} : { credentials: bearerCredentials(connection.token) }),
  };
  return target.transport === "grpc"
    ? new GrpcProtocolClient(target.address, options)
    : new HttpProtocolClient(target.address, options);
}

function asRaftoralError(error: unknown): RaftoralError {
  if (error instanceof RaftoralError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new RaftoralError("INTERNAL", `unexpected client failure: ${message}`, { cause: error });
}

function clusterIdOf(value: string | number): GroupId {
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < 1 || String(value).trim() === "") {
    throw new InvalidArgumentError(`execution cluster id '${value}' is not a positive integer`);
  }
  return groupId(number);
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
