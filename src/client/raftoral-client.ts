// RaftoralClient: the API of a Raftoral cluster for programs and scripts, over gRPC or HTTP,
// cleartext or TLS, with an optional bearer token. It knows several nodes; calls that are
// safe to repeat (discover, health, status, wait) move on to the next node when one is
// unavailable. A start is repeated only when the caller chose its workflow id: the cluster
// then starts that id once, however often it is asked. A start without one is never
// repeated, since a start whose answer was lost may have started it. Runs on Bun and on
// Node (no Bun APIs).

import { type EventType, RaftoralError, type ResultOf, type WorkflowType } from "../lib/index.ts";
import {
  bearerCredentials,
  type ClientTls,
  type ClusterStatus,
  type DiscoveryInfo,
  type HealthInfo,
  type LeaveResult,
  type ListWorkflowsResult,
  type RecoverRequest,
  type RecoverResult,
  type RetentionInfo,
  type RetentionRequest,
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
import {
  type CallTimeout,
  describeRequestOf,
  type RunOptions,
  resultOf,
  type SignaledEvent,
  type SignalOptions,
  type StartedWorkflow,
  type StartOptions,
  type StopOptions,
  type StoppedWorkflow,
  signalRequestOf,
  startRequestOf,
  stopRequestOf,
  type WaitOptions,
  type WorkflowClient,
  type WorkflowRef,
  type WorkflowResult,
  waitMsOf,
  waitRequestOf,
} from "./workflow-calls.ts";

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

/** Which workflows list returns, and which page (see NodeApi.listWorkflows). */
export interface ListOptions extends CallTimeout {
  /** Any of these: running, sleeping, waiting, completed, failed. Default: all. */
  readonly statuses?: readonly string[];
  /** Exactly this workflow name. */
  readonly name?: string;
  /** Started at or after this time (epoch ms). */
  readonly startedAfterMs?: number;
  /** Started before this time (epoch ms, exclusive). */
  readonly startedBeforeMs?: number;
  /** 1 to 1000; default 50. */
  readonly pageSize?: number;
  /** The nextPageToken of the previous page. */
  readonly pageToken?: string;
  /** Only this execution cluster. */
  readonly executionClusterId?: string | number;
}

const DEFAULT_TIMEOUT_MS = 10_000;
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

export class RaftoralClient implements WorkflowClient {
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
   * Starts `workflow` (a definition, a WorkflowType or a name) with `input` (any JSON
   * value). Without `workflowId` it is sent to one node and never repeated; with one, it is
   * repeated like wait (see StartOptions).
   */
  start<I, O>(
    workflow: WorkflowType<I, O>,
    input: I,
    options?: StartOptions,
  ): Promise<StartedWorkflow<O>>;
  start(name: string, input: unknown, options?: StartOptions): Promise<StartedWorkflow>;
  async start(
    workflow: string | WorkflowType,
    input: unknown,
    options: StartOptions = {},
  ): Promise<StartedWorkflow> {
    const request = startRequestOf(workflow, input, options);
    const call = (client: OperatorProtocolClient) =>
      client.startWorkflow(request, { timeoutMs: options.timeoutMs ?? this.timeoutMs });
    const started =
      request.workflowId === undefined
        ? await this.once("start", this.preferred, call)
        : await this.repeatable("start", call, START_RETRYABLE);
    return {
      workflowId: started.workflowId,
      executionClusterId: String(started.executionClusterId),
    };
  }

  /** Waits until the workflow finished; TIMEOUT if it did not within `timeoutMs`. */
  async wait<O = unknown>(
    workflow: WorkflowRef<O>,
    options: WaitOptions = {},
  ): Promise<WorkflowResult<ResultOf<O>>> {
    const waitMs = waitMsOf(options);
    const outcome = await this.repeatable("wait", (client) =>
      client.waitWorkflow(waitRequestOf(workflow, waitMs), { timeoutMs: waitMs + WAIT_MARGIN_MS }),
    );
    return resultOf(workflow, outcome);
  }

  /**
   * Sends event `event` (a name, or an EventType that types the payload) with `payload` (any
   * JSON value) to a running workflow, for its ctx.waitForEvent(). NOT_FOUND for an unknown
   * workflow, FAILED_PRECONDITION for one that finished.
   */
  signal<T>(
    workflow: string | WorkflowRef,
    event: EventType<T>,
    payload: T,
    options?: SignalOptions,
  ): Promise<SignaledEvent>;
  signal(
    workflow: string | WorkflowRef,
    name: string,
    payload: unknown,
    options?: SignalOptions,
  ): Promise<SignaledEvent>;
  async signal(
    workflow: string | WorkflowRef,
    event: string | EventType,
    payload: unknown,
    options: SignalOptions = {},
  ): Promise<SignaledEvent> {
    const request = signalRequestOf(workflow, event, payload, options);
    const call = (client: OperatorProtocolClient) =>
      client.signalWorkflow(request, { timeoutMs: options.timeoutMs ?? this.timeoutMs });
    const sent =
      request.eventId === undefined
        ? await this.once("signal", this.preferred, call)
        : await this.repeatable("signal", call, START_RETRYABLE);
    return { ...sent, executionClusterId: String(sent.executionClusterId) };
  }

  /**
   * The workflow's status (running, sleeping, waiting, completed, failed), input, owner,
   * times and recorded calls, as its execution cluster applied them. NOT_FOUND if unknown.
   */
  describe(
    workflow: string | WorkflowRef,
    options: CallTimeout = {},
  ): Promise<WorkflowDescriptionInfo> {
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const request = describeRequestOf(workflow);
    return this.repeatable("describe", (client) => client.describeWorkflow(request, { timeoutMs }));
  }

  /**
   * A page of workflows of every execution cluster, newest first (by start time, then id).
   * Pass the result's nextPageToken back as pageToken for the next page. Clusters that did
   * not answer are listed in unavailableClusters: their workflows are missing from the page.
   */
  list(options: ListOptions = {}): Promise<ListWorkflowsResult> {
    const { timeoutMs = this.timeoutMs, executionClusterId: cluster, ...filter } = options;
    const request = {
      ...filter,
      ...(cluster === undefined || cluster === "" ? {} : { executionClusterId: String(cluster) }),
    };
    return this.repeatable("list", (client) => client.listWorkflows(request, { timeoutMs }));
  }

  /**
   * Asks a running workflow to stop: its code sees a CancelledError at its next ctx call and
   * may clean up; wait() then gives a failure with code CANCELLED (or its clean-up result).
   * Safe to repeat. NOT_FOUND for an unknown workflow, FAILED_PRECONDITION for a finished one.
   */
  cancel(workflow: string | WorkflowRef, options: StopOptions = {}): Promise<StoppedWorkflow> {
    return this.stop("cancel", workflow, options);
  }

  /** Ends a running workflow at once (status terminated, code TERMINATED). Safe to repeat. */
  terminate(workflow: string | WorkflowRef, options: StopOptions = {}): Promise<StoppedWorkflow> {
    return this.stop("terminate", workflow, options);
  }

  private async stop(
    what: "cancel" | "terminate",
    workflow: string | WorkflowRef,
    options: StopOptions,
  ): Promise<StoppedWorkflow> {
    const request = stopRequestOf(workflow, options);
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
  run<I, O>(
    workflow: WorkflowType<I, O>,
    input: I,
    options?: RunOptions,
  ): Promise<WorkflowResult<ResultOf<O>>>;
  run<Output = unknown>(
    name: string,
    input: unknown,
    options?: RunOptions,
  ): Promise<WorkflowResult<Output>>;
  async run(
    workflow: string | WorkflowType,
    input: unknown,
    options: RunOptions = {},
  ): Promise<WorkflowResult> {
    const started = await this.start(workflow as string, input, options);
    return this.wait(
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

  /**
   * The cluster's retention of finished workflows; with fields, changes those (any node
   * takes it: the change is a management-log commit). See docs/workflows.md, "Retention".
   */
  retention(request: RetentionRequest = {}, options: CallTimeout = {}): Promise<RetentionInfo> {
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    return this.repeatable("cluster retention", (client) =>
      client.clusterRetention(request, { timeoutMs }),
    );
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

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
