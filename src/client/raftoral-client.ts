// RaftoralClient: the API of a Raftoral cluster for programs and scripts, over gRPC or HTTP,
// cleartext or TLS, with an optional bearer token. It knows several nodes; calls safe to repeat
// (discover, health, status, wait) move on to the next node when one is unavailable. A start
// is repeated only when the caller chose its workflow id: the cluster then starts that id once,
// however often it is asked. Without one it goes to the next node only while no node may have
// received it (a refused connection) or did anything for it (a node restarting refuses it
// first, and says so): one whose answer was lost may have started it. Bun, Node.

import { RaftoralError } from "../lib/index.ts";
import type {
  ClientTls,
  ClusterStatus,
  DescribeWorkflowRequest,
  DiscoveryInfo,
  HealthInfo,
  LeaveResult,
  ListWorkflowsRequest,
  ListWorkflowsResult,
  RecoverRequest,
  RecoverResult,
  RetentionInfo,
  RetentionRequest,
  SignalWorkflowRequest,
  SignalWorkflowResult,
  StartWorkflowRequest,
  StartWorkflowResult,
  StopWorkflowRequest,
  TransportKind,
  WaitWorkflowRequest,
  WorkflowOutcome,
} from "../transport/index.ts";
import { type NodeTarget, parseNodeTargets } from "./client-address.ts";
import {
  ANOTHER_NODE_MAY_SERVE,
  asRaftoralError,
  ClientClosedError,
  type FailedAttempt,
  isUnanswered,
  isWorthAnotherNode,
  NotSentError,
  TransportMismatchError,
  UnreachableError,
  UnservedError,
  unansweredError,
  writeOutcome,
} from "./client-errors.ts";
import {
  DEFAULT_TIMEOUT_MS,
  LEAVE_TIMEOUT_MS,
  RECOVER_TIMEOUT_MS,
  WAIT_MARGIN_MS,
} from "./client-timeouts.ts";
import { type ConnectionSettings, clientFor, failedCallError } from "./node-clients.ts";
import type { OperatorProtocolClient } from "./protocol-client.ts";
import { type CallTimeout, clusterField } from "./workflow-calls.ts";
import { WorkflowClientBase } from "./workflow-client-base.ts";

export interface RaftoralClientOptions {
  /** Protocol for addresses given without a scheme. Default "grpc". */
  readonly transport?: TransportKind;
  /**
   * Deadline of each call except waits, in ms, in all: the nodes it tries share it, each
   * attempt getting what is left. Default 10,000.
   */
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
export interface ListOptions extends CallTimeout, Omit<ListWorkflowsRequest, "executionClusterId"> {
  /** Only this execution cluster. */
  readonly executionClusterId?: string | number;
}

/** A start under the caller's id is repeated also when its answer did not come in time. */
const START_RETRYABLE: ReadonlySet<string> = new Set([...ANOTHER_NODE_MAY_SERVE, "TIMEOUT"]);

/** The option that makes a start safe to send again, as the library and the command line name it. */
const START_ID = "a workflowId (--workflow-id on the command line)";
/** The same for a signal. */
const EVENT_ID = "an eventId (--event-id on the command line)";

export class RaftoralClient extends WorkflowClientBase {
  private readonly targets: readonly NodeTarget[];
  private readonly connection: ConnectionSettings;
  private readonly clients: readonly OperatorProtocolClient[];
  protected readonly timeoutMs: number;
  private readonly attemptsMax: number;
  private readonly retryDelayMs: number;
  /** The node that answered last: calls go there first. */
  private preferred = 0;
  private isClosed = false;
  /**
   * A node has answered this client before: nodes it cannot reach now are restarting (every
   * one of them at once, as in a rolling restart gone wrong or a host's reboot), not a wrong
   * address, and calls safe to repeat wait for them within their time instead of failing.
   */
  private hasBeenAnswered = false;

  /**
   * `addresses`: "host:port", or with a scheme: "grpc://", "grpcs://", "http://", "https://";
   * as a list or comma-separated.
   */
  constructor(addresses: string | readonly string[], options: RaftoralClientOptions = {}) {
    super();
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

  protected sendStart(request: StartWorkflowRequest, timeoutMs: number) {
    const call: NodeCall<StartWorkflowResult> = (client, leftMs) =>
      client.startWorkflow(request, { timeoutMs: leftMs });
    // Without the caller's id a start whose answer was lost may have been done: one node gets it.
    return request.workflowId === undefined
      ? this.untilReceived("start", START_ID, timeoutMs, call)
      : this.untilServed("start", timeoutMs, call, START_RETRYABLE);
  }

  /**
   * A wait is safe to repeat: while no node can serve it (every node restarting), it is asked
   * again, round after round, until its own time is up or close(), for what is left of it.
   */
  protected async sendWait(request: WaitWorkflowRequest, waitMs: number) {
    const endMs = performance.now() + waitMs;
    // Each attempt asks its node to wait for what is left of the caller's time, not all of
    // it: a node given up on (silent for 5 s) took some, and the next one, asked for the
    // whole, saw the call's deadline pass before it answered, as a node that never did.
    const waitOn: NodeCall<WorkflowOutcome> = (client, attemptMs) => {
      const timeoutSeconds = Math.max(1, Math.ceil((endMs - performance.now()) / 1000));
      return client.waitWorkflow({ ...request, timeoutSeconds }, { timeoutMs: attemptMs });
    };
    for (;;) {
      // Whole milliseconds: Node's AbortSignal.timeout() refuses a fraction.
      const leftMs = Math.max(0, Math.ceil(endMs - performance.now()));
      try {
        return await this.repeatable("wait", leftMs + WAIT_MARGIN_MS, waitOn);
      } catch (error) {
        const isUnserved =
          error instanceof UnreachableError ||
          (error instanceof UnservedError && error.code === "UNAVAILABLE");
        const isLast = this.isClosed || performance.now() + this.retryDelayMs >= endMs;
        if (!isUnserved || isLast) throw error;
        await pause(this.retryDelayMs);
      }
    }
  }

  protected sendSignal(request: SignalWorkflowRequest, timeoutMs: number) {
    const call: NodeCall<SignalWorkflowResult> = (client, leftMs) =>
      client.signalWorkflow(request, { timeoutMs: leftMs });
    // Without the caller's event id a repeat could deliver it twice: one node receives it.
    return request.eventId === undefined
      ? this.untilReceived("signal", EVENT_ID, timeoutMs, call)
      : this.untilServed("signal", timeoutMs, call, START_RETRYABLE);
  }

  protected sendDescribe(request: DescribeWorkflowRequest, timeoutMs: number) {
    return this.untilServed("describe", timeoutMs, (client, leftMs) =>
      client.describeWorkflow(request, { timeoutMs: leftMs }),
    );
  }

  protected sendStop(
    type: "cancel" | "terminate",
    request: StopWorkflowRequest,
    timeoutMs: number,
  ) {
    // A repeat is acknowledged by the group, so a call whose answer was lost may go again.
    return this.untilServed(
      type,
      timeoutMs,
      (client, leftMs) =>
        type === "cancel"
          ? client.cancelWorkflow(request, { timeoutMs: leftMs })
          : client.terminateWorkflow(request, { timeoutMs: leftMs }),
      START_RETRYABLE,
    );
  }

  /**
   * A page of workflows of every execution cluster, newest first (by start time, then id).
   * Pass the result's nextPageToken back as pageToken for the next page. Clusters that did
   * not answer are listed in unavailableClusters: their workflows are missing from the page.
   */
  list(options: ListOptions = {}): Promise<ListWorkflowsResult> {
    const { timeoutMs = this.timeoutMs, executionClusterId: cluster, ...filter } = options;
    const request = { ...filter, ...clusterField(cluster) };
    // A page left empty because its clusters could not answer yet (a restart) is asked for
    // again; a page with workflows on it is shown at once, with its warning.
    const isEmptyForNow = (page: ListWorkflowsResult) =>
      page.workflows.length === 0 && page.unavailableClusters.length > 0;
    return this.untilServed(
      "list",
      timeoutMs,
      (client, leftMs) => client.listWorkflows(request, { timeoutMs: leftMs }),
      ANOTHER_NODE_MAY_SERVE,
      isEmptyForNow,
    );
  }

  /** Nodes, management roles, execution clusters with members and leaders. */
  status(options: CallTimeout = {}): Promise<ClusterStatus> {
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    return this.repeatable("cluster status", timeoutMs, (client, leftMs) =>
      client.clusterStatus({ timeoutMs: leftMs }),
    );
  }

  discover(options: CallTimeout = {}): Promise<DiscoveryInfo> {
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    return this.repeatable("discover", timeoutMs, (client, leftMs) =>
      client.discover({ timeoutMs: leftMs }),
    );
  }

  /**
   * The FIRST address's node's health. Never asked of another node: a health check must not
   * pass because some other node is up.
   */
  health(options: CallTimeout = {}): Promise<HealthInfo> {
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    return this.once("health", "read", (client) => client.health({ timeoutMs }));
  }

  /**
   * Makes the FIRST address's node leave the cluster; it stops right after answering. Never
   * sent to another node: that would make a different node leave.
   */
  leave(options: CallTimeout = {}): Promise<LeaveResult> {
    // The node answers once its groups let it go, which takes an election timeout or two.
    const timeoutMs = options.timeoutMs ?? Math.max(this.timeoutMs, LEAVE_TIMEOUT_MS);
    return this.once("leave", "write", (client) => client.leave({ timeoutMs }));
  }

  /**
   * Operator recovery on the FIRST address's node: each group it hosts that lost its majority
   * (or those named) continues with that node as its only voter. Acknowledged entries that only
   * the lost voters held are gone; see docs/availability.md. `dryRun` only reports.
   */
  recover(request: RecoverRequest, options: CallTimeout = {}): Promise<RecoverResult> {
    const timeoutMs = options.timeoutMs ?? Math.max(this.timeoutMs, RECOVER_TIMEOUT_MS);
    return this.once("recover", "write", (client) => client.recoverGroups(request, { timeoutMs }));
  }

  /**
   * The cluster's retention of finished workflows; with fields, changes those (any node
   * takes it: the change is a management-log commit). See docs/workflows.md, "Retention".
   */
  retention(request: RetentionRequest = {}, options: CallTimeout = {}): Promise<RetentionInfo> {
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    return this.repeatable("cluster retention", timeoutMs, (client, leftMs) =>
      client.clusterRetention(request, { timeoutMs: leftMs }),
    );
  }

  async close(): Promise<void> {
    this.isClosed = true;
    await Promise.all(this.clients.map((client) => client.close()));
  }

  /**
   * A workflow call safe to repeat, asked again every retryDelayMs while the nodes answer
   * that they cannot serve it now (UNAVAILABLE: a replica not running yet after a restart, an
   * execution cluster still forming or between leaders), or answer what `isNotYet` says is
   * no answer yet, until `budgetMs` is up, as a wait is. Nodes that do not answer end it at
   * once, unless nodes answered this client before (hasBeenAnswered); a wait goes on through
   * those always.
   */
  private async untilServed<T>(
    what: string,
    budgetMs: number,
    call: NodeCall<T>,
    retryable?: ReadonlySet<string>,
    isNotYet?: (value: T) => boolean,
  ): Promise<T> {
    const endMs = performance.now() + budgetMs;
    const isLast = () => this.isClosed || performance.now() + this.retryDelayMs >= endMs;
    for (;;) {
      const leftMs = Math.max(1, Math.ceil(endMs - performance.now()));
      try {
        const value = await this.repeatable(what, leftMs, call, retryable);
        if (isNotYet?.(value) !== true || isLast()) return value;
      } catch (error) {
        const isUnavailable =
          (error instanceof UnservedError && error.code === "UNAVAILABLE") ||
          (error instanceof UnreachableError && this.hasBeenAnswered);
        if (!isUnavailable || isLast()) throw error;
      }
      await pause(this.retryDelayMs);
    }
  }

  /** One attempt on the first address's node, for a call about that node itself. */
  private async once<T>(
    what: string,
    kind: "read" | "write",
    call: (client: OperatorProtocolClient) => Promise<T>,
  ): Promise<T> {
    const client = this.clients[0] as OperatorProtocolClient;
    try {
      return await call(client);
    } catch (error) {
      const typed = asRaftoralError(error);
      const attempt = { address: client.address, error: typed };
      if (isUnanswered(typed)) {
        if (kind === "read") throw await this.unreachable(what, [attempt], false);
        throw new RaftoralError(
          "TIMEOUT",
          `${client.address} did not answer ${what} in time (${typed.message}): it may still ` +
            "do it; `raftoral cluster status` at another node's address shows whether it did",
          { cause: typed },
        );
      }
      // The node's own answer says why; "no node could serve" would suggest others were asked.
      if (!isWorthAnotherNode(typed) || typed.isAnswer) throw typed;
      throw await this.unreachable(what, [attempt], kind === "write");
    }
  }

  /**
   * A call that must not be done twice: tries the nodes in turn, from the one that answered
   * last, only while none may have received it (it could not connect) or did anything for it
   * (it refused it first, RaftoralError.isNotDone). Once one answers otherwise, or its answer
   * is lost, that is the outcome: `idName` is what would let the client repeat it (START_ID,
   * EVENT_ID). While some node refuses it so (restarting), or none can be reached by a
   * client that nodes answered before (hasBeenAnswered), all are asked again every
   * retryDelayMs until `budgetMs` is up, as untilServed does.
   */
  private async untilReceived<T>(
    what: string,
    idName: string,
    budgetMs: number,
    call: NodeCall<T>,
  ): Promise<T> {
    const endMs = performance.now() + budgetMs;
    for (;;) {
      const round = await this.receivedRound(what, idName, endMs, call);
      if ("value" in round) return round.value;
      // Every node refused it before doing anything, or could not be reached (did not get it).
      const isWorthAnotherRound =
        round.attempts.some(({ error }) => error.isNotDone) || this.hasBeenAnswered;
      const isLast = this.isClosed || performance.now() + this.retryDelayMs >= endMs;
      if (!isWorthAnotherRound || round.isFinal || isLast) {
        throw await this.unreachable(what, round.attempts, true, endMs);
      }
      await pause(this.retryDelayMs);
    }
  }

  /**
   * One round of untilReceived over the nodes. `isFinal`: a node answered, and not with a
   * refusal that did nothing, so no other node is asked.
   */
  private async receivedRound<T>(
    what: string,
    idName: string,
    endMs: number,
    call: NodeCall<T>,
  ): Promise<
    { readonly value: T } | { readonly attempts: FailedAttempt[]; readonly isFinal: boolean }
  > {
    const attempts: FailedAttempt[] = [];
    for (let attempt = 0; attempt < this.clients.length; attempt++) {
      const leftMs = Math.ceil(endMs - performance.now());
      if (attempt > 0 && leftMs <= 0) break;
      const tried = await this.tryNode(attempt, (client) => call(client, Math.max(1, leftMs)));
      if ("value" in tried) return tried;
      const { address, error } = tried;
      if (error instanceof NotSentError) throw error;
      if (isUnanswered(error)) throw unansweredError(what, idName, tried);
      if (!isWorthAnotherNode(error)) throw error;
      attempts.push(tried);
      if (error.isAnswerLost) {
        // The other protocol garbles the answer too, and close() ends the call: say so first.
        const unreached = await this.unreachable(what, attempts, true, endMs);
        if (unreached instanceof TransportMismatchError || this.isClosed) throw unreached;
        // TIMEOUT, as a write whose outcome is unknown always is: UNAVAILABLE says "retry".
        throw new RaftoralError(
          "TIMEOUT",
          `the answer to ${what} from ${address} was lost (${error.message}): it may have ` +
            `been done, so it was not sent again; give it ${idName} to let the client send ` +
            "it again safely",
          { cause: error, isAnswerLost: true },
        );
      }
      if (error.isAnswer && !error.isNotDone) return { attempts, isFinal: true };
    }
    return { attempts, isFinal: false };
  }

  /** The call on the `attempt`-th node from the preferred one, which it becomes if it serves. */
  private async tryNode<T>(
    attempt: number,
    call: (client: OperatorProtocolClient) => Promise<T>,
  ): Promise<{ readonly value: T } | FailedAttempt> {
    const index = (this.preferred + attempt) % this.clients.length;
    const client = this.clients[index] as OperatorProtocolClient;
    try {
      const value = await call(client);
      this.preferred = index;
      this.hasBeenAnswered = true;
      return { value };
    } catch (error) {
      const failure = asRaftoralError(error);
      this.hasBeenAnswered ||= failure.isAnswer;
      return { address: client.address, error: failure };
    }
  }

  /**
   * Tries the nodes in turn, from the one that answered last, on retryable errors and on a
   * node that did not answer in time, all within `budgetMs`: each attempt gets what is left of
   * it. A write (START_RETRYABLE) gets half of it while another node is still untried, so that
   * a node that holds it unanswered leaves the next one time to serve it; repeated after a
   * deadline it may have been done, and a later refusal does not say it was not (writeOutcome).
   */
  private async repeatable<T>(
    what: string,
    budgetMs: number,
    call: NodeCall<T>,
    retryable: ReadonlySet<string> = ANOTHER_NODE_MAY_SERVE,
  ): Promise<T> {
    const attempts: FailedAttempt[] = [];
    const isWrite = retryable === START_RETRYABLE;
    const outcome = (failure: RaftoralError) =>
      isWrite ? writeOutcome(what, attempts, failure) : failure;
    const endMs = performance.now() + budgetMs;
    for (let attempt = 0; attempt < this.attemptsMax; attempt++) {
      const leftMs = Math.ceil(endMs - performance.now());
      if (attempt > 0 && leftMs <= 0) break;
      const isShared = isWrite && attempt < this.clients.length - 1;
      const attemptMs = Math.max(1, isShared ? Math.ceil(leftMs / 2) : leftMs);
      const tried = await this.tryNode(attempt, (client) => call(client, attemptMs));
      if ("value" in tried) return tried.value;
      // Never sent, nothing was done: an earlier attempt left unanswered still says otherwise.
      if (tried.error instanceof NotSentError) throw outcome(tried.error);
      if (!retryable.has(tried.error.code) && !isUnanswered(tried.error)) {
        throw outcome(tried.error);
      }
      attempts.push(tried);
      const isRoundDone = (attempt + 1) % this.clients.length === 0;
      if (!isRoundDone || attempt + 1 >= this.attemptsMax) continue;
      if (endMs - performance.now() <= this.retryDelayMs) break;
      await pause(this.retryDelayMs);
    }
    throw outcome(await this.unreachable(what, attempts, isWrite, endMs));
  }

  /** The error for a call no node served (failedCallError), within what is left of it. */
  private unreachable(
    what: string,
    attempts: FailedAttempt[],
    isWrite = true,
    endMs = Number.POSITIVE_INFINITY,
  ): Promise<RaftoralError> {
    if (this.isClosed) return Promise.resolve(new ClientClosedError(what, attempts, isWrite));
    const target = this.targets.find((item) => item.address === attempts[0]?.address);
    return failedCallError(what, attempts, { isWrite, endMs, target, connection: this.connection });
  }
}

/** One call to one node, given the time left of the call's budget. */
type NodeCall<T> = (client: OperatorProtocolClient, leftMs: number) => Promise<T>;

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
