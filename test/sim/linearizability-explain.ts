// Turns the search's raw verdicts into reports a person can act on: which operations were
// linearized, the state they left, and which operations could not come next and why.
// Pure: replays the model, never searches.

import { assert } from "../../src/lib/index.ts";
import type { Model, Operation, Outcome, Partition, Violation } from "./linearizability-types.ts";

/** At most this many prefix operations are printed; the full prefix stays in the result. */
const PREFIX_LINES_MAX = 12;

export interface ExplainViolationOptions<State, Input, Output> {
  readonly model: Model<State, Input, Output>;
  readonly partition: Partition<Input, Output>;
  /** Operation indexes (into the partition) of the longest prefix the search found, in order. */
  readonly longestPrefix: readonly number[];
  readonly steps: number;
}

/**
 * Builds the report for a partition the search proved not linearizable: the longest prefix it
 * found, the state after it, and the returned operations real time allows next, each either
 * impossible in that state or a dead end (every continuation fails later).
 */
export function explainViolation<State, Input, Output>(
  options: ExplainViolationOptions<State, Input, Output>,
): Violation<Input, Output> {
  const { model, partition } = options;
  const operations = partition.operations;
  const prefix = options.longestPrefix.map(
    (index) => operations[index] as Operation<Input, Output>,
  );
  const state = replay(model, prefix);
  const placed = new Set(options.longestPrefix);
  const rest = operations.filter(
    (op, index) => !placed.has(index) && op.outcome.type === "returned",
  );
  const deadline = earliestReturn(rest);
  assert(deadline !== undefined, `partition ${partition.label}: every returned operation placed`);
  const unplaced = rest.filter((operation) => operation.callTime <= deadline);
  const forced = unplaced.find(({ outcome }) => returnsAt(outcome, deadline));
  assert(forced !== undefined, "the operation returning first is among those allowed next");
  const stateAfterPrefix = describeState(model, state);
  const explanation = [
    `partition ${partition.label}: not linearizable.`,
    ...describePrefix(model, prefix, operations.length),
    `State after the prefix: ${stateAfterPrefix}.`,
    "Returned operations that real time allows next, none of which leads anywhere:",
    ...unplaced.map((operation) => `  ${describeCandidate(model, state, operation)}`),
    `${describeOperation(model, forced)} had to take effect by its return at tick ${deadline}.`,
  ].join("\n");
  return {
    ok: false,
    steps: options.steps,
    partition: partition.label,
    longestPrefix: prefix,
    stateAfterPrefix,
    unplaced,
    explanation,
  };
}

function describeCandidate<State, Input, Output>(
  model: Model<State, Input, Output>,
  state: State,
  operation: Operation<Input, Output>,
): string {
  const isPossible = model.step(state, operation.input, operation.outcome).ok;
  // A possible one was explored (or covered by an explored configuration) and failed later.
  const why = isPossible ? "possible here, but every continuation fails" : "impossible here";
  return `${describeOperation(model, operation)}: ${why}`;
}

/** One line per operation: who, when, what. E.g. `client 2 [5, 15] get(x) -> 1`. */
export function describeOperation<State, Input, Output>(
  model: Model<State, Input, Output>,
  operation: Operation<Input, Output>,
): string {
  const outcome = operation.outcome;
  const returnTime = outcome.type === "returned" ? outcome.returnTime : "pending";
  const what =
    model.describeOperation?.(operation.input, outcome) ?? describeAsJson(operation.input, outcome);
  return `client ${operation.clientId} [${operation.callTime}, ${returnTime}] ${what}`;
}

function describeState<State, Input, Output>(
  model: Model<State, Input, Output>,
  state: State,
): string {
  return model.describeState?.(state) ?? JSON.stringify(state);
}

function describeAsJson<Input, Output>(input: Input, outcome: Outcome<Output>): string {
  const output = outcome.type === "returned" ? JSON.stringify(outcome.output) : "pending";
  return `${JSON.stringify(input)} -> ${output}`;
}

function describePrefix<State, Input, Output>(
  model: Model<State, Input, Output>,
  prefix: readonly Operation<Input, Output>[],
  total: number,
): string[] {
  const lines = [`Longest linearizable prefix: ${prefix.length} of ${total} operations, in order:`];
  const skipped = Math.max(0, prefix.length - PREFIX_LINES_MAX);
  if (skipped > 0) lines.push(`  ... ${skipped} earlier operations`);
  prefix.slice(skipped).forEach((operation, offset) => {
    lines.push(`  ${skipped + offset + 1}. ${describeOperation(model, operation)}`);
  });
  return lines;
}

/** The state after applying `prefix` in order; the search only records legal prefixes. */
function replay<State, Input, Output>(
  model: Model<State, Input, Output>,
  prefix: readonly Operation<Input, Output>[],
): State {
  let state = model.init();
  for (const operation of prefix) {
    const result = model.step(state, operation.input, operation.outcome);
    assert(
      result.ok,
      `search recorded an illegal prefix at ${describeOperation(model, operation)}`,
    );
    state = result.state;
  }
  return state;
}

/** The earliest return time among `operations`, or undefined if none returned. */
function earliestReturn(operations: readonly Operation<unknown, unknown>[]): number | undefined {
  let earliest: number | undefined;
  for (const { outcome } of operations) {
    if (outcome.type !== "returned") continue;
    if (earliest === undefined || outcome.returnTime < earliest) earliest = outcome.returnTime;
  }
  return earliest;
}

function returnsAt(outcome: Outcome<unknown>, time: number): boolean {
  return outcome.type === "returned" && outcome.returnTime === time;
}
