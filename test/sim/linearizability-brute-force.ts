// A slow, obviously correct linearizability check, straight from the definition, to test the
// WGL search against: no entry list, no memoization, no partitions. Exponential in the number
// of operations, so it refuses histories longer than BRUTE_FORCE_OPERATIONS_MAX.

import { assert, unreachable } from "../../src/lib/index.ts";
import type { KvInput, KvOutput } from "./linearizability-kv.ts";
import type { Operation, Outcome, StepResult } from "./linearizability-types.ts";

/** 9! orders is still well under a second; more would make property tests slow. */
export const BRUTE_FORCE_OPERATIONS_MAX = 9;

/** Just a sequential specification: the oracle needs neither memoization nor partitions. */
export interface SequentialSpec<State, Input, Output> {
  init(): State;
  step(state: State, input: Input, outcome: Outcome<Output>): StepResult<State>;
}

/**
 * True iff some sequence holds every returned operation and any subset of the pending ones,
 * puts `a` before `b` whenever `a` returned before `b` was called, and is accepted by `spec`
 * step by step. Tries every such sequence, one operation at a time.
 */
export function isLinearizableByBruteForce<State, Input, Output>(
  spec: SequentialSpec<State, Input, Output>,
  history: readonly Operation<Input, Output>[],
): boolean {
  assert(history.length <= BRUTE_FORCE_OPERATIONS_MAX, "history too long for brute force");
  const placed = history.map(() => false);
  return extend(spec, history, placed, spec.init());
}

function extend<State, Input, Output>(
  spec: SequentialSpec<State, Input, Output>,
  history: readonly Operation<Input, Output>[],
  placed: boolean[],
  state: State,
): boolean {
  const isDone = history.every((op, i) => placed[i] === true || op.outcome.type === "pending");
  if (isDone) return true;
  for (const [i, operation] of history.entries()) {
    if (placed[i] === true || !mayComeNext(history, placed, operation)) continue;
    const result = spec.step(state, operation.input, operation.outcome);
    if (!result.ok) continue;
    placed[i] = true;
    const isFound = extend(spec, history, placed, result.state);
    placed[i] = false;
    if (isFound) return true;
  }
  return false;
}

/** Real time: nothing still unplaced may have returned before `operation` was called. */
function mayComeNext<Input, Output>(
  history: readonly Operation<Input, Output>[],
  placed: readonly boolean[],
  operation: Operation<Input, Output>,
): boolean {
  return history.every(
    ({ outcome }, j) =>
      placed[j] === true || outcome.type === "pending" || outcome.returnTime >= operation.callTime,
  );
}

type KvMap = ReadonlyMap<string, string>;

/** The whole store as one map, unpartitioned: a third statement of the kv semantics. */
export const kvMapSpec: SequentialSpec<KvMap, KvInput, KvOutput> = {
  init: () => new Map(),
  step(state, input, outcome) {
    const current = state.get(input.key) ?? null;
    const output = outcome.type === "returned" ? outcome.output : undefined;
    switch (input.type) {
      case "put":
        return { ok: true, state: new Map(state).set(input.key, input.value) };
      case "get":
        return { ok: output?.type !== "get" || output.value === current, state };
      case "cas": {
        if (output?.type === "cas" && output.isSwapped !== (current === input.expected)) {
          return { ok: false, state };
        }
        if (current !== input.expected) return { ok: true, state };
        return { ok: true, state: new Map(state).set(input.key, input.value) };
      }
      default:
        return unreachable(input);
    }
  },
};
