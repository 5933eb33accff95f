// Types shared by the linearizability checker, its search and its models: histories of
// operations, sequential models and check results. Types only: no logic lives here.

/**
 * How an operation ended, as its client saw it.
 * - `returned`: the client got `output` at `returnTime`, so the operation took effect exactly
 *   once, somewhere between its call and its return.
 * - `pending`: the client never heard back (timeout, crash, end of the run). The operation may
 *   have taken effect at any time after its call, or never.
 *
 * An operation that definitely did not take effect (rejected before it was proposed) is not
 * pending: leave it out of the history (Knossos calls it `:fail`).
 */
export type Outcome<Output> =
  | { readonly type: "returned"; readonly returnTime: number; readonly output: Output }
  | { readonly type: "pending" };

/**
 * One client operation. Times are virtual ticks (integers). Intervals are closed: an operation
 * that returns at tick t and one called at tick t are concurrent, since the simulator cannot
 * order two events of the same tick.
 */
export interface Operation<Input, Output> {
  /** Only used to explain results; the checker orders operations by time alone. */
  readonly clientId: number;
  readonly callTime: number;
  readonly input: Input;
  readonly outcome: Outcome<Output>;
}

/** The result of applying one operation to a model state. */
export interface StepResult<State> {
  /** False when the operation cannot happen in this state (e.g. a read of another value). */
  readonly ok: boolean;
  readonly state: State;
}

/** Operations that are checked on their own (P-compositionality), with a label for reports. */
export interface Partition<Input, Output> {
  readonly label: string;
  readonly operations: readonly Operation<Input, Output>[];
}

/**
 * A sequential specification. The checker treats states as immutable values: `step` must
 * return a new state instead of mutating its argument.
 */
export interface Model<State, Input, Output> {
  init(): State;
  /**
   * Applies `input` to `state`. For a `pending` outcome there is no output to check: return
   * the state the operation would leave if it took effect now (`ok: false` if it cannot).
   */
  step(state: State, input: Input, outcome: Outcome<Output>): StepResult<State>;
  /** State equality for memoization. */
  equal(a: State, b: State): boolean;
  /** A 32-bit integer hash; equal states must hash alike. Used for memoization. */
  hash(state: State): number;
  /**
   * Splits a history into parts whose linearizability can be checked independently, e.g. one
   * per key of a key-value store (a history is linearizable iff every part is). Without it the
   * whole history is one partition.
   */
  partition?(history: readonly Operation<Input, Output>[]): readonly Partition<Input, Output>[];
  /**
   * True if operations with this input never change the state (a get). The checker drops such
   * operations when pending: with no output and no effect they can matter to nothing, and
   * each would otherwise be one more candidate for the search to try at every step.
   */
  isReadOnly?(input: Input): boolean;
  /** For reports, e.g. `get(x) -> 1`. Defaults to JSON. */
  describeOperation?(input: Input, outcome: Outcome<Output>): string;
  /** For reports. Defaults to JSON. */
  describeState?(state: State): string;
}

/** Every partition has a linearization. */
export interface Linearizable {
  readonly ok: true;
  /** Search steps used, over all partitions. */
  readonly steps: number;
}

/** The step budget ran out before a partition was proven or refuted. Not a pass. */
export interface Undecided {
  readonly ok: "unknown";
  readonly steps: number;
  /** Labels of the partitions whose search ran out of budget. */
  readonly partitions: readonly string[];
  readonly explanation: string;
}

/** A partition has no linearization. */
export interface Violation<Input, Output> {
  readonly ok: false;
  readonly steps: number;
  /** Label of the first partition found without a linearization. */
  readonly partition: string;
  /** The longest legal linearization of part of the partition that the search found, in order. */
  readonly longestPrefix: readonly Operation<Input, Output>[];
  /** The model state after `longestPrefix`, described. */
  readonly stateAfterPrefix: string;
  /**
   * The returned operations that real time allows next after `longestPrefix`. Each is either
   * impossible in that state or leads only to dead ends; the text says which.
   */
  readonly unplaced: readonly Operation<Input, Output>[];
  /** All of the above as readable text, for test failures and simulator logs. */
  readonly explanation: string;
}

/**
 * The verdict of a check. Note that `ok: "unknown"` is truthy: test with `ok === true`, never
 * with `if (result.ok)`.
 */
export type CheckResult<Input, Output> = Linearizable | Undecided | Violation<Input, Output>;
