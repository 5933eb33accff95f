// Linearizability checker for simulator histories: is there a single order of the operations,
// consistent with real time, that a sequential model accepts? Runs outside the nodes, after a
// run; pure and synchronous, and bounded by a step budget so a hard history cannot hang it.
//
// Usage: record a history (HistoryRecorder, or build Operation objects), pick a model (kvModel
// in linearizability-kv.ts), then `checkLinearizability(kvModel, history)`.

import { assert, unreachable } from "../../src/lib/index.ts";
import { describeOperation, explainViolation } from "./linearizability-explain.ts";
import { searchLinearization } from "./linearizability-search.ts";
import type { CheckResult, Model, Operation, Outcome, Partition } from "./linearizability-types.ts";

export type {
  CheckResult,
  Linearizable,
  Model,
  Operation,
  Outcome,
  Partition,
  StepResult,
  Undecided,
  Violation,
} from "./linearizability-types.ts";
export { describeOperation };

/**
 * Default search budget per partition. A step is one model step or one backtrack; a million
 * take about 0.2 to 1 s and bound the cache's memory to a few hundred MB. A partition of a few
 * hundred operations from a handful of clients needs a few thousand steps; many pending
 * operations on one key can need far more (each may or may not have taken effect).
 */
export const CHECK_STEPS_MAX_DEFAULT = 1_000_000;

export interface CheckOptions {
  /** Search budget per partition; past it the partition is undecided. */
  readonly stepsMax?: number;
}

/**
 * Checks `history` against `model` with the WGL search, one partition at a time.
 *
 * Returns `{ ok: true }` when every partition has a linearization, a `Violation` (ok: false)
 * for the first partition that provably has none, and `{ ok: "unknown" }` when no partition
 * fails but at least one ran out of budget. Partitions after an undecided one are still
 * checked, so a budget problem in one cannot hide a violation in another.
 */
export function checkLinearizability<State, Input, Output>(
  model: Model<State, Input, Output>,
  history: readonly Operation<Input, Output>[],
  options: CheckOptions = {},
): CheckResult<Input, Output> {
  const stepsMax = options.stepsMax ?? CHECK_STEPS_MAX_DEFAULT;
  assert(Number.isSafeInteger(stepsMax), `stepsMax must be an integer, got ${stepsMax}`);
  assert(stepsMax > 0, `stepsMax must be positive, got ${stepsMax}`);
  history.forEach((operation, index) => {
    checkOperation(operation, index);
  });
  const partitions = partitionHistory(model, withoutIdlePending(model, history));
  let steps = 0;
  const undecided: string[] = [];
  for (const partition of partitions) {
    const search = searchLinearization(model, partition.operations, stepsMax);
    steps += search.steps;
    switch (search.type) {
      case "linearizable":
        break;
      case "budget-exceeded":
        undecided.push(partition.label);
        break;
      case "violation":
        return explainViolation({ model, partition, longestPrefix: search.longestPrefix, steps });
      default:
        unreachable(search);
    }
  }
  if (undecided.length === 0) return { ok: true, steps };
  const explanation =
    `search budget of ${stepsMax} steps ran out in partitions ${undecided.join(", ")}: ` +
    "neither proven linearizable nor refuted; raise stepsMax or check a shorter history";
  return { ok: "unknown", steps, partitions: undecided, explanation };
}

/** Validates one operation where it enters the checker; past this the search trusts times. */
function checkOperation(operation: Operation<unknown, unknown>, index: number): void {
  const where = `history[${index}]`;
  assert(Number.isSafeInteger(operation.clientId), `${where}: clientId must be an integer`);
  assert(Number.isSafeInteger(operation.callTime), `${where}: callTime must be an integer`);
  if (operation.outcome.type === "pending") return;
  const returnTime = operation.outcome.returnTime;
  assert(Number.isSafeInteger(returnTime), `${where}: returnTime must be an integer`);
  assert(
    returnTime >= operation.callTime,
    `${where}: returns at ${returnTime}, before its call at ${operation.callTime}`,
  );
}

/** Leaves out pending read-only operations: they cannot have had an effect or been seen. */
function withoutIdlePending<State, Input, Output>(
  model: Model<State, Input, Output>,
  history: readonly Operation<Input, Output>[],
): readonly Operation<Input, Output>[] {
  const isReadOnly = model.isReadOnly;
  if (isReadOnly === undefined) return history;
  return history.filter((op) => op.outcome.type === "returned" || !isReadOnly(op.input));
}

function partitionHistory<State, Input, Output>(
  model: Model<State, Input, Output>,
  history: readonly Operation<Input, Output>[],
): readonly Partition<Input, Output>[] {
  if (model.partition === undefined) return [{ label: "all", operations: history }];
  const partitions = model.partition(history);
  // A partition function that loses or duplicates operations would make verdicts meaningless.
  const total = partitions.reduce((sum, partition) => sum + partition.operations.length, 0);
  assert(total === history.length, `partitions hold ${total} of ${history.length} operations`);
  return partitions;
}

/**
 * Records a history as the simulator runs: `invoke` when a client sends a request, `complete`
 * when it gets the answer, `fail` when the request definitely did not take effect. Operations
 * neither completed nor failed by the end are pending.
 */
export class HistoryRecorder<Input, Output> {
  private readonly calls: { clientId: number; callTime: number; input: Input }[] = [];
  /** Per call: undefined while in flight, "failed", or how it returned. */
  private readonly endings: (Outcome<Output> | "failed" | undefined)[] = [];

  /** Records a call and returns its handle for `complete` or `fail`. */
  invoke(call: { clientId: number; callTime: number; input: Input }): number {
    this.calls.push({ ...call });
    this.endings.push(undefined);
    return this.calls.length - 1;
  }

  /** Records that the client got `output` at `returnTime`. */
  complete(ending: { operation: number; returnTime: number; output: Output }): void {
    this.expectInFlight(ending.operation);
    const call = this.calls[ending.operation];
    assert(call !== undefined, `operation ${ending.operation} was never invoked`);
    assert(ending.returnTime >= call.callTime, `operation ${ending.operation} returns too early`);
    this.endings[ending.operation] = {
      type: "returned",
      returnTime: ending.returnTime,
      output: ending.output,
    };
  }

  /** Records that the operation definitely did not take effect; it leaves the history. */
  fail(operation: number): void {
    this.expectInFlight(operation);
    this.endings[operation] = "failed";
  }

  /** The history so far, in call order; operations still in flight are pending. */
  history(): Operation<Input, Output>[] {
    const operations: Operation<Input, Output>[] = [];
    this.calls.forEach((call, index) => {
      const ending = this.endings[index] ?? { type: "pending" };
      if (ending !== "failed") operations.push({ ...call, outcome: ending });
    });
    return operations;
  }

  private expectInFlight(operation: number): void {
    assert(operation >= 0, `operation ${operation} was never invoked`);
    assert(operation < this.calls.length, `operation ${operation} was never invoked`);
    assert(this.endings[operation] === undefined, `operation ${operation} already ended`);
  }
}
