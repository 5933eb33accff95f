// The replay cursor of one run: hands out sequence numbers to ctx calls, compares each with
// the record (divergence), orders the commits of new checkpoints, and halts the run for good
// when it diverges or loses its ownership. Workflow code sees committed outcomes, and a step's
// outcome it went ahead of (GoingAhead) takes effect nowhere before it is committed.
// Pure: no I/O, no timers; effects are injected.

import { assert } from "../lib/index.ts";
import type { ChildStarter } from "./children.ts";
import { DeterminismViolationError } from "./errors.ts";
import type { InboxEvent } from "./events.ts";
import type {
  CancelRequest,
  CheckpointKind,
  CheckpointOutcome,
  CheckpointRecord,
  StepStats,
} from "./execution.ts";
import { isDeprecatedMarker } from "./patch-markers.ts";
import type { StepGate } from "./step-gate.ts";
import { hasWaitSeq, waitSeqOf } from "./wait-pairs.ts";

/** What the owner runtime does for a run; the replay engine itself does no I/O. */
export interface ReplayEffects {
  /**
   * Proposes a new checkpoint and resolves once the group answered: true when it is
   * recorded (committed and applied here), false when this run must stop (its owner epoch
   * is stale, the execution ended, or the runtime is closing).
   */
  record(checkpoint: CheckpointRecord): Promise<boolean>;
  /** Waits before a step's next attempt. */
  sleep(delayMs: number): Promise<void>;
  /** The owner's wall clock, for the `atMs` of new checkpoints. */
  wallClockMs(): number;
  /** The owner's monotonic clock, for how long a step took. */
  monotonicMs(): number;
  /** The execution's next unconsumed event named `name`, as applied here (events.ts). */
  nextEvent(name: string): InboxEvent | undefined;
  /** A step body ran here (not replayed): for the node's metrics. */
  stepRan(report: StepReport): void;
  /** Starts child workflows; absent where no node is (ctx.startChild then refuses). */
  readonly children?: ChildStarter;
  /** Lets a graceful hand-over wait for the step bodies running here (step-gate.ts). */
  readonly stepGate?: StepGate;
  mayStartStep?(): true | Promise<boolean>; // See ExecutionRunner.mayStartStep; absent: it may.
  /**
   * The cancel request applied here (its reason "" if none was given, its atSeq absent if an
   * older build applied it), or undefined while none was. Absent: the run is never cancelled
   * (harnesses that only replay).
   */
  cancelRequested?(): Pick<CancelRequest, "reason" | "atSeq"> | undefined;
  /** Present when the run may go ahead of a step's commit (see "Going ahead" below). */
  readonly ahead?: GoingAhead;
  /**
   * Whether every member applies waits whose halves other records come between
   * (wait-pairs.ts); absent: they do. Until then such a wait holds the run (PAIRING_RETRY_MS).
   */
  mayPairWaits?(): boolean;
}

/**
 * Going ahead: the code may see a step's outcome before its checkpoint commits, so that a
 * workflow that returns right after its last step ends with its checkpoint and its end
 * proposed together (ReplayOutcome's `ahead`). The checkpoint is proposed at the next ctx
 * call, whose effect waits for that commit, or `later` if the code goes on with neither a
 * call nor an end. Only where the group is sure to accept the checkpoint, so that an end
 * behind it is never applied without it (ExecutionRunner: a fresh run, under the limit).
 */
export interface GoingAhead {
  /** Whether the code may see this step's outcome before its checkpoint commits. */
  allows(checkpoint: CheckpointRecord): boolean;
  /** Calls `propose` after the code's pending continuations ran (a macrotask later). */
  later(propose: () => void): void;
}

/** What running one step's body took on the owner: attempts and time, to its outcome. */
export interface StepReport {
  readonly name: string;
  readonly attempts: number;
  /** From the first attempt's start to the outcome, retry waits included (monotonic clock). */
  readonly durationMs: number;
  readonly isOk: boolean;
}

/** Why a run stopped before its function ended. */
export type Halt =
  | { readonly type: "diverged"; readonly error: DeterminismViolationError }
  | { readonly type: "stopped"; readonly reason: string }
  /**
   * A timer is not due, or an awaited event not there yet: the run ends, to be run again at
   * `wakeAtMs` (Infinity: no timeout) or when an event arrives (timers.ts, events.ts).
   */
  | { readonly type: "sleeping"; readonly wakeAtMs: number };

export type Claim =
  | { readonly type: "replay"; readonly seq: number; readonly record: CheckpointRecord }
  | { readonly type: "live"; readonly seq: number }
  | CancelClaim
  | { readonly type: "halted" };

/**
 * The call at `seq` gets the execution's CancelledError: recorded there before this run
 * (`cancelled`), or to be recorded there now (`cancel`, a live seq to commit). See cancel.ts.
 */
export type CancelClaim =
  | { readonly type: "cancelled"; readonly seq: number; readonly record: CheckpointRecord }
  | { readonly type: "cancel"; readonly seq: number; readonly reason: string };

interface Deferred {
  readonly promise: Promise<void>;
  readonly resolve: () => void;
  readonly isResolved: () => boolean;
}

function deferred(): Deferred {
  let resolve = (): void => undefined;
  let isResolved = false;
  const promise = new Promise<void>((done) => {
    resolve = () => {
      isResolved = true;
      done();
    };
  });
  return { promise, resolve, isResolved: () => isResolved };
}

export interface ReplayCursorOptions {
  readonly workflowId: string;
  readonly ownerEpoch: number;
  readonly startedAtMs: number;
  readonly recorded: readonly CheckpointRecord[];
  readonly effects: ReplayEffects;
}

export class ReplayCursor {
  readonly halted: Promise<Halt>;
  /** Checkpoints recorded when the run began: calls below this seq replay. */
  readonly liveFromSeq: number;
  private readonly options: ReplayCursorOptions;
  /** Invariant: records[k].seq === k; grows only by commits of this run. */
  private readonly records: CheckpointRecord[];
  private nextSeq = 0;
  /** Live seqs claimed and not yet committed: their commits must happen in seq order. */
  private readonly commits = new Map<number, Deferred>();
  private haltValue: Halt | undefined;
  private resolveHalt: (halt: Halt) => void = () => undefined;
  private deliveredAtMs: number;
  /**
   * The seq the cancel was delivered at (recorded, or claimed by this run), if it was. It is
   * delivered once per execution: later calls run as usual (clean-up).
   */
  private cancelSeq: number | undefined;
  /**
   * The atSeq of a cancel request applied before this run began and not delivered yet. An
   * earlier run may have been in the body of a step the request did not interrupt; see
   * mayHaveRunBefore.
   */
  private readonly requestAtSeqBeforeRun: number | undefined;
  /** Whether the code may have seen an outcome recorded after that request (at/past atSeq). */
  private hasSeenPastRequest = false;
  /** A step's checkpoint the code has seen and no one has proposed yet (Going ahead). */
  private unproposed: CheckpointRecord | undefined;
  /** The commit of the last checkpoint the code saw ahead, while in flight. */
  private aheadCommit: Promise<void> | undefined;

  constructor(options: ReplayCursorOptions) {
    this.options = options;
    this.records = [...options.recorded];
    const cancelAt = options.recorded.findIndex((record) => record.kind === "cancel");
    this.cancelSeq = cancelAt < 0 ? undefined : cancelAt;
    this.liveFromSeq = this.records.length;
    const pending = this.cancelSeq === undefined ? options.effects.cancelRequested?.() : undefined;
    this.requestAtSeqBeforeRun = pending?.atSeq;
    this.deliveredAtMs = options.startedAtMs;
    this.halted = new Promise((resolve) => {
      this.resolveHalt = resolve;
    });
  }

  /** Takes the next seq for a ctx call of `kind` and `name`; halts on divergence. */
  claim(kind: CheckpointKind, name: string): Claim {
    this.proposeUnproposed();
    if (this.haltValue !== undefined) return { type: "halted" };
    this.skipDeprecatedMarkers(kind, name);
    const seq = this.nextSeq++;
    if (seq < this.liveFromSeq) {
      const record = this.records[seq];
      assert(record !== undefined, `replay: no record at seq ${seq}`);
      // A recorded cancel stands in for whatever call was made there; only the name is kept.
      const isSameCall = (record.kind === "cancel" && kind !== "patch") || record.kind === kind;
      if (!isSameCall || record.name !== name) {
        this.diverge(seq, record, { kind, name });
        return { type: "halted" };
      }
      return record.kind === "cancel"
        ? { type: "cancelled", seq, record }
        : { type: "replay", seq, record };
    }
    this.commits.set(seq, deferred());
    return this.maybeClaimCancel(seq, kind) ?? { type: "live", seq };
  }

  /**
   * Claims the cancel for live `seq` if it lands there: at the first live call after the
   * request, whatever the call is (cancel.ts). A call that waited for the step the code went
   * ahead of asks again before it begins: a request applied during that wait came first. A
   * step waiting to retry runs no body, whatever an earlier run did then: it takes it.
   */
  maybeClaimCancel(seq: number, kind: CheckpointKind, isRetrying = false): CancelClaim | undefined {
    // A patch marker is no cancellation point: ctx.patched() answers at once, it awaits nothing.
    const mayHaveRun = !isRetrying && this.mayHaveRunBefore(kind);
    if (this.cancelSeq !== undefined || kind === "patch" || mayHaveRun) return undefined;
    const request = this.options.effects.cancelRequested?.();
    if (request === undefined) return undefined;
    this.cancelSeq = seq;
    return { type: "cancel", seq, reason: request.reason };
  }

  /**
   * Whether an earlier run may have been in this step's body when the request came: 1. a run
   * is in step k's body (and k+1's, if awaited together); 2. the request is applied with k
   * checkpoints (atSeq k); 3. the run fails before it records them. A step claimed before the
   * code saw any outcome at or past atSeq may be one of those: it runs again, and the cancel
   * goes to a later call, as it did for the run the request interrupted.
   */
  private mayHaveRunBefore(kind: CheckpointKind): boolean {
    return kind === "step" && this.requestAtSeqBeforeRun !== undefined && !this.hasSeenPastRequest;
  }

  /**
   * Claims the second half (`wake`, `event`) of the wait whose first half is at `waitSeq`; a
   * recorded one that closes another wait is a divergence (wait-pairs.ts).
   */
  claimSecondHalf(kind: CheckpointKind, name: string, waitSeq: number): Claim {
    const claim = this.claim(kind, name);
    if (claim.type !== "replay" || waitSeqOf(claim.record) === waitSeq) return claim;
    const of = (seq: number) => `${name}, of the wait at ${seq}`;
    const recorded = { kind, name: of(waitSeqOf(claim.record)) };
    // Without waitSeq the record says "the wait right before": a build before waits at once
    // wrote such records for them too, paired by position rather than by call.
    const isPositional = !hasWaitSeq(claim.record);
    const advice = isPositional
      ? "a build from before waits awaited together recorded it, and could not pair such waits; this execution cannot go on: start it again"
      : undefined;
    this.diverge(claim.seq, recorded, { kind, name: of(waitSeq) }, advice);
    return { type: "halted" };
  }

  /**
   * Whether the wait whose first half is at `waitSeq` was pending when the code got the
   * cancel (at a later seq, already claimed): it never ends, so that the clean-up the cancel
   * is delivered for is not held by waits of the operation it cancels.
   */
  isOrphanedByCancel(waitSeq: number): boolean {
    const at = this.cancelSeq;
    return at !== undefined && at < this.nextSeq && waitSeq < at;
  }

  /** Resolves once every live seq below `seq` is committed or released. */
  async settledBefore(seq: number): Promise<void> {
    const previous = this.commits.get(seq - 1);
    if (previous !== undefined) await previous.promise;
  }

  /**
   * The record the next claim of `kind`/`name` would replay, without claiming it; undefined
   * when that claim would be live. Lets ctx.patched() see whether a marker is recorded here.
   */
  peekReplay(kind: CheckpointKind, name: string): CheckpointRecord | undefined {
    this.skipDeprecatedMarkers(kind, name);
    return this.nextSeq < this.liveFromSeq ? this.records[this.nextSeq] : undefined;
  }

  /**
   * Passes over recorded deprecated `patch` markers that the code no longer asks for: once
   * every execution without the marker is gone, the deprecatePatch() call may be deleted.
   */
  private skipDeprecatedMarkers(kind: CheckpointKind | "return", name: string): void {
    for (;;) {
      const record = this.nextSeq < this.liveFromSeq ? this.records[this.nextSeq] : undefined;
      if (record === undefined || !isDeprecatedMarker(record)) return;
      if (kind === "patch" && record.name === name) return;
      this.nextSeq++;
    }
  }

  /**
   * Commits the outcome of live `seq` after every earlier seq; resolves with the record, or
   * undefined if the run halted (then the caller must never continue the workflow code).
   * `outcome` undefined releases the seq without a commit (the run is halting).
   */
  async commit(
    seq: number,
    call: { kind: CheckpointKind; name: string; stats?: StepStats },
    outcome: CheckpointOutcome | undefined,
  ): Promise<CheckpointRecord | undefined> {
    const done = this.commits.get(seq);
    assert(done !== undefined, `replay: seq ${seq} committed without a live claim`);
    const previous = this.commits.get(seq - 1);
    if (previous !== undefined) await previous.promise;
    this.commits.delete(seq - 1);
    try {
      if (outcome === undefined || this.haltValue !== undefined) return undefined;
      return await this.propose(seq, call, outcome);
    } finally {
      done.resolve();
    }
  }

  /**
   * Like commit, but answers at once with the record when the run may go ahead of this
   * step's commit (GoingAhead); undefined when it may not (then call commit).
   */
  commitAhead(
    seq: number,
    call: { kind: "step"; name: string; stats?: StepStats },
    outcome: CheckpointOutcome | undefined,
  ): CheckpointRecord | undefined {
    const { ahead } = this.options.effects;
    // Only the last seq claimed, with no earlier commit still in flight.
    const isAlone = this.nextSeq === seq + 1 && (this.commits.get(seq - 1)?.isResolved() ?? true);
    if (ahead === undefined || outcome === undefined || this.haltValue !== undefined || !isAlone) {
      return undefined;
    }
    const record = this.recordOf(seq, call, outcome);
    if (!ahead.allows(record)) return undefined;
    this.commits.delete(seq - 1);
    this.unproposed = record;
    ahead.later(() => this.proposeUnproposed());
    return record;
  }

  /** Proposes the checkpoint the code went ahead of, if no one has yet. */
  private proposeUnproposed(): void {
    const record = this.unproposed;
    if (record === undefined) return;
    this.unproposed = undefined;
    const done = this.commits.get(record.seq);
    assert(done !== undefined, `replay: seq ${record.seq} went ahead without a live claim`);
    const commit = (async () => {
      try {
        if (this.haltValue === undefined) await this.recordCommitted(record);
      } finally {
        done.resolve();
        this.aheadCommit = undefined;
      }
    })();
    this.aheadCommit = commit;
  }

  /** The commit of a checkpoint the code went ahead of, while in flight: effects wait for it. */
  aheadInFlight(): Promise<void> | undefined {
    return this.aheadCommit;
  }

  /**
   * At the code's end: the checkpoint it went ahead of and no one proposed, which the caller
   * now proposes together with the end (or drops, if it halts).
   */
  takeUnproposed(): CheckpointRecord | undefined {
    const record = this.unproposed;
    if (record === undefined) return undefined;
    this.unproposed = undefined;
    this.commits.get(record.seq)?.resolve();
    this.commits.delete(record.seq);
    return record;
  }

  private async propose(
    seq: number,
    call: { kind: CheckpointKind; name: string; stats?: StepStats },
    outcome: CheckpointOutcome,
  ): Promise<CheckpointRecord | undefined> {
    const record = this.recordOf(seq, call, outcome);
    return (await this.recordCommitted(record)) ? record : undefined;
  }

  private recordOf(
    seq: number,
    call: { kind: CheckpointKind; name: string; stats?: StepStats },
    outcome: CheckpointOutcome,
  ): CheckpointRecord {
    assert(this.records.length === seq, `replay: commit of seq ${seq} out of order`);
    const wallMs = Math.floor(this.options.effects.wallClockMs());
    return {
      seq,
      kind: call.kind,
      name: call.name,
      outcome,
      // Times are held at or after the ones before, but a timer's record counts from the
      // owner's own clock: held, it would count from the start's time, which the node that
      // took the start may have set an hour ahead (its timer then an hour late).
      atMs: isTimerRecord(call.kind) ? wallMs : Math.max(this.lastRecordedAtMs(), wallMs),
      ownerEpoch: this.options.ownerEpoch,
      ...(call.stats === undefined ? {} : { stats: call.stats }),
    };
  }

  /** Proposes `record`; true once it is committed and kept, false (halted) otherwise. */
  private async recordCommitted(record: CheckpointRecord): Promise<boolean> {
    let isRecorded: boolean;
    try {
      isRecorded = await this.options.effects.record(record);
    } catch (error) {
      // Handled: the runtime could not get an answer it understands; stop this run (it is
      // resumed from the committed record later) rather than show the error to user code.
      this.halt({ type: "stopped", reason: `recording failed: ${(error as Error).message}` });
      return false;
    }
    if (!isRecorded) this.halt({ type: "stopped", reason: "the group did not record it" });
    if (this.haltValue !== undefined) return false;
    this.records.push(record);
    return true;
  }

  /**
   * Ends the run at live `seq`, the `wake` of a timer due at `wakeAtMs`: nothing is
   * committed, and the run's code stops there. The workflow holds no run while it sleeps.
   */
  suspend(seq: number, wakeAtMs: number): void {
    const done = this.commits.get(seq);
    assert(done !== undefined, `replay: seq ${seq} suspended without a live claim`);
    this.halt({ type: "sleeping", wakeAtMs });
    done.resolve();
  }

  /** The workflow code is about to see `record`: ctx.now() moves up to its time. */
  deliver(record: CheckpointRecord): void {
    if (record.atMs > this.deliveredAtMs) this.deliveredAtMs = record.atMs;
    const atSeq = this.requestAtSeqBeforeRun;
    if (atSeq === undefined || record.seq < atSeq || this.hasSeenPastRequest) return;
    // The code gets this outcome a microtask later at the earliest: calls it makes before
    // then (those awaited together with this one) do not depend on it.
    void Promise.resolve().then(() => {
      this.hasSeenPastRequest = true;
    });
  }

  nowMs(): number {
    return this.deliveredAtMs;
  }

  /** True while the code has not yet passed the last checkpoint recorded before this run. */
  isReplaying(): boolean {
    return this.nextSeq < this.liveFromSeq;
  }

  isHalted(): boolean {
    return this.haltValue !== undefined;
  }

  haltReason(): Halt | undefined {
    return this.haltValue;
  }

  /** Stops the run for good; the first halt wins. */
  halt(halt: Halt): void {
    if (this.haltValue !== undefined) return;
    this.haltValue = halt;
    this.resolveHalt(halt);
  }

  /** Resolves once every live seq claimed so far is committed (or released). */
  async settled(): Promise<void> {
    const last = this.commits.get(this.nextSeq - 1);
    if (last !== undefined) await last.promise;
  }

  /** At the end of the function: halts with a divergence if recorded calls were not made. */
  checkAllReplayed(): void {
    if (this.haltValue !== undefined) return;
    this.skipDeprecatedMarkers("return", "");
    if (this.nextSeq >= this.liveFromSeq) return;
    const record = this.records[this.nextSeq];
    assert(record !== undefined, "replay: unconsumed record missing");
    this.diverge(this.nextSeq, record, { kind: "return", name: "" });
  }

  private diverge(
    seq: number,
    record: Pick<CheckpointRecord, "kind" | "name">,
    attempted: { kind: string; name: string },
    advice?: string,
  ): void {
    const error = new DeterminismViolationError({
      workflowId: this.options.workflowId,
      seq,
      recorded: { kind: record.kind, name: record.name },
      attempted,
      ...(advice === undefined ? {} : { advice }),
    });
    this.halt({ type: "diverged", error });
  }

  private lastRecordedAtMs(): number {
    return this.records.at(-1)?.atMs ?? this.options.startedAtMs;
  }
}

/** A record whose timer (a sleep, an event wait's timeout) counts from its own `atMs`. */
const isTimerRecord = (kind: CheckpointKind) => kind === "sleep" || kind === "event-wait";
