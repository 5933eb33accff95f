// Owner side, one run of one execution: optionally waits for this node to catch up with the
// log (read barrier), replays the function against the committed checkpoints, proposes each
// new checkpoint under its owner epoch, and ends the execution with Complete or Fail. A
// refusal by epoch means another node owns it now: the run stops without a word to the log.
// Only injected interfaces: proposer, clock, logger.

import {
  AssertionError,
  assert,
  type Clock,
  type Logger,
  type NodeId,
  type RaftoralError,
} from "../lib/index.ts";
import type { RefusalReason, WorkflowApplyResult } from "./apply-result.ts";
import type { ChildStarter } from "./children.ts";
import {
  encodedSize,
  limitFailure,
  oversizeProblem,
  RECORDED_COMMAND_BYTES_MAX,
  recordGrowthProblem,
} from "./command-size.ts";
import { encodeCommand } from "./commands.ts";
import type { DeterminismGuards } from "./determinism-guards.ts";
import { type RecordedError, recordError } from "./errors.ts";
import { nextEvent } from "./events.ts";
import type { CheckpointRecord } from "./execution.ts";
import { type ExecutionState, recordedBytesOf } from "./execution-table.ts";
import type { JsonValue } from "./json.ts";
import {
  asApplyResult,
  isRetryable,
  proposeUntilAnswered,
  type WorkflowProposer,
} from "./proposer.ts";
import type { GoingAhead, ReplayEffects, StepReport } from "./replay-cursor.ts";
import { type ReplayOutcome, ReplayRun } from "./replay-engine.ts";
import type { WorkflowStateMachine } from "./state-machine.ts";
import type { StepGate } from "./step-gate.ts";

/** Refusals that end a run for good: the execution moved to another owner, or ended. */
const ENDING_REFUSALS: ReadonlySet<RefusalReason> = new Set([
  "stale-epoch",
  "not-running",
  "not-found",
]);

/** How a run ended, for the runtime: whether and how to run the execution again. */
export type RunEnd =
  /** Its end (Complete or Fail) is committed, or it was terminated. */
  | "finished"
  /** Ownership moved, the execution ended elsewhere, or the runtime is closing. */
  | "stopped"
  /** Something unexpected: run it again later from the committed record. */
  | "retry"
  /** This build cannot run it (a newer runtime version); leave it alone. */
  | "left"
  /** It waits for a durable timer: run it again at `wakeAtMs`. */
  | "sleeping";

export interface RunnerDeps {
  readonly nodeId: NodeId;
  readonly stateMachine: WorkflowStateMachine;
  readonly proposer: WorkflowProposer;
  readonly clock: Clock;
  readonly wallClockMs: () => number;
  readonly logger: Logger;
  /** A step body of `workflowId` ran on this owner (see StepReport). */
  readonly onStepRan?: (report: StepReport, workflowId: string) => void;
  readonly children?: ChildStarter;
  /** Guards workflow code against the real clock, random source and timers (replay-engine.ts). */
  readonly guards?: DeterminismGuards;
  /** See ReplayEffects.mayPairWaits. */
  readonly mayPairWaits?: () => boolean;
  /** See ReplayEffects.stepGate. */
  readonly stepGate?: StepGate;
  /** See WorkflowRuntimeOptions.hasStalledSince; absent: never. */
  readonly hasStalledSince?: (clockMs: number) => boolean;
}

export class ExecutionRunner {
  readonly workflowId: string;
  readonly epoch: number;
  private readonly deps: RunnerDeps;
  private readonly needsBarrier: boolean;
  private isActive = true;
  private replay: ReplayRun | undefined;
  /** After a "sleeping" end: when the timer it waits for is due (owner's wall clock). */
  wakeAtMs = 0;
  /** The execution's record with what this run proposed, as counted once it first records. */
  private recordedBytes: number | undefined;
  /**
   * A clock reading as of which this run knew it owned the execution: when it was made, or
   * when its last read barrier began. A stall since then may have moved the execution.
   */
  private ownedAsOfMs: number;
  /** Set when the log refused a checkpoint in a way that calls for a fresh run or a Fail. */
  private endHint: { end: "retry" } | { end: "fail"; error: RecordedError } | undefined;

  constructor(deps: RunnerDeps, workflowId: string, epoch: number, needsBarrier: boolean) {
    this.deps = deps;
    this.workflowId = workflowId;
    this.epoch = epoch;
    this.needsBarrier = needsBarrier;
    this.ownedAsOfMs = deps.clock.nowMs();
  }

  /** The node's logger, naming this workflow and the trace that started it. */
  private get log(): Logger {
    const traceId = this.deps.stateMachine.execution(this.workflowId)?.traceId;
    return this.deps.logger.child({
      workflow_id: this.workflowId,
      ...(traceId === undefined ? {} : { trace_id: traceId }),
    });
  }

  /** Stops the run for good; its late proposals, if any land, are refused by epoch. */
  stop(reason: string): void {
    this.isActive = false;
    this.replay?.stop(reason);
  }

  /** Runs to an end. Rejects only with an AssertionError (a bug: the node must stop). */
  async run(): Promise<RunEnd> {
    try {
      return await this.runOnce();
    } catch (error) {
      if (error instanceof AssertionError) throw error;
      // Handled: a node that stops (its disk failed, a signal) stops its runs; no failure.
      if ((error as RaftoralError).code === "SHUTTING_DOWN") {
        this.log.info("Workflow run stops: the node is shutting down");
        return "stopped";
      }
      // Handled: any other failure of this run is logged and the execution is run again
      // later from its committed record; the node and the other executions carry on.
      this.log.error("Workflow run failed; it will be resumed", {
        error: (error as Error).message,
      });
      return "retry";
    }
  }

  private async runOnce(): Promise<RunEnd> {
    if (this.needsBarrier) await this.catchUp();
    const execution = this.currentExecution();
    if (execution === undefined || !this.isActive) return "stopped";
    const workflow = this.deps.stateMachine.registry.get(execution.name, execution.version);
    if (workflow === undefined) {
      // Applied all the same (every replica applies every Start alike, whatever code it
      // has), but this node cannot run it: it started without the code, as in a rolling
      // upgrade or a rollback. It waits for an owner that has the code.
      this.log.warn("Workflow not registered on this node; leaving it until it runs with it", {
        name: execution.name,
        version: execution.version,
        hint: `restart this node with --workflows registering ${execution.name}@${execution.version}`,
      });
      return "left";
    }
    if (execution.checkpoints.length > 0) {
      this.log.info("Resuming workflow by replay", {
        checkpoints: execution.checkpoints.length,
        owner_epoch: this.epoch,
      });
    }
    this.replay = new ReplayRun({
      execution,
      workflow,
      effects: this.effects(),
      logger: this.log,
      ...(this.deps.guards === undefined ? {} : { guards: this.deps.guards }),
    });
    if (!this.isActive) this.replay.stop("stopped before it began");
    return this.conclude(await this.replay.run());
  }

  /** Waits until every entry committed before now is applied here (after a restart). */
  private async catchUp(): Promise<void> {
    const beganMs = this.deps.clock.nowMs();
    await readBarrier(this.deps, () => this.isActive);
    this.ownedAsOfMs = beganMs;
  }

  /**
   * Whether a step body may start now: true at once (no turn paid), or, after a stall, a
   * promise. A node that stood still (SIGSTOP, a frozen VM) was silent to its group, whose
   * leader may have given the execution to another member in an entry not applied here yet;
   * the run would then do a step body beside the new owner's. So after a stall it first
   * catches up, and goes on only if the execution is still its own.
   */
  private mayStartStep(): true | Promise<boolean> {
    if (this.deps.hasStalledSince?.(this.ownedAsOfMs) !== true) return true;
    return this.confirmOwnership();
  }

  private async confirmOwnership(): Promise<boolean> {
    this.log.info("This node stood still; catching up before the next step", {
      owner_epoch: this.epoch,
    });
    await this.catchUp();
    return this.isActive && this.currentExecution() !== undefined;
  }

  /** The execution if it is still Running and ours under this run's epoch. */
  private currentExecution(): ExecutionState | undefined {
    const execution = this.deps.stateMachine.execution(this.workflowId);
    if (execution === undefined || execution.status !== "Running") return undefined;
    if (execution.owner !== this.deps.nodeId || execution.ownerEpoch !== this.epoch) {
      return undefined;
    }
    return execution;
  }

  private async conclude(outcome: ReplayOutcome): Promise<RunEnd> {
    switch (outcome.type) {
      case "completed":
        return this.finishAfter(outcome.ahead, outcome.output, undefined);
      case "failed":
        return this.finishAfter(outcome.ahead, undefined, outcome.error);
      case "diverged":
        this.log.error("Workflow diverged from its record; failing it", {
          seq: outcome.error.seq,
          error: outcome.error.message,
        });
        return this.finish(undefined, recordError(outcome.error));
      case "stopped":
        if (this.endHint?.end === "fail") return this.finish(undefined, this.endHint.error);
        return this.endHint?.end === "retry" ? "retry" : "stopped";
      case "sleeping":
        this.wakeAtMs = outcome.wakeAtMs;
        return "sleeping";
      case "unsupported":
        this.log.error("Cannot run workflow on this node", {
          reason: outcome.reason,
        });
        return "left";
    }
  }

  private async finish(
    output: JsonValue | undefined,
    error: RecordedError | undefined,
  ): Promise<RunEnd> {
    return this.ended(await proposeUntilAnswered(this.loop(), this.endCommand(output, error)));
  }

  /**
   * Ends a run that went ahead of its last step (GoingAhead): its checkpoint and the end are
   * proposed together, the end chained behind the checkpoint. Apply refuses that end whenever
   * it refuses the checkpoint before it (the same run, epoch and status checks; a run goes
   * ahead only where nothing else can refuse it: fresh, under the limit), so the end never
   * lands without the step. An end that could not follow is proposed again by itself.
   */
  private async finishAfter(
    ahead: CheckpointRecord | undefined,
    output: JsonValue | undefined,
    error: RecordedError | undefined,
  ): Promise<RunEnd> {
    if (ahead === undefined) return this.finish(output, error);
    const { proposer } = this.deps;
    assert(proposer.proposeChained !== undefined, "a run went ahead without chained proposals");
    const checkpoint = this.checkpointCommand(ahead);
    // Too large to record: the run ends as it would have at that step (endHint).
    if (checkpoint === undefined) return this.conclude({ type: "stopped", reason: "too large" });
    const end = this.endCommand(output, error);
    const [recorded, ended] = proposer.proposeChained(
      encodeCommand(checkpoint),
      encodeCommand(end),
    );
    // Handled below once the checkpoint is recorded; if it is not, apply refused the end too.
    ended.catch(() => undefined);
    const isRecorded = await this.recorded(async () => {
      try {
        return asApplyResult(await recorded);
      } catch (failure) {
        if (!isRetryable(failure)) throw failure;
        // Handled: an unknown outcome or no leader; propose the same checkpoint again.
        return proposeUntilAnswered(this.loop(), checkpoint);
      }
    });
    if (!isRecorded) return this.conclude({ type: "stopped", reason: "its last step failed" });
    try {
      return this.ended(asApplyResult(await ended));
    } catch (failure) {
      if (!isRetryable(failure)) throw failure;
      // Handled: the end could not follow the checkpoint or its outcome is unknown; an
      // identical end is acknowledged at apply, so propose it by itself.
      return this.finish(output, error);
    }
  }

  private endCommand(output: JsonValue | undefined, error: RecordedError | undefined) {
    const common = {
      workflowId: this.workflowId,
      ownerEpoch: this.epoch,
      finishedAtMs: Math.floor(this.deps.wallClockMs()),
    };
    const complete = { type: "Complete", ...common, output: output ?? null } as const;
    const tooLarge = error === undefined ? oversizeProblem(complete) : undefined;
    const failure = tooLarge === undefined ? error : limitFailure(tooLarge);
    return failure === undefined
      ? complete
      : ({ type: "Fail", ...common, error: failure } as const);
  }

  private ended(result: WorkflowApplyResult | undefined): RunEnd {
    if (result === undefined) return "stopped";
    if (result.type === "finished") return "finished";
    this.noteRefusal(result, "finish");
    // Another owner or the execution's end: nothing left to do. Any other refusal is run
    // again after a pause, as for a checkpoint: run again at once, an end the log refuses
    // each time (a malformed one) was proposed a thousand times a second, a log entry each.
    if (result.type === "refused" && ENDING_REFUSALS.has(result.reason)) return "stopped";
    return "retry";
  }

  private effects(): ReplayEffects {
    return {
      record: (checkpoint) => this.record(checkpoint),
      sleep: (delayMs) => sleep(this.deps.clock, delayMs),
      wallClockMs: () => this.deps.wallClockMs(),
      monotonicMs: () => this.deps.clock.nowMs(),
      stepRan: (report) => this.deps.onStepRan?.(report, this.workflowId),
      nextEvent: (name) =>
        nextEvent(this.deps.stateMachine.execution(this.workflowId)?.inbox, name),
      ...(this.deps.children === undefined ? {} : { children: this.deps.children }),
      cancelRequested: () => this.deps.stateMachine.execution(this.workflowId)?.cancelRequest,
      ...(this.mayGoAhead() ? { ahead: this.goingAhead() } : {}),
      ...(this.deps.mayPairWaits === undefined ? {} : { mayPairWaits: this.deps.mayPairWaits }),
      ...(this.deps.stepGate === undefined ? {} : { stepGate: this.deps.stepGate }),
      mayStartStep: () => this.mayStartStep(),
    };
  }

  /**
   * A fresh run (its Start made by this node as leader: no other run can have recorded a
   * checkpoint of it) may go ahead of a step's commit, where chained proposals exist.
   */
  private mayGoAhead(): boolean {
    return !this.needsBarrier && this.deps.proposer.proposeChained !== undefined;
  }

  private goingAhead(): GoingAhead {
    const { config } = this.deps.stateMachine;
    return {
      // Past the limit apply would refuse the checkpoint and not the end behind it.
      allows: (checkpoint) => checkpoint.seq < config.checkpointsPerExecutionMax,
      later: (propose) => this.deps.clock.runSoon(propose),
    };
  }

  /**
   * A checkpoint's command, or undefined (and the run's end decided) if it is too large, or
   * would make the execution's record too large.
   */
  private checkpointCommand(checkpoint: CheckpointRecord) {
    const { ownerEpoch, ...rest } = checkpoint;
    assert(ownerEpoch === this.epoch, "a run records under its own epoch");
    const command = {
      type: "Checkpoint" as const,
      workflowId: this.workflowId,
      ownerEpoch,
      ...rest,
    };
    const bytes = encodedSize(command);
    const tooLarge =
      bytes === undefined || bytes > RECORDED_COMMAND_BYTES_MAX
        ? oversizeProblem(command, RECORDED_COMMAND_BYTES_MAX, bytes)
        : this.growthProblem(command, bytes);
    if (tooLarge === undefined) return command;
    this.endHint = { end: "fail", error: limitFailure(tooLarge) };
    return undefined;
  }

  /** Why `command` would pass the record's bound; else counts its `bytes` in the record. */
  private growthProblem(
    command: Parameters<typeof recordGrowthProblem>[0],
    bytes: number,
  ): string | undefined {
    // Counted once per run, from the committed record: a run replays all of it anyway.
    const execution = this.deps.stateMachine.execution(this.workflowId);
    this.recordedBytes ??= execution === undefined ? 0 : recordedBytesOf(execution);
    const problem = recordGrowthProblem(command, bytes, this.recordedBytes);
    if (problem === undefined) this.recordedBytes += bytes;
    return problem;
  }

  private async record(checkpoint: CheckpointRecord): Promise<boolean> {
    const command = this.checkpointCommand(checkpoint);
    if (command === undefined) return false;
    return this.recorded(() => proposeUntilAnswered(this.loop(), command));
  }

  /** Whether the group recorded a checkpoint, by its `answer`; if not, why the run ends. */
  private async recorded(answer: () => Promise<WorkflowApplyResult | undefined>): Promise<boolean> {
    let result: WorkflowApplyResult | undefined;
    try {
      result = await answer();
    } catch (error) {
      // Handled: the group cannot be reached in a way retrying fixes (closing, removed);
      // stop this run and let the runtime resume the execution later from the record.
      this.log.warn("Could not record a checkpoint", {
        error: (error as Error).message,
      });
      this.endHint = { end: "retry" };
      return false;
    }
    if (result === undefined) return false;
    if (result.type === "recorded") return true;
    if (result.type === "refused" && result.reason === "limit") {
      this.endHint = { end: "fail", error: limitFailure(result.message) };
    } else if (result.type !== "refused" || !ENDING_REFUSALS.has(result.reason)) {
      // Run again from the record, after a pause: another run of ours (before a restart)
      // committed this seq first (out-of-order), or apply saw what this run did not yet
      // (a timer or event not due by the log's time). Were it a refusal that never changes,
      // such as a malformed record, the pause is what keeps it from looping at full speed.
      this.endHint = { end: "retry" };
    }
    this.noteRefusal(result, "checkpoint");
    return false;
  }

  private noteRefusal(result: WorkflowApplyResult, what: string): void {
    this.log.info("Workflow run stops: the group refused its proposal", {
      proposal: what,
      owner_epoch: this.epoch,
      result: result.type === "refused" ? result.reason : result.type,
    });
  }

  private loop() {
    return {
      proposer: this.deps.proposer,
      sleep: (delayMs: number) => sleep(this.deps.clock, delayMs),
      isActive: () => this.isActive,
    };
  }
}

/** A read barrier retried through leader changes while `isActive`. */
async function readBarrier(deps: RunnerDeps, isActive: () => boolean): Promise<void> {
  let backoffMs = 20;
  while (isActive()) {
    try {
      await deps.proposer.barrier();
      return;
    } catch (error) {
      // Handled: no leader or a timeout; ask again (a read barrier has no effects).
      deps.logger.debug("Read barrier failed; retrying", { error: (error as Error).message });
    }
    await sleep(deps.clock, backoffMs);
    backoffMs = Math.min(2 * backoffMs, 1_000);
  }
}

function sleep(clock: Clock, delayMs: number): Promise<void> {
  return new Promise((resolve) => {
    clock.setTimer(delayMs, resolve);
  });
}
