// The workflow engine on this node: one WorkflowStateMachine, runtime and query object per
// execution group replica, and the routing of API calls. A start goes to the least loaded
// non-draining group; a call for a group this node does not host is forwarded to a member,
// so callers never see "not a member".

import type { ExecutionLayer } from "../api/index.ts";
import type { ProtocolClient } from "../client/index-core.ts";
import {
  type Clock,
  type GroupId,
  type Logger,
  logIndex,
  MANAGEMENT_GROUP,
  type NodeId,
  newTraceId,
  RaftoralError,
  type Random,
} from "../lib/index.ts";
import { type ManagementMachine, resultsHolder } from "../management/index.ts";
import type { MultiRaftHost } from "../multiraft/index.ts";
import type {
  CallOptions,
  DescribeWorkflowRequest,
  ListWorkflowsRequest,
  ListWorkflowsResult,
  SignalWorkflowRequest,
  SignalWorkflowResult,
  StartWorkflowRequest,
  StartWorkflowResult,
  StopWorkflowRequest,
  StopWorkflowResult,
  TransportKind,
  WaitWorkflowRequest,
  WorkflowDescriptionInfo,
  WorkflowOutcome,
} from "../transport/index.ts";
import {
  type ChildLauncher,
  checkWorkflowId,
  encodeCommand,
  newWorkflowId,
  type SuspendedCounts,
  type WorkflowRegistry,
  type WorkflowStateMachine,
} from "../workflow/index.ts";
import { BATCH_DELAY_MS, BatchedProposals } from "./batched-proposals.ts";
import { CallLimits, type CallLimitsOptions } from "./call-limits.ts";
import { type CallerIdStartDeps, startWithCallerId, workflowGroups } from "./caller-id-start.ts";
import { childLauncher } from "./child-launcher.ts";
import { chooseGroup, refuseIfForming, startInSomeGroup } from "./choose-group.ts";
import { isKnownIn, managementCatchUp } from "./evicted-lookup.ts";
import { createGroupEngine, type GroupEngine } from "./group-engine.ts";
import { type ForwardOptions, forwardToGroup } from "./group-forward.ts";
import { groupExists } from "./known-group.ts";
import { newWorkflowOwner } from "./known-leader.ts";
import type { PeerClients } from "./peer-clients.ts";
import { ReplicaRefusal, type ReplicaWatch } from "./replica-refusal.ts";
import { handOverResults } from "./result-handover.ts";
import { syncRetention } from "./retention-sync.ts";
import { type StopDeps, stopWorkflow } from "./workflow-cancel.ts";
import { describeWorkflow, type LookupDeps, recordIn } from "./workflow-describe.ts";
import { listWorkflows } from "./workflow-list.ts";
import type { WorkflowMetrics } from "./workflow-metrics.ts";
import { type SignalDeps, signalWorkflow } from "./workflow-signal.ts";
import { type StageMarker, stageMarker } from "./workflow-stages.ts";
import { waitWorkflow } from "./workflow-wait.ts";

/** How long a synchronous run waits for the result when the caller set no deadline. */
const RUN_TIMEOUT_MS = 60_000;

export interface WorkflowExecutionOptions extends ReplicaWatch, Omit<CallLimitsOptions, "clock"> {
  readonly registry: WorkflowRegistry;
  readonly host: MultiRaftHost;
  /** The management state: groups to place starts in, members to forward to. */
  readonly machine: ManagementMachine;
  readonly self: NodeId;
  readonly transport: TransportKind;
  readonly clock: Clock;
  readonly random: Random;
  readonly wallClockMs: () => number;
  readonly clients: PeerClients;
  readonly logger: Logger;
  readonly proposalTimeoutMs: number;
  /** How long a start waits to know its group's leader: past it the group counts leaderless. */
  readonly leaderWaitMs: number;
  /** A call forwarded to a member of a group this node does not host (NodeTuning). */
  readonly forwardTimeoutMs: number;
  /** Counts the transitions each group's replica applies. */
  readonly metrics?: WorkflowMetrics;
  readonly onFatal: (error: Error) => void;
  /** See WorkflowRuntimeOptions.hasStalledSince. */
  readonly hasStalledSince?: (clockMs: number) => boolean;
}

export class WorkflowExecution implements ExecutionLayer {
  private readonly engines = new Map<GroupId, GroupEngine>();
  /** Per group: how far the replicas this process dropped had applied (see createEngine). */
  private readonly appliedBefore = new Map<GroupId, number>();
  private readonly limits: CallLimits;
  /** How this node's workflows start and follow their children. */
  private readonly children: ChildLauncher;
  private readonly refusal: ReplicaRefusal;
  private readonly mark: StageMarker | undefined;
  /** Management commands nobody waits for (claims' releases), proposed in batches. */
  private readonly managementLater: BatchedProposals;

  constructor(private readonly options: WorkflowExecutionOptions) {
    this.limits = new CallLimits(options);
    this.mark = stageMarker(options.logger);
    this.refusal = new ReplicaRefusal(options);
    this.managementLater = new BatchedProposals(
      (command) => this.proposeManagement(command),
      (run) => options.clock.setTimer(BATCH_DELAY_MS, run),
    );
    this.children = childLauncher({
      start: (request) => this.startWorkflow(request),
      // Not through the waits' budget: a child's parent is not a caller that can retry later.
      wait: (request, callOptions) => this.wait(request, callOptions),
      cancel: (request) => this.cancelWorkflow(request),
      terminate: (request) => this.terminateWorkflow(request),
    });
  }

  createEngine(id: GroupId, replayedThrough = logIndex(0)): WorkflowStateMachine {
    this.dropGroup(id);
    // A replica removed and added again applies again what the one before logged and counted.
    const through = logIndex(Math.max(replayedThrough, this.appliedBefore.get(id) ?? 0));
    const engine = createGroupEngine(id, this.options, this.children, through);
    this.engines.set(id, engine);
    return engine.machine;
  }

  openEngine(id: GroupId): void {
    const engine = this.engines.get(id);
    if (engine === undefined) return;
    engine.runtime.open();
    engine.markOpened();
  }

  /** The group's engine once it runs: a call that comes in between waits the moment out. */
  private async openedEngine(id: GroupId): Promise<GroupEngine | undefined> {
    const engine = this.engines.get(id);
    await engine?.opened;
    return this.engines.get(id) === engine ? engine : undefined;
  }

  /** This replica's workflow state of group `id`, for inspection (tests, simulations). */
  machine(id: GroupId): WorkflowStateMachine | undefined {
    return this.engines.get(id)?.machine;
  }

  dropGroup(id: GroupId): void {
    const engine = this.engines.get(id);
    if (engine === undefined) return;
    engine.runtime.close();
    engine.queries.close();
    this.engines.delete(id);
    const before = this.appliedBefore.get(id) ?? 0;
    this.appliedBefore.set(id, Math.max(before, engine.machine.lastAppliedIndex()));
    // Calls waiting for it to open go elsewhere now (see openedEngine).
    engine.markOpened();
  }

  /**
   * Seals a draining group (no Start is accepted after it in the group's log); once it is
   * sealed with nothing running, hands its finished executions to `heir`. A running count
   * alone could miss a Start committed but not applied yet; the seal cannot.
   */
  async drain(id: GroupId, heir: GroupId): Promise<boolean> {
    const machine = this.engines.get(id)?.machine;
    if (machine === undefined) return false;
    const timeoutMs = this.options.proposalTimeoutMs;
    if (!machine.isSealed()) {
      await this.options.host.propose(id, encodeCommand({ type: "Seal" }), { timeoutMs });
      return false;
    }
    if (machine.runningCount() > 0) return false;
    return handOverResults(machine, (command) =>
      this.options.host.propose(heir, command, { timeoutMs }),
    );
  }

  runningCount(id: GroupId): number {
    return this.engines.get(id)?.machine.runningCount() ?? 0;
  }

  runningBytes(id: GroupId): number {
    return this.engines.get(id)?.machine.runningBytes() ?? 0;
  }

  suspendedCounts(id: GroupId): SuspendedCounts {
    return this.engines.get(id)?.machine.suspendedCounts() ?? { sleeping: 0, waiting: 0 };
  }

  fingerprint(): string {
    return this.options.registry.fingerprint();
  }

  async maintain(id: GroupId, liveMembers: readonly NodeId[]): Promise<void> {
    const engine = this.engines.get(id);
    if (engine === undefined) return;
    const { host, machine, proposalTimeoutMs, logger } = this.options;
    await syncRetention(
      {
        wanted: machine.state().retention,
        machine: engine.machine,
        propose: (command) => host.propose(id, command, { timeoutMs: proposalTimeoutMs }),
        logger,
        wallClockMs: this.options.wallClockMs(),
      },
      id,
    );
    // Each reassignment is logged by the runtime (with the workflow's trace id) and again by
    // every replica that applies it (workflow-log.ts).
    await engine.runtime.reassignOwners(liveMembers);
  }

  async handOverOwned(id: GroupId, liveMembers: readonly NodeId[]): Promise<number> {
    const engine = this.engines.get(id);
    if (engine === undefined) return 0;
    return (await engine.runtime.reassignOwners(liveMembers)).length;
  }

  finishSteps(id: GroupId): Promise<void> {
    return this.engines.get(id)?.stepGate.close() ?? Promise.resolve();
  }

  startWorkflow(
    untraced: StartWorkflowRequest,
    options?: CallOptions,
  ): Promise<StartWorkflowResult> {
    // A caller that sent no traceparent starts a trace here; forwarding keeps it.
    const traceId = untraced.traceId ?? newTraceId(this.options.random);
    const request = { ...untraced, traceId };
    const mark = this.mark;
    mark?.("call-received", { call: "start", trace_id: traceId });
    const started = this.limits.run("starts", () => this.start(request, options), options?.signal);
    if (mark === undefined) return started;
    return started.then((result) => {
      mark("call-answered", { call: "start", trace_id: traceId, workflow_id: result.workflowId });
      return result;
    });
  }

  waitWorkflow(request: WaitWorkflowRequest, options?: CallOptions): Promise<WorkflowOutcome> {
    const mark = this.mark;
    const fields = { call: "wait", workflow_id: request.workflowId };
    mark?.("call-received", fields);
    const outcome = this.limits.run("waits", () => this.wait(request, options));
    if (mark === undefined) return outcome;
    return outcome.then((result) => {
      mark("call-answered", fields);
      return result;
    });
  }

  signalWorkflow(request: SignalWorkflowRequest): Promise<SignalWorkflowResult> {
    const deps: SignalDeps = {
      ...this.lookupDeps(),
      signalIn: (id, signal) => this.signalIn(id, signal),
      newEventId: () => newWorkflowId(this.options.random),
    };
    // A signal is a proposal, as a start is: it shares the starts' budget.
    return this.limits.run("starts", () => signalWorkflow(deps, request));
  }

  describeWorkflow(request: DescribeWorkflowRequest): Promise<WorkflowDescriptionInfo> {
    return this.limits.run("reads", () => describeWorkflow(this.lookupDeps(), request));
  }

  listWorkflows(request: ListWorkflowsRequest): Promise<ListWorkflowsResult> {
    const refuseIfUnserved = (id: GroupId) => this.refusal.refuse(id);
    return this.limits.run("reads", () =>
      listWorkflows({ ...this.lookupDeps(), refuseIfUnserved }, request),
    );
  }

  cancelWorkflow(request: StopWorkflowRequest): Promise<StopWorkflowResult> {
    // A cancel or terminate is a proposal, as a start is: it shares the starts' budget.
    return this.limits.run("starts", () => stopWorkflow(this.stopDeps(), "Cancel", request));
  }

  terminateWorkflow(request: StopWorkflowRequest): Promise<StopWorkflowResult> {
    return this.limits.run("starts", () => stopWorkflow(this.stopDeps(), "Terminate", request));
  }

  private stopDeps(): StopDeps {
    return {
      ...this.lookupDeps(),
      runtimeOf: async (id) => (await this.openedEngine(id))?.runtime,
      guardWrite: (id, write) => this.refusal.guardWrite(id, write),
    };
  }

  /** How look-ups by workflow id reach this node's groups and the others'. */
  private lookupDeps(): LookupDeps {
    const { host, proposalTimeoutMs } = this.options;
    return {
      groups: () => workflowGroups(this.options.machine.state()),
      catchUpManagement: this.managementCatchUp(),
      resolveGroup: (id) => this.resolveGroup(id),
      machineOf: async (id) => (await this.openedEngine(id))?.machine,
      // A replica that cannot serve would hold the barrier until its deadline: refused first.
      barrier: (id) =>
        this.refusal.guard(id, () => host.read(id, { timeoutMs: proposalTimeoutMs })),
      forward: (id, call) => this.forward(id, call),
      forwardTimeoutMs: this.options.forwardTimeoutMs,
    };
  }

  /** Records the event in group `id`, here or through a member; NOT_FOUND if unknown there. */
  private async signalIn(
    id: GroupId,
    request: SignalWorkflowRequest,
  ): Promise<SignalWorkflowResult> {
    const engine = await this.openedEngine(id);
    if (engine === undefined) {
      return this.forward(id, (client) =>
        client.signalWorkflow(
          { ...request, executionClusterId: id },
          { timeoutMs: this.options.forwardTimeoutMs },
        ),
      );
    }
    const { workflowId } = request;
    const sent = await this.refusal.guardWrite(id, async () => {
      await recordIn(this.lookupDeps(), id, engine.machine, workflowId);
      return engine.runtime.signal({
        workflowId,
        name: request.name,
        payload: request.payload,
        ...(request.eventId === undefined ? {} : { eventId: request.eventId }),
      });
    });
    return { workflowId, executionClusterId: id, ...sent };
  }

  private async start(
    request: StartWorkflowRequest,
    options?: CallOptions,
  ): Promise<StartWorkflowResult> {
    this.options.registry.require(request.workflowType, request.version);
    const chosen = request.executionClusterId;
    // Not a transient failure: no member will ever answer for a group that does not exist.
    if (chosen !== undefined && !this.engines.has(chosen) && !(await this.awaitGroup(chosen))) {
      throw new RaftoralError(
        "NOT_FOUND",
        `execution cluster ${chosen} does not exist; leave execution_cluster_id out and the node picks one`,
      );
    }
    if (request.workflowId !== undefined) {
      return startWithCallerId(
        this.callerIdDeps(request, options),
        checkWorkflowId(request.workflowId),
      );
    }
    if (request.executionClusterId !== undefined)
      return this.startIn(request.executionClusterId, request);
    return startInSomeGroup(
      (excluded) => this.chooseGroup(excluded, options),
      (target) => this.startIn(target, request),
    );
  }

  /** Starts in `target` here, or forwards the start to a member (after `onForwarded`). */
  private async startIn(
    target: GroupId,
    request: StartWorkflowRequest,
    onForwarded?: () => void,
  ): Promise<StartWorkflowResult> {
    const engine = await this.openedEngine(target);
    if (engine === undefined) {
      onForwarded?.();
      // Without the caller's id the member draws one, so a start sent again could run twice.
      const isRepeatable = request.workflowId !== undefined;
      const forwarded = { ...request, executionClusterId: target };
      const timeoutMs = this.options.forwardTimeoutMs;
      const call = (client: ProtocolClient) => client.startWorkflow(forwarded, { timeoutMs });
      return this.forward(target, call, { isRepeatable });
    }
    const started = await this.refusal.guardWrite(target, async () => {
      refuseIfForming(this.options.machine, target);
      return engine.runtime.start(request.workflowType, request.version, request.input, {
        ...(request.workflowId === undefined ? {} : { workflowId: request.workflowId }),
        ...(request.traceId === undefined ? {} : { traceId: request.traceId }),
        owner: await newWorkflowOwner(this.options, target),
      });
    });
    return { ...started, executionClusterId: target };
  }

  /** What a start under a caller-chosen id needs from this node (see caller-id-start.ts). */
  private callerIdDeps(request: StartWorkflowRequest, options?: CallOptions): CallerIdStartDeps {
    const { machine } = this.options;
    const chosen = request.executionClusterId;
    return {
      proposeManagement: (command) => this.proposeManagement(command),
      proposeManagementLater: (command) => this.managementLater.add(command),
      groups: () => workflowGroups(machine.state()),
      holderOf: (id) => {
        const holder = resultsHolder(machine.state(), id);
        return machine.state().groups.has(holder) ? holder : undefined;
      },
      chooseGroup: async (excluded) =>
        chosen !== undefined && !excluded.includes(chosen)
          ? chosen
          : this.chooseGroup(excluded, options),
      isKnownIn: (id, workflowId) => isKnownIn(this.lookupDeps(), id, workflowId),
      startIn: (id, onForwarded) => this.startIn(id, request, onForwarded),
      isSealedHere: (id) => this.engines.get(id)?.machine.isSealed() === true,
      logger: this.options.logger,
    };
  }

  /** Claims and releases: without a management leader for long, they fail at once. */
  private proposeManagement(command: Uint8Array): Promise<unknown> {
    const { host, proposalTimeoutMs: timeoutMs } = this.options;
    return this.refusal.guard(MANAGEMENT_GROUP, () =>
      host.propose(MANAGEMENT_GROUP, command, { timeoutMs }),
    );
  }

  /** A wait for a result; waitWorkflow runs it in the waits' budget, a child's parent does not. */
  private wait(request: WaitWorkflowRequest, options?: CallOptions): Promise<WorkflowOutcome> {
    const deps = {
      ...this.lookupDeps(),
      engineOf: (id: GroupId) => this.openedEngine(id),
      refusal: this.refusal,
      clock: this.options.clock,
    };
    return waitWorkflow(deps, request, options);
  }

  async runWorkflow(
    request: StartWorkflowRequest,
    options?: CallOptions,
  ): Promise<WorkflowOutcome> {
    const started = await this.startWorkflow(request, options);
    return this.waitWorkflow(
      {
        workflowId: started.workflowId,
        executionClusterId: started.executionClusterId,
        timeoutSeconds: RUN_TIMEOUT_MS / 1000,
      },
      options,
    );
  }

  /** The group a new workflow goes to (see chooseGroup). */
  private chooseGroup(excluded: readonly GroupId[], options?: CallOptions): Promise<GroupId> {
    const { machine, clock, self, proposalTimeoutMs } = this.options;
    const context = { machine, clock, self, waitMs: proposalTimeoutMs };
    return chooseGroup(context, excluded, options?.signal);
  }

  private async resolveGroup(id: GroupId): Promise<GroupId> {
    if (this.engines.has(id) || (await this.awaitGroup(id))) return id;
    // A drained group is destroyed once another adopted its results: ask that one.
    const holder = resultsHolder(this.options.machine.state(), id);
    if (!this.isKnownGroup(holder) && !this.engines.has(holder)) {
      throw new RaftoralError("NOT_FOUND", `execution cluster ${id} does not exist`);
    }
    return holder;
  }

  /** Whether the management state, as this node knows it, has group `id`. */
  private isKnownGroup(id: GroupId): boolean {
    return this.options.machine.state().groups.has(id);
  }

  /** Whether group `id` exists, once this node's view caught up (see known-group.ts). */
  private awaitGroup(id: GroupId): Promise<boolean> {
    const { machine } = this.options;
    return groupExists(
      { state: () => machine.state(), catchUpManagement: this.managementCatchUp() },
      id,
    );
  }

  /**
   * A read barrier on the management group, refused at once while it has been leaderless for
   * long, as this node sees it: a learner (or a follower cut off) still names the leader it
   * last heard, and the barrier would wait its whole deadline for it.
   */
  private managementCatchUp(): () => Promise<void> {
    const catchUp = managementCatchUp(this.options.host, this.options.proposalTimeoutMs);
    return () => this.refusal.guard(MANAGEMENT_GROUP, catchUp);
  }

  /** Runs `call` against a member of `target` (see forwardToGroup). */
  private forward<T>(
    target: GroupId,
    call: (client: ProtocolClient) => Promise<T>,
    options?: ForwardOptions,
  ): Promise<T> {
    const { machine, self, transport, clients } = this.options;
    const context = { state: machine.state(), self, transport, clients };
    return forwardToGroup(context, target, call, options);
  }
}
