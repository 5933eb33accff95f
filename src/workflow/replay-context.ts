// The `ctx` handed to workflow code: every call either returns the recorded outcome at its
// seq (replay) or, at the first unrecorded seq, does the work for real and continues only
// once the group has committed it. After a halt, ctx calls never settle: the code of a run
// that lost its ownership or diverged simply stops where it is.
// Pure: effects and time come through the cursor's injected ReplayEffects.

import {
  assert,
  type EventType,
  InvalidArgumentError,
  type Logger,
  type WorkflowType,
} from "../lib/index.ts";
import { cancelledErrorOf, cancelledOutcome } from "./cancel.ts";
import { checkNotReserved } from "./children.ts";
import { codeLog } from "./code-log.ts";
import type {
  Checkpoint,
  ChildOptions,
  ChildWorkflow,
  StepInfo,
  StepOptions,
  Widen,
  WorkflowContext,
  WorkflowLog,
} from "./context.ts";
import { NAME_CHARS_MAX, validateCallName } from "./definition.ts";
import { type DeterminismGuards, WorkflowApiMisuseError } from "./determinism-guards.ts";
import { WorkflowStepError } from "./errors.ts";
import {
  checkEventName,
  type EventResult,
  eventDeadlineMs,
  eventOf,
  eventValue,
  eventWaitValue,
  type WaitForEventOptions,
} from "./events.ts";
import type {
  CheckpointKind,
  CheckpointOutcome,
  CheckpointRecord,
  StepStats,
} from "./execution.ts";
import type { JsonLike, JsonValue } from "./json.ts";
import { PatchMarkers } from "./patch-markers.ts";
import { startChild } from "./replay-children.ts";
import type { CancelClaim, Claim, ReplayCursor, ReplayEffects } from "./replay-cursor.ts";
import { replayRandomAt } from "./replay-random.ts";
import { checkpointValue, outcomeValue, ReplicatedVariable } from "./replicated-variable.ts";
import type { RuntimeFeatures } from "./runtime-version.ts";
import { executeStep, resolveRetryPolicy } from "./step-executor.ts";
import {
  checkWakeTime,
  parseDuration,
  type TimerSpec,
  timerDueAtMs,
  timerValue,
} from "./timers.ts";
import { pairedValue } from "./wait-pairs.ts";

const HALTED: Claim = { type: "halted" };

/** How soon a run held by a member's older build (isPairingHeld) tries again. */
const PAIRING_RETRY_MS = 10_000;

/** The name of every timer's `sleep` and `wake` checkpoints. */
const TIMER_NAME = "timer";

/** A promise that never settles: what ctx calls return once the run halted. */
function never<T>(): Promise<T> {
  return new Promise<T>(() => undefined);
}

export interface ReplayContextOptions {
  readonly workflowId: string;
  /** The trace of the execution's start; its children join it. */
  readonly traceId?: string;
  readonly seed: number;
  readonly features: RuntimeFeatures;
  readonly cursor: ReplayCursor;
  readonly effects: ReplayEffects;
  readonly logger: Logger;
  /** Tells workflow code from step bodies; effects and the logger are called outside both. */
  readonly guards: DeterminismGuards;
}

export class ReplayContext implements WorkflowContext {
  readonly workflowId: string;
  readonly log: WorkflowLog;
  private readonly options: ReplayContextOptions;
  private readonly declared = new Set<string>();
  private randomCount = 0;
  private readonly patches: PatchMarkers;
  /** Settles once the last wait called has claimed its second half (inTurn). */
  private waitTurn: Promise<void> = Promise.resolve();

  constructor(options: ReplayContextOptions) {
    this.options = options;
    this.workflowId = options.workflowId;
    const { cursor } = options;
    this.log = codeLog(options.logger, options.workflowId, cursor, options.guards);
    this.patches = new PatchMarkers(cursor, options.features.hasPatchMarkers, (error) => {
      // Converted: the cursor settles its own failures; anything else stops this run, which
      // the runtime resumes from the committed record.
      cursor.halt({ type: "stopped", reason: `recording a patch marker failed: ${error}` });
    });
  }

  /**
   * Refuses a ctx call made from inside a step body (WorkflowApiMisuseError). Public so that
   * the replicated variables of checkpoint() check their set() the same way.
   */
  checkCaller(method: string): void {
    const scope = this.options.guards.current();
    if (scope?.type !== "step") return;
    throw new WorkflowApiMisuseError({
      workflowId: scope.workflowId,
      stepName: scope.stepName,
      method,
    });
  }

  patched(id: string): boolean {
    this.checkCaller("patched");
    validateCallName(id, "patch id");
    return this.patches.patched(id);
  }

  deprecatePatch(id: string): void {
    this.checkCaller("deprecatePatch");
    validateCallName(id, "patch id");
    this.patches.deprecatePatch(id);
  }

  async checkpoint<T extends JsonLike>(key: string, initial: T): Promise<Checkpoint<Widen<T>>> {
    this.checkCaller("checkpoint");
    validateCallName(key, "checkpoint key");
    if (this.declared.has(key)) {
      throw new InvalidArgumentError(`checkpoint "${key}" is declared twice in this workflow`);
    }
    const value = checkpointValue(key, initial);
    this.declared.add(key);
    const { outcome } = await this.settle("checkpoint", key, async () => ({ ok: true, value }));
    return new ReplicatedVariable<Widen<T>>(key, outcomeValue(outcome) as Widen<T>, this);
  }

  // biome-ignore lint/suspicious/noConfusingVoidType: a body that returns nothing is typed void
  async step<T extends JsonLike | undefined | void>(
    name: string,
    fn: (info: StepInfo) => T | Promise<T>,
    options?: StepOptions,
  ): Promise<T> {
    this.checkCaller("step");
    validateCallName(name, "step name");
    if (typeof fn !== "function") {
      throw new InvalidArgumentError(
        `ctx.step("${name}", fn): fn is the step's body and must be a function; got ${fn === null ? "null" : typeof fn}`,
      );
    }
    const policy = resolveRetryPolicy(options?.retry);
    const { guards } = this.options;
    const scope = { type: "step", workflowId: this.workflowId, stepName: name } as const;
    let stats: StepStats | undefined;
    const produce = async (seq: number) => {
      const { effects, cursor } = this.options;
      const startedMs = effects.monotonicMs();
      let attempts = 0;
      const result = await executeStep({
        name,
        idempotencyKey: `${this.workflowId}:${seq}`,
        // The body runs as a step: real clock and random, and no ctx calls.
        fn: (info) => guards.run(scope, () => fn(info)),
        policy,
        sleep: (delayMs) => effects.sleep(delayMs),
        isHalted: () => cursor.isHalted(),
        // A cancel requested while the step waits to retry lands on it: no attempt runs after.
        stopFor: () => cursor.maybeClaimCancel(seq, "step", true),
        onAttempt: (attempt) => {
          attempts = attempt;
        },
      });
      if (result !== undefined && "stopped" in result) return result.stopped;
      if (result !== undefined) {
        const durationMs = effects.monotonicMs() - startedMs;
        // The record keeps whole milliseconds; the metrics see steps shorter than one.
        stats = { attempts, durationMs: Math.round(durationMs) };
        effects.stepRan({ name, attempts, durationMs, isOk: result.ok });
      }
      return result;
    };
    const { seq, outcome } = await this.settle("step", name, produce, () => stats);
    if (outcome.ok) return outcome.value as T;
    throw new WorkflowStepError(name, seq, outcome.error);
  }

  now(): number {
    this.checkCaller("now");
    switch (this.options.features.nowSource) {
      case "delivered-checkpoint":
        return this.options.cursor.nowMs();
    }
  }

  random(): number {
    this.checkCaller("random");
    switch (this.options.features.randomDerivation) {
      case "splitmix32-counter":
        return replayRandomAt(this.options.seed, this.randomCount++);
    }
  }

  sleep(duration: number | string): Promise<void> {
    this.checkCaller("sleep");
    this.requireTimers("sleep");
    return this.timer({ sleepMs: parseDuration(duration) });
  }

  sleepUntil(epochMs: number): Promise<void> {
    this.checkCaller("sleepUntil");
    this.requireTimers("sleepUntil");
    return this.timer({ untilMs: checkWakeTime(epochMs) });
  }

  /**
   * The `sleep` checkpoint records the timer (once, at the first run); its `wake` is
   * committed when a run reaches it at or after the due time. Before that the run ends
   * (cursor.suspend) and the runtime runs the execution again when the timer is due.
   */
  private async timer(spec: TimerSpec): Promise<void> {
    const { cursor, effects } = this.options;
    const { wait, claim, next } = await this.inTurn("sleep", "wake", TIMER_NAME, timerValue(spec));
    // The next wait claims once this code yields: a live wake has ended the run or been
    // proposed by then.
    next();
    const dueAtMs = timerDueAtMs(wait);
    switch (claim.type) {
      case "halted":
        return never();
      case "cancelled":
      case "cancel":
        return this.cancelAt(claim, TIMER_NAME);
      case "replay":
        cursor.deliver(claim.record);
        return;
      case "live": {
        // The first halves called before are recorded first, with their own times: a run
        // that ends here would drop those in flight.
        await cursor.settledBefore(claim.seq);
        if (cursor.isHalted()) return never();
        if (Math.floor(effects.wallClockMs()) < dueAtMs) {
          cursor.suspend(claim.seq, dueAtMs);
          return never();
        }
        if (this.isPairingHeld(claim.seq, wait)) return never();
        const value = pairedValue(undefined, claim.seq, wait.seq);
        const woke = await cursor.commit(
          claim.seq,
          { kind: "wake", name: TIMER_NAME },
          value === undefined ? { ok: true } : { ok: true, value },
        );
        if (woke === undefined) return never();
        cursor.deliver(woke);
        return;
      }
    }
  }

  async waitForEvent<T extends JsonLike = JsonValue>(
    event: string | EventType<T>,
    options?: WaitForEventOptions,
  ): Promise<EventResult<T>> {
    this.checkCaller("waitForEvent");
    this.requireTimers("waitForEvent");
    const name = typeof event === "string" ? event : event.name;
    checkEventName(name, NAME_CHARS_MAX);
    // No caller can send such an event: the wait would only ever time out.
    checkNotReserved(name, "event name");
    return this.waitForNamedEvent<T>(name, options);
  }

  /** waitForEvent() for an event name already checked, Raftoral's own included. */
  private async waitForNamedEvent<T extends JsonLike = JsonValue>(
    name: string,
    options?: WaitForEventOptions,
  ): Promise<EventResult<T>> {
    const { cursor, effects } = this.options;
    const { wait, claim, next } = await this.inTurn(
      "event-wait",
      "event",
      name,
      eventWaitValue(options),
    );
    next(); // as in timer()
    const deadlineMs = eventDeadlineMs(wait);
    if (claim.type === "halted") return never();
    if (claim.type === "cancelled" || claim.type === "cancel") return this.cancelAt(claim, name);
    let got = claim.type === "replay" ? claim.record : undefined;
    if (claim.type === "live") {
      // As in timer(); an earlier wait's event is also applied by then, so not taken twice.
      await cursor.settledBefore(claim.seq);
      if (cursor.isHalted()) return never();
      const event = effects.nextEvent(name);
      if (event === undefined && Math.floor(effects.wallClockMs()) < deadlineMs) {
        // Nothing yet: the run ends here; an event or the deadline starts it again.
        cursor.suspend(claim.seq, deadlineMs);
        return never();
      }
      if (this.isPairingHeld(claim.seq, wait)) return never();
      const call = { kind: "event" as const, name };
      const value = pairedValue(eventValue(event), claim.seq, wait.seq);
      got = await cursor.commit(claim.seq, call, { ok: true, value });
      if (got === undefined) return never();
    }
    cursor.deliver(got as CheckpointRecord);
    const result = eventOf(got?.outcome.ok === true ? got.outcome.value : undefined);
    // Apply accepted the record only with a valid value; a bad one is corruption.
    assert(result !== undefined, `workflow ${this.workflowId}: unreadable event record`);
    return result as EventResult<T>;
  }

  startChild<I, O>(
    workflow: WorkflowType<I, O>,
    input: I,
    options?: ChildOptions,
  ): Promise<ChildWorkflow<O>>;
  startChild(name: string, input: JsonLike, options?: ChildOptions): Promise<ChildWorkflow>;
  startChild(
    workflow: string | WorkflowType,
    input: unknown,
    options?: ChildOptions,
  ): Promise<ChildWorkflow> {
    this.checkCaller("startChild");
    if (!this.options.features.hasChildWorkflows) {
      throw new InvalidArgumentError(
        `ctx.startChild() is not available to workflow ${this.workflowId}: it was started by an older build; start a new execution to use child workflows`,
      );
    }
    const { cursor, effects } = this.options;
    return startChild(
      {
        parentId: this.workflowId,
        traceId: this.options.traceId,
        launcher: effects.children,
        sleep: (delayMs) => effects.sleep(delayMs),
        isHalted: () => cursor.isHalted(),
        settle: (kind, name, produce) => this.settle(kind, name, produce),
        waitForEvent: (name) => this.waitForNamedEvent(name),
      },
      workflow,
      input,
      options,
    );
  }

  /**
   * A durable wait's two claims: its first half (`first`, recording `value`) at once, its
   * second half once every wait called before it has had its own: concurrent waits take
   * their second halves in call order, whatever order their first halves settle in, in
   * every run alike (wait-pairs.ts). The caller passes the turn on (`next`) once it has
   * decided what its second half does, so the first wait not yet over is the one a run
   * ends on. `value` is computed before: a bad argument throws with nothing claimed.
   */
  private async inTurn(
    first: "sleep" | "event-wait",
    second: "wake" | "event",
    name: string,
    value: JsonValue,
  ): Promise<{ wait: CheckpointRecord; claim: Claim; next: () => void }> {
    const turn = this.waitTurn;
    let next = (): void => undefined;
    this.waitTurn = new Promise((resolve) => {
      next = resolve;
    });
    try {
      const { record } = await this.settle(first, name, async () => ({ ok: true, value }));
      await turn;
      const { cursor } = this.options;
      // A wait the cancel left behind never ends, and claims nothing (cursor.isOrphanedByCancel).
      if (cursor.isOrphanedByCancel(record.seq)) return { wait: record, claim: HALTED, next };
      return { wait: record, claim: cursor.claimSecondHalf(second, name, record.seq), next };
    } catch (error) {
      next();
      throw error;
    }
  }

  /**
   * A second half at `seq` that must name its wait, while a member's build would apply it
   * otherwise (a rolling upgrade): the run ends, to try again in a while, recording nothing.
   */
  private isPairingHeld(seq: number, wait: CheckpointRecord): boolean {
    const { cursor, effects } = this.options;
    if (seq === wait.seq + 1 || effects.mayPairWaits?.() !== false) return false;
    // Outside the workflow scope, as ctx.log's lines (code-log.ts): stamped with the real time.
    this.options.guards.run(undefined, () =>
      this.options.logger.warn(
        "Workflow waits for every node to run this build: it awaits waits together, which older builds record otherwise",
        { workflow_id: this.workflowId, retry_in_ms: PAIRING_RETRY_MS },
      ),
    );
    cursor.suspend(seq, Math.floor(effects.wallClockMs()) + PAIRING_RETRY_MS);
    return true;
  }

  private requireTimers(call: string): void {
    if (this.options.features.hasDurableWaits) return;
    throw new InvalidArgumentError(
      `ctx.${call}() is not available to workflow ${this.workflowId}: it was started by an older build (runtime version 1); start a new execution to use durable timers`,
    );
  }

  /**
   * One sequenced ctx call: the recorded outcome at its seq, or `produce` run live and its
   * outcome committed. Never settles once the run is halted.
   */
  async settle(
    kind: CheckpointKind,
    name: string,
    produce: (seq: number) => Promise<CheckpointOutcome | CancelClaim | undefined>,
    statsOf?: () => StepStats | undefined,
  ): Promise<{ seq: number; outcome: CheckpointOutcome; record: CheckpointRecord }> {
    const { cursor } = this.options;
    const claim = cursor.claim(kind, name);
    switch (claim.type) {
      case "halted":
        return never();
      case "cancelled":
      case "cancel":
        return this.cancelAt(claim, name);
      case "replay":
        cursor.deliver(claim.record);
        return { seq: claim.seq, outcome: claim.record.outcome, record: claim.record };
      case "live": {
        // No effect before the step the code went ahead of is committed (GoingAhead).
        const ahead = cursor.aheadInFlight();
        if (ahead !== undefined) await ahead;
        if (cursor.isHalted()) return never();
        const late = ahead === undefined ? undefined : cursor.maybeClaimCancel(claim.seq, kind);
        if (late !== undefined) return this.cancelAt(late, name);
        // A step body has effects: after a stall, only once the run knows it still owns it.
        const mayStep = kind === "step" ? this.options.effects.mayStartStep?.() : undefined;
        if (mayStep instanceof Promise && !(await mayStep)) return never();
        // A step body holds a slot from before it runs until its checkpoint is committed (or
        // dropped), as a graceful hand-over waits for those; none starts once the gate closed.
        const { stepGate } = this.options.effects;
        const release = kind === "step" ? stepGate?.enter() : undefined;
        if (kind === "step" && stepGate !== undefined && release === undefined) return never();
        let record: CheckpointRecord | undefined;
        let wentAhead = false;
        let cancel: CancelClaim | undefined;
        try {
          const produced = await produce(claim.seq);
          if (produced !== undefined && "type" in produced) cancel = produced;
          else {
            const stats = statsOf?.();
            const call = { kind, name, ...(stats === undefined ? {} : { stats }) };
            const aheadRecord =
              kind === "step"
                ? cursor.commitAhead(claim.seq, { ...call, kind }, produced)
                : undefined;
            wentAhead = aheadRecord !== undefined;
            record = aheadRecord ?? (await cursor.commit(claim.seq, call, produced));
          }
        } finally {
          // Gone ahead, its checkpoint is still in flight (and the last seq claimed, which
          // settled() waits for); otherwise it is committed, or dropped, by now.
          if (wentAhead) void cursor.settled().then(release);
          else release?.();
        }
        if (cancel !== undefined) return this.cancelAt(cancel, name);
        if (record === undefined) return never();
        cursor.deliver(record);
        return { seq: claim.seq, outcome: record.outcome, record };
      }
    }
  }

  /**
   * The call at the claim's seq rejects with the CancelledError: the recorded one, or one
   * recorded now as a `cancel` checkpoint (the run goes on only once it is committed, so a
   * replay after failover delivers it at the same seq). Never settles once the run halted.
   */
  private async cancelAt(claim: CancelClaim, name: string): Promise<never> {
    const { cursor } = this.options;
    const record =
      claim.type === "cancelled"
        ? claim.record
        : await cursor.commit(
            claim.seq,
            { kind: "cancel", name },
            cancelledOutcome(this.workflowId, claim.reason),
          );
    if (record === undefined) return never();
    cursor.deliver(record);
    throw cancelledErrorOf(this.workflowId, record);
  }
}
