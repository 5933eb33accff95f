import { describe, expect, test } from "bun:test";
import { checkLinearizability } from "./linearizability.ts";
import { kvModel, parseKvHistory } from "./linearizability-kv.ts";

// Each case is a history in parseKvHistory's text form: client, call tick, return tick (or
// `pending`), operation. Ticks are virtual time; `nil` is an absent key.

function verdictOf(text: string): boolean | "unknown" {
  return checkLinearizability(kvModel, parseKvHistory(text)).ok;
}

const LINEARIZABLE: readonly (readonly [string, string])[] = [
  [
    "concurrent puts may take effect in either order (1 last)",
    "c1 0 10 put x 1\n c2 0 10 put x 2\n c3 20 30 get x -> 1",
  ],
  [
    "concurrent puts may take effect in either order (2 last)",
    "c1 0 10 put x 1\n c2 0 10 put x 2\n c3 20 30 get x -> 2",
  ],
  [
    "reads during a put see the old value until one sees the new",
    "c1 0 50 put x 1\n c2 5 10 get x -> nil\n c3 10 20 get x -> 1\n c4 25 30 get x -> 1",
  ],
  [
    "overlapping reads may disagree about a concurrent put",
    "c1 0 10 put x 1\n c1 20 50 put x 2\n c2 22 40 get x -> 1\n c3 25 30 get x -> 2",
  ],
  [
    "a read overlapping several puts may see any of them",
    "c1 0 30 put x 1\n c2 0 30 put x 2\n c3 0 30 put x 3\n c4 5 25 get x -> 2\n c4 40 50 get x -> 3",
  ],
  ["a key nobody wrote reads as nil", "c1 0 10 put x 1\n c2 20 30 get y -> nil"],
  [
    "keys are independent registers",
    "c1 0 10 put x 1\n c1 20 30 put y 1\n c2 15 25 get y -> nil\n c2 26 40 get x -> 1",
  ],
  [
    "cas swaps when the expected value is there",
    "c1 0 10 put x 1\n c2 20 30 cas x 1 2 -> true\n c3 40 50 get x -> 2",
  ],
  ["cas from nil creates the key", "c1 0 10 cas x nil 1 -> true\n c2 20 30 get x -> 1"],
  [
    "of two racing cas from nil, one wins",
    "c1 0 10 cas x nil a -> true\n c2 0 10 cas x nil b -> false\n c3 20 30 get x -> a",
  ],
  [
    "a failed cas leaves the value alone",
    "c1 0 10 put x 1\n c2 20 30 cas x 5 2 -> false\n c3 40 50 get x -> 1",
  ],
];

const VIOLATIONS: readonly (readonly [string, string])[] = [
  [
    "stale read after a completed write",
    "c1 0 10 put x 1\n c1 20 30 put x 2\n c2 40 50 get x -> 1",
  ],
  ["read of nil after a completed write", "c1 0 10 put x 1\n c2 20 30 get x -> nil"],
  [
    "two reads observe values in an impossible order (new, then old)",
    "c1 0 10 put x 1\n c2 20 60 put x 2\n c3 25 30 get x -> 2\n c4 40 50 get x -> 1",
  ],
  ["read of a value never written", "c1 0 10 put x 1\n c2 5 15 get x -> 7"],
  [
    "lost write: an acknowledged, observed write vanishes and the older value returns",
    "c1 0 10 put x 1\n c2 20 30 put x 2\n c3 35 40 get x -> 2\n c3 50 60 get x -> 1",
  ],
  ["a read cannot see a write called after it returned", "c1 0 10 get x -> 1\n c2 20 30 put x 1"],
  [
    "each put takes effect once: reads cannot go 1, 2, 1",
    "c1 0 100 put x 1\n c2 0 100 put x 2\n c3 10 20 get x -> 1\n c3 30 40 get x -> 2\n c3 50 60 get x -> 1",
  ],
  ["two cas from nil cannot both win", "c1 0 10 cas x nil a -> true\n c2 0 10 cas x nil b -> true"],
  ["cas cannot fail when the value matched", "c1 0 10 put x 1\n c2 20 30 cas x 1 2 -> false"],
  [
    "a failed cas does not write",
    "c1 0 10 put x 1\n c2 20 30 cas x 5 2 -> false\n c3 40 50 get x -> 2",
  ],
];

const PENDING_LINEARIZABLE: readonly (readonly [string, string])[] = [
  ["a pending put may have taken effect", "c1 0 pending put x 1\n c2 5 10 get x -> 1"],
  [
    "a pending put may never take effect",
    "c1 0 pending put x 1\n c2 5 10 get x -> nil\n c2 100 110 get x -> nil",
  ],
  [
    "a pending put may take effect long after its call",
    "c1 0 pending put x 1\n c2 5 10 get x -> nil\n c2 100 110 get x -> 1",
  ],
  [
    "Knossos: a crashed write of 3 concurrent with a read of 3",
    "c0 0 10 get x -> 3\n c1 1 pending put x 3",
  ],
  [
    "a pending put may take effect after a later call's put",
    "c1 0 pending put x 1\n c2 0 10 put x 2\n c3 20 30 get x -> 1",
  ],
  [
    "a pending put may take effect between two reads of another value",
    "c1 0 pending put x 1\n c2 0 10 put x 2\n c3 20 30 get x -> 2\n c3 40 50 get x -> 1",
  ],
  [
    "a pending cas takes effect if its expected value is there",
    "c1 0 10 put x 1\n c2 20 pending cas x 1 2\n c3 30 40 get x -> 2",
  ],
  ["a pending get changes nothing", "c1 0 10 put x 1\n c2 5 pending get x\n c3 20 30 get x -> 1"],
  [
    "only pending operations",
    "c1 0 pending put x 1\n c2 0 pending cas x nil 2\n c3 0 pending get x",
  ],
];

const PENDING_VIOLATIONS: readonly (readonly [string, string])[] = [
  [
    "once seen, a pending put cannot be undone",
    "c1 0 pending put x 1\n c2 5 10 get x -> 1\n c2 20 30 get x -> nil",
  ],
  [
    "a pending put that took effect stays overwritten once its successor was seen",
    "c1 0 pending put x 1\n c2 0 10 put x 2\n c3 20 30 get x -> 1\n c3 40 50 get x -> 2",
  ],
  [
    "a pending put cannot take effect before its call",
    "c2 0 10 get x -> 1\n c1 20 pending put x 1",
  ],
  [
    "a pending put cannot take effect twice",
    "c1 0 10 put x 1\n c2 5 pending put x 2\n c3 20 30 get x -> 2\n c3 40 50 put x 3\n c3 60 70 get x -> 2",
  ],
  [
    "a pending cas cannot swap from a value that is not there",
    "c1 0 10 put x 1\n c2 20 pending cas x 5 2\n c3 30 40 get x -> 2",
  ],
];

describe("kv histories that are linearizable", () => {
  test.each(LINEARIZABLE)("%s", (_, history) => {
    expect(verdictOf(history)).toBe(true);
  });
});

describe("kv histories that are not linearizable", () => {
  test.each(VIOLATIONS)("%s", (_, history) => {
    expect(verdictOf(history)).toBe(false);
  });
});

describe("pending operations may or may not take effect, after their call", () => {
  test.each(PENDING_LINEARIZABLE)("%s", (_, history) => {
    expect(verdictOf(history)).toBe(true);
  });

  test.each(PENDING_VIOLATIONS)("%s", (_, history) => {
    expect(verdictOf(history)).toBe(false);
  });
});

describe("per-key partitions", () => {
  test("a violation names its key and involves only that key's operations", () => {
    const history = parseKvHistory(`
      c1 0 10  put x 1
      c1 20 30 put y 1
      c2 25 35 get x -> 1
      c1 40 50 put y 2
      c2 60 70 get y -> 1   # stale
      c3 60 70 get x -> 1
    `);
    const result = checkLinearizability(kvModel, history);
    expect(result).toMatchObject({ ok: false, partition: "key y" });
    if (result.ok !== false) throw new Error("expected a violation");
    expect(result.longestPrefix.map((op) => op.input.key)).toEqual(["y", "y"]);
    expect(result.unplaced).toEqual(history.slice(4, 5));
  });

  test("a clean history costs a number of steps linear in its length", () => {
    const lines = Array.from(
      { length: 100 },
      (_, i) => `c1 ${i * 10} ${i * 10 + 5} put k${i % 7} v${i}`,
    );
    const result = checkLinearizability(kvModel, parseKvHistory(lines.join("\n")));
    expect(result).toEqual({ ok: true, steps: 100 });
  });
});

describe("the text form of kv histories", () => {
  test("parses calls, returns, pending operations and nil", () => {
    expect(parseKvHistory("c7 3 pending cas x nil 2 # comment\n\nc2 4 9 get y -> nil")).toEqual([
      {
        clientId: 7,
        callTime: 3,
        input: { type: "cas", key: "x", expected: null, value: "2" },
        outcome: { type: "pending" },
      },
      {
        clientId: 2,
        callTime: 4,
        input: { type: "get", key: "y" },
        outcome: { type: "returned", returnTime: 9, output: { type: "get", value: null } },
      },
    ]);
  });

  test.each([
    ["x 0 10 put x 1", "client must look like c1"],
    ["c1 a 10 put x 1", "is not a tick"],
    ["c1 0 10 get x", 'write "-> output" after a get'],
    ["c1 0 pending get x -> 1", "a pending operation has no output"],
    ["c1 0 10 put x", "expected put k v, get k or cas k expected new"],
    ["c1 0 10 cas x 1 2 -> maybe", "cas returns true or false"],
  ])("rejects %s", (line, message) => {
    expect(() => parseKvHistory(line)).toThrow(message);
  });
});
