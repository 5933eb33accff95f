// The owner-side runtime of one execution group on one node: starts executions owned by this
// node, runs every Running execution this node owns (after a restart too), stops a run whose
// ownership moved away, and, when the group leader asks, plans and proposes owner failover.
// Only injected interfaces: proposer, clock, wall clock, random, logger.

import {
  type Clock,
  checkTraceId,
  type ErrorCode,
  InvalidArgumentError,
  type LogFields,
  type Logger,
  type LogIndex,
  type NodeId,
  RaftoralError,
  type Random,
  SoonOnce,
  toError,
} from "../lib/index.ts";
import {
  isApplyResult,
  type RefusalReason,
  type StartedExecution,
  type WorkflowEvent,
} from "./apply-result.ts";
import { ChildWatch } from "./child-watch.ts";
import { type ChildLauncher, childEventName, childOutcomeValue } from "./children.ts";
import { checkEventPayload } from "./command-size.ts";
import { encodeCommand } from "./commands.ts";
import { validateWorkflowName, validateWorkflowVersion } from "./definition.ts";
import type { DeterminismGuards } from "./determinism-guards.ts";
import { WorkflowRefusedError } from "./errors.ts";
import { SIGNAL_REFUSAL_CODES } from "./events.ts";
import { ExecutionRunner, type RunEnd, type RunnerDeps } from "./execution-runner.ts";
import { isJsonValue, type JsonValue } from "./json.ts";
import { type OwnerAssignment, planOwnerFailover } from "./owner-failover.ts";
import { proposeKeepingDoubt, proposeUntilAnswered, type WorkflowProposer } from "./proposer.ts";
import { RelaunchTimers } from "./relaunch-timers.ts";
import type { StepReport } from "./replay-cursor.ts";
import { RUNTIME_VERSION } from "./runtime-version.ts";
import type { WorkflowStateMachine } from "./state-machine.ts";
import type { StepGate } from "./step-gate.ts";
import { requestStop, type StopRequest, type StopResult } from "./stop-request.ts";
import { checkWorkflowId, newWorkflowId } from "./workflow-id.ts";

/** Start proposals sent before start() gives up with the last error. */
export const START_ATTEMPTS_MAX = 5;
/** Wait before a run that ended unexpectedly is tried again. */
export const RUN_RETRY_DELAY_MS = 200;

/** How a refused Start reaches the caller; any other refusal is a bug (INTERNAL). */
const START_REFUSAL_CODES: Partial<Record<RefusalReason, ErrorCode>> = {
  sealed: "UNAVAILABLE",
  limit: "RESOURCE_EXHAUSTED",
  "already-exists": "ALREADY_EXISTS",
  evicted: "ALREADY_EXISTS",
};

export interface WorkflowRuntimeOptions {
  readonly nodeId: NodeId;
  readonly stateMachine: WorkflowStateMachine;
  /** This group's log (MultiRaftHost.propose / read for the group). */
  readonly proposer: WorkflowProposer;
  /** Timers: retry backoff, step retry delays. */
  readonly clock: Clock;
  /** Wall-clock epoch milliseconds (the system clock in production): start times, ctx.now(). */
  readonly wallClockMs: () => number;
  /** Workflow ids and ctx.random() seeds. */
  readonly random: Random;
  readonly logger: Logger;
  /** A run hit a broken invariant (a bug): the node should stop, as the host does. */
  readonly onFatal: (error: Error) => void;
  /** A step body of `workflowId` ran on this node as the owner: for metrics and traces. */
  readonly onStepRan?: (report: StepReport, workflowId: string) => void;
  /** Starts and follows child workflows (ctx.startChild); absent: workflows cannot. */
  readonly children?: ChildLauncher;
  /**
   * Makes the clock and the random source replay-safe in workflow code and refuses timers
   * there (determinism-guards.ts); src/node passes its guards. Absent: no guards.
   */
  readonly guards?: DeterminismGuards;
  /**
   * True when this node leads the group in the term of the entry at `index`: the entry was
   * made since this node last started, so no run of what it starts can have happened before.
   * Absent: never (every run this node did not start itself makes a read barrier first).
   */
  readonly isOwnLeaderEntry?: (index: LogIndex) => boolean;
  /** See ReplayEffects.mayPairWaits; absent: every member does. */
  readonly mayPairWaits?: () => boolean;
  /** Lets a graceful hand-over wait for this node's step bodies (step-gate.ts). */
  readonly stepGate?: StepGate;
  /**
   * True when this node stood still (SIGSTOP, a frozen VM) after `clockMs`, a `clock` reading:
   * its group may have given its workflows to others meanwhile, in entries not applied here.
   */
  readonly hasStalledSince?: (clockMs: number) => boolean;
}

export class WorkflowRuntime {
  private readonly options: WorkflowRuntimeOptions;
  private readonly runs = new Map<string, ExecutionRunner>();
  /** Ids whose Start this node is proposing: start() launches those runs itself. */
  private readonly startsInFlight = new Set<string>();
  /** Runs to start again later (an unexpected end, a timer due), by the ended run's epoch. */
  private readonly relaunchTimers: RelaunchTimers;
  /** Executions that got an event while their run was going (see onSignaled). */
  private readonly signaledDuringRun = new Set<string>();
  /** Started by entries this node made as leader: their first run needs no read barrier. */
  private readonly freshStarts = new Set<string>();
  /** Executions this build cannot run (newer runtime version). */
  private readonly leftAlone = new Set<string>();
  private readonly dirty = new Set<string>();
  private isFullScanDue = true;
  private readonly reconcilePass: SoonOnce;
  private isOpen = false;
  private unsubscribe: (() => void) | undefined;
  /** Follows the children of this node's waiting executions (child-watch.ts). */
  private readonly childWatch: ChildWatch | undefined;

  constructor(options: WorkflowRuntimeOptions) {
    this.options = options;
    this.reconcilePass = new SoonOnce(options.clock, () => this.reconcile());
    const { children: launcher, logger } = options;
    this.childWatch =
      launcher === undefined
        ? undefined
        : new ChildWatch({
            launcher,
            self: options.nodeId,
            deliver: async (parentId, seq, outcome) => {
              const event = childEventName(seq);
              const payload = childOutcomeValue(outcome, { workflowId: parentId, name: event });
              await this.signal({ workflowId: parentId, name: event, eventId: event, payload });
            },
            sleep: (delayMs) => this.loop().sleep(delayMs),
            logger,
          });
    this.relaunchTimers = new RelaunchTimers({
      clock: options.clock,
      wallClockMs: options.wallClockMs,
      onDue: (workflowId) => this.reconcileSoon(workflowId),
      onClockStep: (stepMs) =>
        logger.warn("The wall clock was stepped: durable timers armed again by it", {
          step_ms: Math.round(stepMs),
        }),
    });
  }

  /** Begins running this node's executions, including those found in the restored state. */
  open(): void {
    if (this.isOpen) return;
    this.isOpen = true;
    this.unsubscribe = this.options.stateMachine.subscribe((event) => this.onEvent(event));
    this.isFullScanDue = true;
    this.scheduleReconcile();
  }

  /** Stops every run (their late proposals are refused by epoch if ownership moves). */
  close(): void {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.unsubscribe?.();
    for (const runner of this.runs.values()) runner.stop("the runtime is closing");
    this.runs.clear();
    this.childWatch?.stopAll();
    this.relaunchTimers.cancelAll();
    this.signaledDuringRun.clear();
    this.freshStarts.clear();
    this.leftAlone.clear();
  }

  /** Ids of the executions this node is running right now. */
  activeRuns(): string[] {
    return [...this.runs.keys()];
  }

  /**
   * Starts an execution owned by `owner` (this node unless given); resolves with its workflow
   * id once Start is committed and applied here. Refuses an unknown (name, version) before
   * proposing (NOT_FOUND) and input that is not a JSON value (INVALID_ARGUMENT). With a
   * caller-chosen `workflowId` that this group knows already, resolves with that execution if
   * it has the same name, version and input (`alreadyStarted`), and refuses with
   * ALREADY_EXISTS otherwise.
   */
  async start(
    name: string,
    version: number,
    input: unknown,
    options: {
      readonly workflowId?: string;
      readonly traceId?: string;
      readonly owner?: NodeId;
    } = {},
  ): Promise<StartedExecution> {
    this.checkOpen();
    validateWorkflowName(name);
    validateWorkflowVersion(version);
    const { stateMachine, random } = this.options;
    stateMachine.registry.require(name, version);
    if (!isJsonValue(input)) {
      throw new InvalidArgumentError(
        `input of ${name} v${version} must be a JSON value (null, boolean, finite number, string, array or plain object)`,
      );
    }
    const workflowId =
      options.workflowId === undefined
        ? newWorkflowId(random)
        : checkWorkflowId(options.workflowId);
    stateMachine.checkRoomForStart(workflowId);
    this.startsInFlight.add(workflowId);
    const proposedAtMs = this.options.clock.nowMs();
    let isNew = true;
    let alreadyStarted = false;
    try {
      const result = await proposeKeepingDoubt(
        { ...this.loop(), attemptsMax: START_ATTEMPTS_MAX },
        {
          type: "Start",
          workflowId,
          name,
          version,
          input,
          owner: options.owner ?? this.options.nodeId,
          startedAtMs: Math.floor(this.options.wallClockMs()),
          seed: random.nextU32(),
          runtimeVersion: RUNTIME_VERSION,
          ...(options.traceId === undefined ? {} : { traceId: checkTraceId(options.traceId) }),
        },
      );
      if (result === undefined) this.checkOpen();
      if (result?.type === "refused") {
        const code = START_REFUSAL_CODES[result.reason] ?? "INTERNAL";
        throw new WorkflowRefusedError(code, workflowId, result.message);
      }
      isNew = result?.type !== "started" || result.isNew;
      alreadyStarted = !isNew && result?.type === "started" && !result.isSameTrace;
    } catch (error) {
      // Rethrown after cleanup: a Start whose answer was lost may still be applied, and
      // then the reconcile scheduled here runs it like any other execution this node owns.
      this.startsInFlight.delete(workflowId);
      this.reconcileSoon(workflowId);
      throw error;
    }
    this.startsInFlight.delete(workflowId);
    // Fresh from our own Start: nothing of it can be missing here, so no read barrier. An
    // execution that existed before may have checkpoints committed but not applied here yet.
    // So may one whose Start was in flight while this node stood still: an AssignOwner not
    // applied here may have given it to another member, whose first step body would run twice.
    this.reconcileOne(workflowId, !isNew || this.options.hasStalledSince?.(proposedAtMs) === true);
    return { workflowId, alreadyStarted };
  }

  /**
   * Sends an event to a workflow of this group; resolves with its event id once it is in the
   * inbox (committed and applied here). A repeated `eventId` is acknowledged, not added again.
   * NOT_FOUND for an unknown workflow, FAILED_PRECONDITION for a finished one.
   */
  async signal(request: {
    readonly workflowId: string;
    readonly name: string;
    readonly payload: JsonValue;
    readonly eventId?: string;
  }): Promise<{ eventId: string; isDuplicate: boolean }> {
    this.checkOpen();
    const workflowId = checkWorkflowId(request.workflowId);
    const eventId =
      request.eventId === undefined
        ? newWorkflowId(this.options.random)
        : checkWorkflowId(request.eventId, "event_id");
    checkEventPayload({ workflowId, name: request.name, eventId, payload: request.payload });
    const result = await proposeUntilAnswered(
      { ...this.loop(), attemptsMax: START_ATTEMPTS_MAX },
      { type: "Signal", workflowId, eventId, name: request.name, payload: request.payload },
    );
    if (result === undefined) this.checkOpen();
    if (result?.type === "signaled") return { eventId, isDuplicate: result.isDuplicate };
    const reason = result?.type === "refused" ? result.reason : "malformed";
    const message = result?.type === "refused" ? result.message : "the event was not recorded";
    throw new WorkflowRefusedError(SIGNAL_REFUSAL_CODES[reason] ?? "INTERNAL", workflowId, message);
  }

  /**
   * Cancels (cooperatively) or terminates (at once) a workflow of this group; resolves once
   * the command is applied here. See stop-request.ts for the errors.
   */
  async stop(request: StopRequest): Promise<StopResult> {
    this.checkOpen();
    const loop = { ...this.loop(), attemptsMax: START_ATTEMPTS_MAX };
    return requestStop(loop, request, this.options.wallClockMs());
  }

  /**
   * Called on the group leader with the members currently live: proposes AssignOwner for
   * every Running execution whose owner is not among them. Resolves with the assignments
   * the group accepted; the others are left for the next call.
   */
  async reassignOwners(liveMembers: readonly NodeId[]): Promise<OwnerAssignment[]> {
    if (!this.isOpen) return [];
    const plan = planOwnerFailover(this.options.stateMachine.executions(), liveMembers);
    const accepted = await Promise.all(plan.map((assignment) => this.assign(assignment)));
    return plan.filter((_, k) => accepted[k]);
  }

  private async assign(assignment: OwnerAssignment): Promise<boolean> {
    try {
      const result = await this.options.proposer.propose(
        encodeCommand({
          type: "AssignOwner",
          workflowId: assignment.workflowId,
          owner: assignment.to,
          epoch: assignment.epoch,
        }),
      );
      const isAccepted = isApplyResult(result) && result.type === "ownerAssigned";
      this.options.logger.info(
        isAccepted ? "Workflow owner reassigned" : "Owner reassignment refused",
        {
          ...this.workflowFields(assignment.workflowId),
          from: assignment.from,
          to: assignment.to,
          owner_epoch: assignment.epoch,
        },
      );
      return isAccepted;
    } catch (error) {
      // Handled: failover is re-planned on the next call from the current state.
      this.options.logger.warn("Owner reassignment not proposed", {
        ...this.workflowFields(assignment.workflowId),
        error: (error as Error).message,
      });
      return false;
    }
  }

  // ---- keeping runs in line with the replicated state --------------------------------------

  private onEvent(event: WorkflowEvent): void {
    // Never react inline: apply is still running. Note the id and reconcile soon.
    if (event.type === "restored") {
      this.isFullScanDue = true;
      this.freshStarts.clear();
    } else {
      this.dirty.add(event.workflowId);
    }
    if (event.type === "started" && this.isFreshStart(event)) {
      this.freshStarts.add(event.workflowId);
    }
    // A cancel wakes a sleeping or waiting run as an event does: its code must see it now.
    if (event.type === "signaled" || event.type === "cancelRequested") {
      this.onSignaled(event.workflowId);
    }
    this.scheduleReconcile();
  }

  /**
   * An event arrived: a run waiting for events ended, so run it again now rather than at
   * its deadline. A run still going may be about to end waiting: it starts again at once.
   */
  private onSignaled(workflowId: string): void {
    if (this.runs.has(workflowId)) {
      this.signaledDuringRun.add(workflowId);
      return;
    }
    this.relaunchTimers.cancel(workflowId);
  }

  private scheduleReconcile(): void {
    if (this.isOpen) this.reconcilePass.request();
  }

  private reconcile(): void {
    if (!this.isOpen) return;
    const ids = new Set(this.dirty);
    this.dirty.clear();
    if (this.isFullScanDue) {
      this.isFullScanDue = false;
      for (const execution of this.options.stateMachine.executions()) ids.add(execution.workflowId);
      for (const id of this.runs.keys()) ids.add(id);
    }
    for (const id of ids) this.reconcileOne(id, !this.freshStarts.has(id));
    this.freshStarts.clear();
  }

  /**
   * Whether the first run of an execution this Start gives to this node can skip the read
   * barrier: the barrier is there for checkpoints an earlier run committed but this replica
   * has not applied, and an entry this node made as leader since it last started began an
   * execution that no run, before or since that start, can have touched.
   */
  private isFreshStart(event: Extract<WorkflowEvent, { type: "started" }>): boolean {
    return (
      event.owner === this.options.nodeId && this.options.isOwnLeaderEntry?.(event.index) === true
    );
  }

  /** Starts, keeps or stops the run of `workflowId` to match who owns it now. */
  private reconcileOne(workflowId: string, needsBarrier: boolean): void {
    if (!this.isOpen) return;
    const execution = this.options.stateMachine.execution(workflowId);
    const isOurs =
      execution !== undefined &&
      execution.status === "Running" &&
      execution.owner === this.options.nodeId;
    this.childWatch?.reconcile(workflowId, execution);
    // A wait from an earlier ownership is void: owned here again, a run starts now and its
    // own end sets the waits up again (the timer, the children's watches).
    const relaunchEpoch = this.relaunchTimers.epochOf(workflowId);
    if (relaunchEpoch !== undefined && (!isOurs || relaunchEpoch !== execution.ownerEpoch)) {
      this.relaunchTimers.cancel(workflowId);
    }
    const runner = this.runs.get(workflowId);
    if (runner !== undefined && (!isOurs || runner.epoch !== execution.ownerEpoch)) {
      runner.stop("its ownership moved");
      this.runs.delete(workflowId);
    }
    if (!isOurs || this.runs.has(workflowId)) return;
    if (this.startsInFlight.has(workflowId) || this.relaunchTimers.has(workflowId)) return;
    if (this.leftAlone.has(workflowId)) return;
    this.launch(
      new ExecutionRunner(
        this.runnerDeps(workflowId),
        workflowId,
        execution.ownerEpoch,
        needsBarrier,
      ),
    );
  }

  private launch(runner: ExecutionRunner): void {
    this.runs.set(runner.workflowId, runner);
    runner.run().then(
      (end) => this.onRunEnded(runner, end),
      (error: unknown) => {
        // Converted: run() rejects only on a broken invariant, which stops the node.
        this.options.logger.error("Workflow run hit a bug; stopping", { error: String(error) });
        this.close();
        this.options.onFatal(toError(error));
      },
    );
  }

  private onRunEnded(runner: ExecutionRunner, end: RunEnd): void {
    const id = runner.workflowId;
    if (this.runs.get(id) !== runner) return;
    this.runs.delete(id);
    const isSignaled = this.signaledDuringRun.delete(id);
    if (!this.isOpen) return;
    if (end === "left") {
      this.leftAlone.add(id);
    } else if (end === "retry" || end === "sleeping") {
      if (end === "sleeping") this.childWatch?.parentWaits(this.options.stateMachine.execution(id));
      if (end === "sleeping" && !isSignaled) {
        this.relaunchTimers.armWake(id, runner.epoch, runner.wakeAtMs);
      } else {
        this.relaunchTimers.armDelay(id, runner.epoch, end === "retry" ? RUN_RETRY_DELAY_MS : 0);
      }
    } else {
      this.reconcileSoon(id);
    }
  }

  private reconcileSoon(workflowId: string): void {
    this.dirty.add(workflowId);
    this.scheduleReconcile();
  }

  private runnerDeps(workflowId: string): RunnerDeps {
    // The options' children are the launcher; a run gets a starter of its own.
    const { children: _launcher, ...options } = this.options;
    const children = this.childWatch?.starterFor(workflowId, () => this.reconcileSoon(workflowId));
    return { ...options, ...(children === undefined ? {} : { children }) };
  }

  private loop() {
    return {
      proposer: this.options.proposer,
      sleep: (delayMs: number) =>
        new Promise<void>((resolve) => {
          this.options.clock.setTimer(delayMs, resolve);
        }),
      isActive: () => this.isOpen,
    };
  }

  /** Log fields naming a workflow and the trace that started it. */
  private workflowFields(workflowId: string): LogFields {
    const traceId = this.options.stateMachine.execution(workflowId)?.traceId;
    return { workflow_id: workflowId, ...(traceId === undefined ? {} : { trace_id: traceId }) };
  }

  private checkOpen(): void {
    if (!this.isOpen) {
      throw new RaftoralError(
        "SHUTTING_DOWN",
        "the workflow runtime is closed; retry on another node",
      );
    }
  }
}
