// The replay engine: runs a workflow function against an execution's committed checkpoints.
// Recorded calls return their outcomes without side effects; the first unrecorded call runs
// for real (owner only) and continues after its commit (or, for a step where the runtime
// allows it, before: GoingAhead in replay-cursor.ts). The run ends in one outcome: the
// function's result or error, a determinism violation, or a stop (ownership lost, closing).
// Workflow code runs in the workflow scope of the injected DeterminismGuards (so Date.now(),
// Math.random() and timers there are replay-safe or refused); the effects run outside it.
// Pure: all effects and time are injected (ReplayEffects).

import { type Logger, unreachable } from "../lib/index.ts";
import { toRecordedJson } from "./command-size.ts";
import { type CodeScope, type DeterminismGuards, UNGUARDED } from "./determinism-guards.ts";
import { outsideWorkflowCode } from "./effects-outside.ts";
import {
  ChildWorkflowError,
  type DeterminismViolationError,
  type RecordedError,
  recordError,
  WorkflowStepError,
} from "./errors.ts";
import type { CheckpointRecord } from "./execution.ts";
import type { ExecutionState } from "./execution-table.ts";
import type { JsonValue } from "./json.ts";
import type { RegisteredWorkflow } from "./registry.ts";
import { ReplayContext } from "./replay-context.ts";
import { type Halt, ReplayCursor, type ReplayEffects } from "./replay-cursor.ts";
import { runtimeFeatures } from "./runtime-version.ts";

export type ReplayOutcome =
  /**
   * `ahead`: the code's last step, which it went ahead of (GoingAhead in replay-cursor.ts):
   * its checkpoint is not proposed yet, and goes into the log before the end.
   */
  | { readonly type: "completed"; readonly output: JsonValue; readonly ahead?: CheckpointRecord }
  | { readonly type: "failed"; readonly error: RecordedError; readonly ahead?: CheckpointRecord }
  | { readonly type: "diverged"; readonly error: DeterminismViolationError }
  | { readonly type: "stopped"; readonly reason: string }
  /** Waiting for a durable timer: run it again at `wakeAtMs` (owner's wall clock). */
  | { readonly type: "sleeping"; readonly wakeAtMs: number }
  /** The execution was started by a newer build whose replay semantics this one lacks. */
  | { readonly type: "unsupported"; readonly reason: string };

export interface ReplayInput {
  /** The execution as committed when the run begins. */
  readonly execution: ExecutionState;
  readonly workflow: RegisteredWorkflow;
  readonly effects: ReplayEffects;
  /** Receives ctx.log lines (suppressed while replaying). */
  readonly logger: Logger;
  /** The determinism guards (src/node's in a node); none when absent. */
  readonly guards?: DeterminismGuards;
}

/** One run of one execution. Create, run() once; stop() from outside at any time. */
export class ReplayRun {
  private readonly input: ReplayInput;
  private readonly cursor: ReplayCursor;
  private readonly guards: DeterminismGuards;
  private readonly effects: ReplayEffects;

  constructor(input: ReplayInput) {
    this.input = input;
    this.guards = input.guards ?? UNGUARDED;
    this.effects = outsideWorkflowCode(input.effects, this.guards);
    const { execution } = input;
    this.cursor = new ReplayCursor({
      workflowId: execution.workflowId,
      ownerEpoch: execution.ownerEpoch,
      startedAtMs: execution.startedAtMs,
      // The code gets copies of what the record holds (here and the input below): a result it
      // changes must change only its own copy, as on the first run, where the value was the
      // step body's own. Changing the record would change this member's replicated state.
      recorded: structuredClone(execution.checkpoints),
      effects: this.effects,
    });
  }

  /** Runs the function to one outcome. Never rejects. */
  run(): Promise<ReplayOutcome> {
    const { execution } = this.input;
    const features = runtimeFeatures(execution.runtimeVersion);
    if (features === undefined) {
      return Promise.resolve({
        type: "unsupported",
        reason: `workflow ${execution.workflowId} was started under runtime version ${execution.runtimeVersion}, which this build cannot replay; run it on a newer node`,
      });
    }
    const context = new ReplayContext({
      workflowId: execution.workflowId,
      ...(execution.traceId === undefined ? {} : { traceId: execution.traceId }),
      seed: execution.seed,
      features,
      cursor: this.cursor,
      effects: this.effects,
      logger: this.input.logger,
      guards: this.guards,
    });
    const release = this.guards.hold();
    return Promise.race([this.invoke(context), this.cursor.halted.then(haltOutcome)]).finally(
      release,
    );
  }

  /** Stops the run for good: pending and later ctx calls never settle. */
  stop(reason: string): void {
    this.cursor.halt({ type: "stopped", reason });
  }

  private async invoke(context: ReplayContext): Promise<ReplayOutcome> {
    let ended: { ok: true; value: unknown } | { ok: false; error: unknown };
    const scope: CodeScope = {
      type: "workflow",
      workflowId: context.workflowId,
      now: () => context.now(),
      random: () => context.random(),
    };
    const { workflow, execution } = this.input;
    try {
      // The code's first segment, and every continuation it schedules, run in its scope.
      ended = {
        ok: true,
        value: await this.guards.run(scope, () =>
          workflow.run(structuredClone(execution.input), context),
        ),
      };
    } catch (error) {
      // Handled: an error from workflow code is data; it becomes the execution's failure.
      ended = { ok: false, error };
    }
    // Whatever the code left in flight is committed before the execution ends, except a
    // step it went ahead of: that one is proposed with the end.
    const unproposed = this.cursor.takeUnproposed();
    const ahead = unproposed === undefined ? {} : { ahead: unproposed };
    await this.cursor.settled();
    this.cursor.checkAllReplayed();
    const halt = this.cursor.haltReason();
    if (halt !== undefined) return haltOutcome(halt);
    if (!ended.ok) return { type: "failed", error: failureOf(ended.error), ...ahead };
    try {
      return {
        type: "completed",
        output: toRecordedJson(ended.value, "the workflow's output") ?? null,
        ...ahead,
      };
    } catch (error) {
      // Handled: an output the log cannot hold fails the execution, with the reason.
      return { type: "failed", error: recordError(error), ...ahead };
    }
  }
}

function failureOf(error: unknown): RecordedError {
  // A step's error rethrown unchanged keeps its original record (name, message, code).
  if (error instanceof WorkflowStepError) return error.recorded;
  // A child's error keeps the child's name and code, with the child named in the message.
  if (error instanceof ChildWorkflowError) return { ...error.recorded, message: error.message };
  return recordError(error);
}

function haltOutcome(halt: Halt): ReplayOutcome {
  switch (halt.type) {
    case "diverged":
      return { type: "diverged", error: halt.error };
    case "stopped":
      return { type: "stopped", reason: halt.reason };
    case "sleeping":
      return { type: "sleeping", wakeAtMs: halt.wakeAtMs };
    default:
      return unreachable(halt);
  }
}
