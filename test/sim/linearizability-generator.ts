// Random key-value histories for testing the linearizability checker: histories that are
// linearizable by construction, and a way to plant a read that provably is not.
// Deterministic: every choice comes from the injected seeded Random.

import { assert, type Random, unreachable } from "../../src/lib/index.ts";
import type { KvInput, KvOperation, KvOutput } from "./linearizability-kv.ts";

export interface KvHistoryOptions {
  readonly random: Random;
  readonly operationCount: number;
  readonly clientCount: number;
  readonly keyCount: number;
  /** Chance that a client never hears back; such an operation takes effect half the time. */
  readonly pendingProbability: number;
}

type ClientPhase =
  | { readonly type: "idle" }
  | { readonly type: "called"; readonly callTime: number; readonly input: KvInput }
  | {
      readonly type: "applied";
      readonly callTime: number;
      readonly input: KvInput;
      readonly output: KvOutput;
    };

/**
 * Runs clients against a single-copy store. Each operation takes effect atomically at a tick
 * strictly between its call and its return, so the order of those ticks is a linearization:
 * the history is linearizable by construction. Every write writes a fresh value, which lets
 * `plantStaleRead` prove a read impossible. The history is in return order, not call order.
 */
export function generateKvHistory(options: KvHistoryOptions): KvOperation[] {
  const { random } = options;
  const store = new Map<string, string>();
  const clients: ClientPhase[] = Array.from({ length: options.clientCount }, () => IDLE);
  const history: KvOperation[] = [];
  const source: InputSource = { options, store, writtenCount: 0 };
  let calledCount = 0;
  let time = 0;
  while (calledCount < options.operationCount || clients.some((c) => c.type !== "idle")) {
    time++;
    const clientId = random.int(0, options.clientCount);
    const phase = clients[clientId] ?? IDLE;
    switch (phase.type) {
      case "idle":
        if (calledCount === options.operationCount) break;
        calledCount++;
        clients[clientId] = { type: "called", callTime: time, input: randomInput(source) };
        break;
      case "called":
        if (random.chance(options.pendingProbability)) {
          if (random.chance(0.5)) applyToStore(store, phase.input);
          history.push({ ...callOf(clientId, phase), outcome: { type: "pending" } });
          clients[clientId] = IDLE;
        } else {
          clients[clientId] = {
            ...phase,
            type: "applied",
            output: applyToStore(store, phase.input),
          };
        }
        break;
      case "applied":
        history.push({
          ...callOf(clientId, phase),
          outcome: { type: "returned", returnTime: time, output: phase.output },
        });
        clients[clientId] = IDLE;
        break;
      default:
        unreachable(phase);
    }
  }
  return history;
}

const IDLE: ClientPhase = { type: "idle" };

function callOf(clientId: number, phase: { callTime: number; input: KvInput }) {
  return { clientId, callTime: phase.callTime, input: phase.input };
}

interface InputSource {
  readonly options: KvHistoryOptions;
  readonly store: ReadonlyMap<string, string>;
  /** Values written so far; the next write writes `v<count + 1>`, a value never seen before. */
  writtenCount: number;
}

function randomInput(source: InputSource): KvInput {
  const { options, store } = source;
  const { random } = options;
  const freshValue = () => {
    source.writtenCount++;
    return `v${source.writtenCount}`;
  };
  const key = `k${random.int(0, options.keyCount)}`;
  const roll = random.nextFloat();
  if (roll < 0.45) return { type: "get", key };
  if (roll < 0.85) return { type: "put", key, value: freshValue() };
  // Expect the current value most of the time so that some swaps succeed.
  const expected = random.chance(0.6) ? (store.get(key) ?? null) : random.pick([null, "v1"]);
  return { type: "cas", key, expected, value: freshValue() };
}

/** A second, independent statement of the store's semantics (the model is the first). */
function applyToStore(store: Map<string, string>, input: KvInput): KvOutput {
  const current = store.get(input.key) ?? null;
  switch (input.type) {
    case "put":
      store.set(input.key, input.value);
      return { type: "put" };
    case "get":
      return { type: "get", value: current };
    case "cas":
      if (current !== input.expected) return { type: "cas", isSwapped: false };
      store.set(input.key, input.value);
      return { type: "cas", isSwapped: true };
    default:
      return unreachable(input);
  }
}

export interface PlantedStaleRead {
  readonly history: KvOperation[];
  /** Index in `history` of the get whose output was changed. */
  readonly readIndex: number;
  readonly staleValue: string | null;
}

/**
 * Changes one completed get to return a value it provably cannot: a value v written by W,
 * where some other write W2 that surely took effect (a put or a successful cas, returned)
 * starts after W returns and returns before the get starts. W then precedes W2 precedes the
 * get in every linearization, values are never written twice, so the get cannot see v.
 * `null` is impossible after any such write. Returns undefined if no get qualifies.
 */
export function plantStaleRead(
  history: readonly KvOperation[],
  random: Random,
): PlantedStaleRead | undefined {
  const candidates: { readIndex: number; staleValue: string | null }[] = [];
  history.forEach((read, readIndex) => {
    if (read.input.type !== "get" || read.outcome.type !== "returned") return;
    const writes = history.filter((w) => w.input.key === read.input.key && isSureWrite(w));
    // The sure write that returns before the read and starts last excludes the most values.
    const before = writes.filter((w) => returnTimeOf(w) < read.callTime);
    if (before.length === 0) return;
    const latestStart = Math.max(...before.map((w) => w.callTime));
    candidates.push({ readIndex, staleValue: null });
    for (const write of writes) {
      if (returnTimeOf(write) < latestStart)
        candidates.push({ readIndex, staleValue: writtenValueOf(write) });
    }
  });
  if (candidates.length === 0) return undefined;
  const { readIndex, staleValue } = random.pick(candidates);
  const read = history[readIndex];
  assert(read?.outcome.type === "returned", "the planted read returned");
  assert(read.outcome.output.type === "get", "the planted read is a get");
  assert(read.outcome.output.value !== staleValue, "a legal read already returned the value");
  const planted: KvOperation = {
    ...read,
    outcome: { ...read.outcome, output: { type: "get", value: staleValue } },
  };
  return {
    history: history.map((op, i) => (i === readIndex ? planted : op)),
    readIndex,
    staleValue,
  };
}

/** A write that took effect in every linearization: a returned put or successful cas. */
function isSureWrite(operation: KvOperation): boolean {
  const { input, outcome } = operation;
  if (outcome.type !== "returned") return false;
  if (input.type === "put") return true;
  return outcome.output.type === "cas" && outcome.output.isSwapped;
}

function returnTimeOf(operation: KvOperation): number {
  assert(operation.outcome.type === "returned", "only returned operations have a return time");
  return operation.outcome.returnTime;
}

function writtenValueOf(write: KvOperation): string {
  assert(write.input.type !== "get", "a get writes nothing");
  return write.input.value;
}

const SMALL_KEYS = ["a", "b"] as const;
const SMALL_VALUES = ["1", "2", "3"] as const;
const SMALL_VALUES_OR_NIL = [null, ...SMALL_VALUES] as const;

export interface ArbitraryKvHistoryOptions {
  readonly random: Random;
  readonly operationCount: number;
  readonly pendingProbability: number;
}

/**
 * A small history with random intervals, inputs and outputs: often not linearizable, sometimes
 * so. Two keys and three values keep both verdicts common. For comparing the checker with the
 * brute-force oracle.
 */
export function generateArbitraryKvHistory(options: ArbitraryKvHistoryOptions): KvOperation[] {
  const { random } = options;
  return Array.from({ length: options.operationCount }, (): KvOperation => {
    const clientId = random.int(0, 4);
    const callTime = random.int(0, 20);
    const input = arbitraryInput(random);
    if (random.chance(options.pendingProbability)) {
      return { clientId, callTime, input, outcome: { type: "pending" } };
    }
    const returnTime = callTime + random.int(0, 12);
    const output = arbitraryOutput(random, input);
    return { clientId, callTime, input, outcome: { type: "returned", returnTime, output } };
  });
}

function arbitraryInput(random: Random): KvInput {
  const key = random.pick(SMALL_KEYS);
  const value = random.pick(SMALL_VALUES);
  const roll = random.nextFloat();
  if (roll < 0.4) return { type: "put", key, value };
  if (roll < 0.8) return { type: "get", key };
  return { type: "cas", key, expected: random.pick(SMALL_VALUES_OR_NIL), value };
}

function arbitraryOutput(random: Random, input: KvInput): KvOutput {
  switch (input.type) {
    case "put":
      return { type: "put" };
    case "get":
      return { type: "get", value: random.pick(SMALL_VALUES_OR_NIL) };
    case "cas":
      return { type: "cas", isSwapped: random.chance(0.5) };
    default:
      return unreachable(input);
  }
}
