import { describe, expect, test } from "bun:test";
import {
  type CheckResult,
  checkLinearizability,
  HistoryRecorder,
  type Model,
  type Operation,
} from "./linearizability.ts";
import { type KvInput, type KvOutput, kvModel, parseKvHistory } from "./linearizability-kv.ts";

// Porcupine's register: a single integer, initially 0, with put and get (its README and
// porcupine_test.go). No partition function, so the whole history is one partition.
type RegisterInput = { readonly type: "put"; readonly value: number } | { readonly type: "get" };

const registerModel: Model<number, RegisterInput, number> = {
  init: () => 0,
  step: (state, input, outcome) =>
    input.type === "put"
      ? { ok: true, state: input.value }
      : { ok: outcome.type === "pending" || outcome.output === state, state },
  equal: (a, b) => a === b,
  hash: (state) => state,
};

type RegisterOperation = Operation<RegisterInput, number>;

/** put(value) by `clientId` over [callTime, returnTime]. */
function put(value: number, clientId: number, [callTime, returnTime]: Interval) {
  const input: RegisterInput = { type: "put", value };
  return returned({ clientId, callTime, input }, returnTime, 0);
}

/** get() -> output by `clientId` over [callTime, returnTime]. */
function get(output: number, clientId: number, [callTime, returnTime]: Interval) {
  return returned({ clientId, callTime, input: { type: "get" } }, returnTime, output);
}

type Interval = readonly [number, number];

function returned(
  call: Omit<RegisterOperation, "outcome">,
  returnTime: number,
  output: number,
): RegisterOperation {
  return { ...call, outcome: { type: "returned", returnTime, output } };
}

/** `count` puts of 1..count, all concurrent, then a get of a value nobody wrote: the search
 * must try every order of the puts before it can say no. */
function hardRegisterHistory(count: number): RegisterOperation[] {
  const puts = Array.from({ length: count }, (_, i) => put(i + 1, i, [0, 100]));
  return [...puts, get(999, count, [200, 210])];
}

/** Like hardRegisterHistory, on one key of the kv store. */
function hardKvLines(key: string, count: number): string {
  const puts = Array.from({ length: count }, (_, i) => `c${i} 0 100 put ${key} v${i}`);
  return [...puts, `c${count} 200 210 get ${key} -> never-written`].join("\n");
}

function verdict<Input, Output>(result: CheckResult<Input, Output>): boolean | "unknown" {
  return result.ok;
}

describe("Porcupine's register examples", () => {
  test("a get may see a concurrent put or not (README example 1)", () => {
    const history = [put(100, 0, [0, 100]), get(100, 1, [25, 75]), get(0, 2, [30, 60])];
    expect(verdict(checkLinearizability(registerModel, history))).toBe(true);
  });

  test("once a get saw the put, a later get cannot miss it (README example 2)", () => {
    const history = [put(200, 0, [0, 100]), get(200, 1, [10, 30]), get(0, 2, [40, 90])];
    const result = checkLinearizability(registerModel, history);
    expect(verdict(result)).toBe(false);
  });

  test("zero-length operations are allowed (TestZeroDuration)", () => {
    const linearizable = [
      put(100, 0, [0, 100]),
      get(100, 1, [25, 75]),
      get(0, 2, [30, 30]),
      get(0, 3, [30, 30]),
    ];
    expect(verdict(checkLinearizability(registerModel, linearizable))).toBe(true);
    const violation = [
      put(200, 0, [0, 100]),
      get(200, 1, [10, 10]),
      get(200, 2, [10, 10]),
      get(0, 3, [40, 90]),
    ];
    expect(verdict(checkLinearizability(registerModel, violation))).toBe(false);
  });

  test("the empty history is linearizable", () => {
    expect(checkLinearizability(registerModel, [])).toEqual({ ok: true, steps: 0 });
  });
});

describe("real-time order", () => {
  test("intervals are closed: a call at the tick of a return overlaps it", () => {
    const touching = parseKvHistory(`
      c1 0 10 put x 1
      c2 10 20 get x -> nil
    `);
    expect(verdict(checkLinearizability(kvModel, touching))).toBe(true);
    const apart = parseKvHistory(`
      c1 0 10 put x 1
      c2 11 20 get x -> nil
    `);
    expect(verdict(checkLinearizability(kvModel, apart))).toBe(false);
  });

  test("the order of operations in the history array does not matter", () => {
    const history = parseKvHistory(`
      c1 0 10  put x 1
      c2 20 30 put x 2
      c3 5 40  get x -> 1
      c4 35 45 get x -> 2
    `);
    expect(verdict(checkLinearizability(kvModel, history))).toBe(true);
    expect(verdict(checkLinearizability(kvModel, [...history].reverse()))).toBe(true);
  });
});

describe("reports", () => {
  test("a violation names the longest prefix, the state and the operations that cannot go next", () => {
    const history = parseKvHistory(`
      c1 0 10  put x 1
      c1 20 30 put x 2
      c2 40 50 get x -> 1
    `);
    const result = checkLinearizability(kvModel, history);
    if (result.ok !== false) throw new Error(`expected a violation, got ${JSON.stringify(result)}`);
    expect(result.partition).toBe("key x");
    expect(result.longestPrefix).toEqual(history.slice(0, 2));
    expect(result.stateAfterPrefix).toBe('"2"');
    expect(result.unplaced).toEqual(history.slice(2));
    expect(result.explanation).toBe(
      [
        "partition key x: not linearizable.",
        "Longest linearizable prefix: 2 of 3 operations, in order:",
        "  1. client 1 [0, 10] put(x, 1)",
        "  2. client 1 [20, 30] put(x, 2)",
        'State after the prefix: "2".',
        "Returned operations that real time allows next, none of which leads anywhere:",
        "  client 2 [40, 50] get(x) -> 1: impossible here",
        "client 2 [40, 50] get(x) -> 1 had to take effect by its return at tick 50.",
      ].join("\n"),
    );
  });

  test("without describe hooks operations and states are shown as JSON", () => {
    const history = [put(1, 0, [0, 10]), get(2, 1, [20, 30])];
    const result = checkLinearizability(registerModel, history);
    if (result.ok !== false) throw new Error("expected a violation");
    expect(result.explanation).toContain('client 1 [20, 30] {"type":"get"} -> 2');
    expect(result.stateAfterPrefix).toBe("1");
  });

  test("long prefixes are shortened in the text but kept whole in the result", () => {
    const lines = Array.from({ length: 30 }, (_, i) => `c1 ${i * 10} ${i * 10 + 5} put x v${i}`);
    const history = parseKvHistory([...lines, "c2 400 410 get x -> v3"].join("\n"));
    const result = checkLinearizability(kvModel, history);
    if (result.ok !== false) throw new Error("expected a violation");
    expect(result.longestPrefix).toHaveLength(30);
    expect(result.explanation).toContain("  ... 18 earlier operations\n  19. client 1");
  });
});

describe("the step budget", () => {
  test("a hard history within budget gets a definite answer", () => {
    const result = checkLinearizability(registerModel, hardRegisterHistory(10));
    expect(verdict(result)).toBe(false);
    expect(result.steps).toBeGreaterThan(10_000);
  });

  test("past the budget the answer is unknown, never a hang and never a pass", () => {
    const result = checkLinearizability(registerModel, hardRegisterHistory(10), {
      stepsMax: 1_000,
    });
    expect(result).toMatchObject({ ok: "unknown", steps: 1_000, partitions: ["all"] });
    if (result.ok !== "unknown") throw new Error("expected unknown");
    expect(result.explanation).toContain("budget of 1000 steps ran out in partitions all");
  });

  test("an undecided partition does not hide a violation in a later one", () => {
    const hard = hardKvLines("hard", 12);
    const staleRead = "c1 0 10 put easy 1\nc1 20 30 put easy 2\nc2 40 50 get easy -> 1";
    const options = { stepsMax: 5_000 };
    const violation = checkLinearizability(
      kvModel,
      parseKvHistory(`${hard}\n${staleRead}`),
      options,
    );
    expect(violation).toMatchObject({ ok: false, partition: "key easy" });
    const fine = "c1 0 10 put easy 1\nc2 40 50 get easy -> 1";
    const undecided = checkLinearizability(kvModel, parseKvHistory(`${hard}\n${fine}`), options);
    expect(undecided).toMatchObject({ ok: "unknown", partitions: ["key hard"] });
  });
});

describe("inputs are validated", () => {
  test("a return before the call is a bug in the history", () => {
    expect(() => checkLinearizability(registerModel, [put(1, 0, [10, 5])])).toThrow(
      "history[0]: returns at 5, before its call at 10",
    );
  });

  test("times must be integers", () => {
    expect(() => checkLinearizability(registerModel, [put(1, 0, [0.5, 5])])).toThrow(
      "history[0]: callTime must be an integer",
    );
  });

  test("the budget must be positive", () => {
    expect(() => checkLinearizability(registerModel, [], { stepsMax: 0 })).toThrow("positive");
  });

  test("a partition function that drops operations is a bug", () => {
    const lossy: Model<number, RegisterInput, number> = {
      ...registerModel,
      partition: (history) => [{ label: "first", operations: history.slice(0, 1) }],
    };
    const history = [put(1, 0, [0, 5]), get(1, 1, [6, 7])];
    expect(() => checkLinearizability(lossy, history)).toThrow("partitions hold 1 of 2");
  });
});

describe("HistoryRecorder", () => {
  test("unanswered calls become pending and failed calls leave the history", () => {
    const recorder = new HistoryRecorder<KvInput, KvOutput>();
    const write = recorder.invoke({
      clientId: 1,
      callTime: 0,
      input: { type: "put", key: "x", value: "1" },
    });
    const lost = recorder.invoke({
      clientId: 2,
      callTime: 1,
      input: { type: "put", key: "x", value: "2" },
    });
    const read = recorder.invoke({ clientId: 3, callTime: 2, input: { type: "get", key: "x" } });
    const timedOut = recorder.invoke({
      clientId: 4,
      callTime: 3,
      input: { type: "get", key: "x" },
    });
    recorder.complete({ operation: read, returnTime: 9, output: { type: "get", value: "1" } });
    recorder.complete({ operation: write, returnTime: 10, output: { type: "put" } });
    recorder.fail(lost);
    const history = recorder.history();
    expect(history.map((op) => [op.clientId, op.outcome.type])).toEqual([
      [1, "returned"],
      [3, "returned"],
      [4, "pending"],
    ]);
    expect(verdict(checkLinearizability(kvModel, history))).toBe(true);
    expect(() => recorder.fail(timedOut + 1)).toThrow("never invoked");
    expect(() => recorder.fail(write)).toThrow("already ended");
    expect(() =>
      recorder.complete({ operation: timedOut, returnTime: 2, output: { type: "put" } }),
    ).toThrow("returns too early");
  });
});
