// The sequential model of a replicated key-value store (put, get, compare-and-swap) for the
// linearizability checker, split per key, plus a compact text form for histories in tests.
// Pure: no I/O. Keys never interact, so each key is checked as its own register.

import { assert, unreachable } from "../../src/lib/index.ts";
import type { Model, Operation, Outcome, Partition, StepResult } from "./linearizability-types.ts";

/** A request to the store. `expected: null` in a cas means "only if the key is absent". */
export type KvInput =
  | { readonly type: "put"; readonly key: string; readonly value: string }
  | { readonly type: "get"; readonly key: string }
  | {
      readonly type: "cas";
      readonly key: string;
      readonly expected: string | null;
      readonly value: string;
    };

/** The store's answer; its `type` matches the request's. `value: null`: the key is absent. */
export type KvOutput =
  | { readonly type: "put" }
  | { readonly type: "get"; readonly value: string | null }
  | { readonly type: "cas"; readonly isSwapped: boolean };

/** Within one partition every operation has the same key, so the state is that key's value. */
export type KvState = string | null;

export type KvOperation = Operation<KvInput, KvOutput>;

/** The key-value model: each key is a register that starts absent (null). */
export const kvModel: Model<KvState, KvInput, KvOutput> = {
  init: () => null,
  step: stepKv,
  equal: (a, b) => a === b,
  hash: hashValue,
  partition: partitionByKey,
  isReadOnly: (input) => input.type === "get",
  describeOperation: describeKvOperation,
  describeState: (state) => (state === null ? "absent" : JSON.stringify(state)),
};

/**
 * The model is a deterministic sequential store: apply the input, then accept the operation if
 * its recorded output matches. A pending operation has no output to match: it is always
 * accepted, with whatever effect the state at its linearization point gives it.
 */
function stepKv(state: KvState, input: KvInput, outcome: Outcome<KvOutput>): StepResult<KvState> {
  const next = applyKv(state, input);
  if (outcome.type === "pending") return { ok: true, state: next.state };
  return { ok: isSameKvOutput(outcome.output, next.output), state: next.state };
}

/** What a single-copy store answers and leaves behind. */
function applyKv(state: KvState, input: KvInput): { state: KvState; output: KvOutput } {
  switch (input.type) {
    case "put":
      return { state: input.value, output: { type: "put" } };
    case "get":
      return { state, output: { type: "get", value: state } };
    case "cas": {
      const isSwapped = state === input.expected;
      return { state: isSwapped ? input.value : state, output: { type: "cas", isSwapped } };
    }
    default:
      return unreachable(input);
  }
}

function isSameKvOutput(recorded: KvOutput, expected: KvOutput): boolean {
  // A history pairing a get with a put's answer is malformed, not a linearizability failure.
  assert(recorded.type === expected.type, `kv ${expected.type} recorded a ${recorded.type} output`);
  switch (recorded.type) {
    case "put":
      return true;
    case "get":
      return expected.type === "get" && recorded.value === expected.value;
    case "cas":
      return expected.type === "cas" && recorded.isSwapped === expected.isSwapped;
    default:
      return unreachable(recorded);
  }
}

function hashValue(state: KvState): number {
  if (state === null) return 0;
  // FNV-1a: only needs to spread values over buckets.
  let hash = 0x811c9dc5;
  for (let i = 0; i < state.length; i++) {
    hash = Math.imul(hash ^ state.charCodeAt(i), 0x01000193);
  }
  return (hash | 1) >>> 0;
}

/** One partition per key, in order of first appearance, labelled `key <name>`. */
function partitionByKey(history: readonly KvOperation[]): Partition<KvInput, KvOutput>[] {
  const byKey = new Map<string, KvOperation[]>();
  for (const operation of history) {
    const key = operation.input.key;
    const operations = byKey.get(key);
    if (operations === undefined) byKey.set(key, [operation]);
    else operations.push(operation);
  }
  return [...byKey].map(([key, operations]) => ({ label: `key ${key}`, operations }));
}

/** E.g. `put(x, 1)`, `get(x) -> nil`, `cas(x, 1, 2) -> true`, `put(x, 3) -> pending`. */
export function describeKvOperation(input: KvInput, outcome: Outcome<KvOutput>): string {
  const call = describeKvInput(input);
  if (outcome.type === "pending") return `${call} -> pending`;
  const output = outcome.output;
  switch (output.type) {
    case "put":
      return call;
    case "get":
      return `${call} -> ${showValue(output.value)}`;
    case "cas":
      return `${call} -> ${output.isSwapped}`;
    default:
      return unreachable(output);
  }
}

function describeKvInput(input: KvInput): string {
  switch (input.type) {
    case "put":
      return `put(${input.key}, ${input.value})`;
    case "get":
      return `get(${input.key})`;
    case "cas":
      return `cas(${input.key}, ${showValue(input.expected)}, ${input.value})`;
    default:
      return unreachable(input);
  }
}

function showValue(value: string | null): string {
  return value ?? "nil";
}

/**
 * Parses a history written one operation per line, for readable tests:
 *
 * ```
 * c1 0 10      put x 1
 * c2 5 15      get x -> 1        # `nil` is an absent value
 * c3 3 pending cas x nil 2       # pending: no return time, no output
 * c1 20 30     cas x 1 3 -> true  # a put needs no output
 * ```
 *
 * Fields: client (`c<id>`), call tick, return tick or `pending`, then the operation. Blank
 * lines and `#` comments are ignored. A malformed line is a bug in the test: it throws.
 */
export function parseKvHistory(text: string): KvOperation[] {
  const operations: KvOperation[] = [];
  for (const rawLine of text.split("\n")) {
    const line = rawLine.replace(/#.*$/, "").trim();
    if (line === "") continue;
    operations.push(parseKvLine(line));
  }
  return operations;
}

function parseKvLine(line: string): KvOperation {
  const [client = "", call = "", ret = "", ...words] = line.split(/\s+/);
  const clientMatch = /^c(\d+)$/.exec(client);
  assert(clientMatch !== null, `"${line}": client must look like c1`);
  const callTime = parseTick(call, line);
  const isPending = ret === "pending";
  const arrow = words.indexOf("->");
  const request = arrow < 0 ? words : words.slice(0, arrow);
  const answer = arrow < 0 ? undefined : words.slice(arrow + 1).join(" ");
  const input = parseKvInput(request, line);
  assert(!isPending || answer === undefined, `"${line}": a pending operation has no output`);
  const needsAnswer = !isPending && input.type !== "put";
  assert(
    !needsAnswer || (answer !== undefined && answer !== ""),
    `"${line}": write "-> output" after a ${input.type}`,
  );
  const outcome: Outcome<KvOutput> = isPending
    ? { type: "pending" }
    : { type: "returned", returnTime: parseTick(ret, line), output: parseKvOutput(input, answer) };
  return { clientId: Number(clientMatch[1]), callTime, input, outcome };
}

function parseTick(word: string, line: string): number {
  assert(/^\d+$/.test(word), `"${line}": "${word}" is not a tick`);
  return Number(word);
}

function parseKvInput(words: readonly string[], line: string): KvInput {
  const [type, key = "", ...args] = words;
  if (type === "put" && args.length === 1 && args[0] !== "nil") {
    return { type, key, value: args[0] as string };
  }
  if (type === "get" && args.length === 0) return { type, key };
  if (type === "cas" && args.length === 2 && args[1] !== "nil") {
    return { type, key, expected: parseValue(args[0] as string), value: args[1] as string };
  }
  assert(false, `"${line}": expected put k v, get k or cas k expected new`);
}

function parseKvOutput(input: KvInput, answer: string | undefined): KvOutput {
  switch (input.type) {
    case "put":
      return { type: "put" };
    case "get":
      return { type: "get", value: parseValue(answer ?? "") };
    case "cas":
      assert(answer === "true" || answer === "false", `cas returns true or false, not ${answer}`);
      return { type: "cas", isSwapped: answer === "true" };
    default:
      return unreachable(input);
  }
}

function parseValue(word: string): string | null {
  return word === "nil" ? null : word;
}
