// Checks a simulation's client history for linearizability with the KV model: the history
// the simulated clients recorded, converted to the checker's operations.

import { checkLinearizability } from "./linearizability.ts";
import type { KvInput, KvOperation, KvOutput } from "./linearizability-kv.ts";
import { kvModel } from "./linearizability-kv.ts";
import type { HistoryOp } from "./sim-clients.ts";

export type HistoryVerdict =
  | { readonly kind: "linearizable"; readonly steps: number }
  | { readonly kind: "violation"; readonly explanation: string }
  | { readonly kind: "undecided"; readonly explanation: string };

export function checkKvHistory(history: readonly HistoryOp[]): HistoryVerdict {
  const result = checkLinearizability(kvModel, history.map(toOperation), { stepsMax: 200_000 });
  if (result.ok === true) return { kind: "linearizable", steps: result.steps };
  if (result.ok === false) return { kind: "violation", explanation: result.explanation };
  return { kind: "undecided", explanation: result.explanation };
}

function toOperation(op: HistoryOp): KvOperation {
  const input = toInput(op.input);
  const outcome =
    op.ret === undefined
      ? ({ type: "pending" } as const)
      : ({ type: "returned", returnTime: op.ret, output: toOutput(input, op.output) } as const);
  return { clientId: op.client, callTime: op.call, input, outcome };
}

function toInput(input: HistoryOp["input"]): KvInput {
  switch (input.op) {
    case "put":
      return { type: "put", key: input.key, value: input.value };
    case "cas":
      return { type: "cas", key: input.key, expected: input.expected, value: input.value };
    default:
      return { type: "get", key: input.key };
  }
}

function toOutput(input: KvInput, output: HistoryOp["output"]): KvOutput {
  switch (input.type) {
    case "put":
      return { type: "put" };
    case "cas":
      return { type: "cas", isSwapped: output === true };
    case "get":
      return { type: "get", value: typeof output === "string" ? output : null };
  }
}
