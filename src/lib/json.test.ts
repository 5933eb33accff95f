import { expect, test } from "bun:test";
import {
  isJsonDepthWithin,
  isJsonLargerThan,
  JSON_DEPTH_MAX,
  parseJsonText,
  toJsonValue,
} from "./json.ts";
import { type Random, seededRandom } from "./random.ts";

const nested = (depth: number, leaf: unknown = 1): unknown => {
  let value = leaf;
  for (let k = 0; k < depth; k++) value = k % 2 === 0 ? [value] : { key: value };
  return value;
};

test("values up to the limit pass, one level more does not", () => {
  expect(isJsonDepthWithin(nested(JSON_DEPTH_MAX))).toBe(true);
  expect(isJsonDepthWithin(nested(JSON_DEPTH_MAX + 1))).toBe(false);
  expect(isJsonDepthWithin("text")).toBe(true);
  expect(isJsonDepthWithin(nested(3), 2)).toBe(false);
  expect(isJsonDepthWithin({ a: [1, { b: null }], c: "x" }, 3)).toBe(true);
});

test("an absurd depth is answered without overflowing the stack", () => {
  const deep = JSON.parse(`${"[".repeat(100_000)}${"]".repeat(100_000)}`);
  expect(isJsonDepthWithin(deep)).toBe(false);
});

test("a value too deep for JSON.stringify's stack is refused by the depth rule", () => {
  const deep = JSON.parse(`${"[".repeat(100_000)}${"]".repeat(100_000)}`);
  expect(() => toJsonValue(deep, "the input")).toThrow(
    "the input nests arrays or objects deeper than 64 levels; flatten it",
  );
});

test("parseJsonText gives INVALID_ARGUMENT naming the field, for bad syntax and for depth", () => {
  expect(parseJsonText('"ping"', "input_json")).toBe("ping");
  expect(() => parseJsonText("{oops", "input_json")).toThrow(
    expect.objectContaining({
      code: "INVALID_ARGUMENT",
      message: expect.stringContaining("input_json"),
    }),
  );
  const deep = `${"[".repeat(JSON_DEPTH_MAX + 2)}${"]".repeat(JSON_DEPTH_MAX + 2)}`;
  expect(() => parseJsonText(deep, "input_json")).toThrow(
    /input_json nests arrays or objects deeper/,
  );
});

test("a function, symbol or bigint anywhere in a value is refused, naming where", () => {
  const cases: [unknown, string][] = [
    [{ f: () => 1, a: 1 }, "the output is not JSON: 'f' holds a function"],
    [[() => 1], "the output is not JSON: '0' holds a function"],
    [{ deep: { s: Symbol("x") } }, "the output is not JSON: 's' holds a symbol"],
    // JSON.stringify's own refusal named neither ("cannot serialize BigInt").
    [{ v: 10n }, "the output is not JSON: 'v' holds the bigint 10n, which JSON cannot hold"],
    [[1, 2n], "the output is not JSON: '1' holds the bigint 2n"],
    [7n, "the output is not JSON: it is the bigint 7n"],
  ];
  for (const [value, message] of cases) {
    expect(() => toJsonValue(value, "the output")).toThrow(
      expect.objectContaining({
        code: "INVALID_ARGUMENT",
        message: expect.stringContaining(message),
      }),
    );
  }
  expect(() => toJsonValue(() => 1, "the output")).toThrow(
    "the output is not JSON: got a function",
  );
  // What JSON itself defines stays: a missing field is dropped, a date becomes its text.
  const at = new Date(0);
  expect(toJsonValue({ gone: undefined, at, list: [undefined] }, "the output")).toEqual({
    at: at.toISOString(),
    list: [null],
  });
});

/** A random JSON-ish value from `random`: nested arrays and objects, strings, numbers. */
function randomValue(random: Random, depth: number): unknown {
  const roll = random.int(0, depth > 3 ? 3 : 6);
  if (roll === 0) return random.int(-1_000_000, 1_000_000) / random.int(1, 7);
  if (roll === 1) return 'é\\"x'.repeat(random.int(0, 4)) + String(random.int(0, 99));
  if (roll === 2) return random.chance(0.5) ? null : random.chance(0.5);
  if (roll === 3) return random.chance(0.5) ? new Date(0) : undefined;
  const size = random.int(0, 5);
  if (roll === 4) return Array.from({ length: size }, () => randomValue(random, depth + 1));
  const object: Record<string, unknown> = {};
  for (let k = 0; k < size; k++)
    object[`k${k}`.repeat(random.int(1, 3))] = randomValue(random, depth + 1);
  return object;
}

test("isJsonLargerThan never says larger of a value whose JSON fits", () => {
  const random = seededRandom(7);
  for (let k = 0; k < 2_000; k++) {
    const value = randomValue(random, 0);
    const text = JSON.stringify(value);
    // Nothing at all (undefined at the top): toJsonValue answers that before any bound.
    if (text === undefined) continue;
    const bytes = Buffer.byteLength(text);
    const bound = random.int(0, 200);
    if (isJsonLargerThan(value, bound)) expect(bytes).toBeGreaterThan(bound);
    expect(isJsonLargerThan(value, bytes)).toBe(false);
  }
});

test("a value of many megabytes is told larger without writing it; shared parts count once", () => {
  const huge = Array.from({ length: 2_000_000 }, (_, k) => k);
  expect(isJsonLargerThan(huge, 1_048_576)).toBe(true);
  const wide = Object.fromEntries(huge.slice(0, 300_000).map((k) => [`key${k}`, k]));
  expect(isJsonLargerThan(wide, 1_048_576)).toBe(true);
  const shared = { text: "x".repeat(100) };
  expect(isJsonLargerThan([shared, shared], 150)).toBe(false);
  expect(isJsonLargerThan([shared, shared], 103)).toBe(true);
});

test("a property whose toJSON gives nothing counts for nothing, as JSON.stringify drops it", () => {
  const gone = { toJSON: () => undefined };
  const value: Record<string, unknown> = {};
  for (let k = 0; k < 200_000; k++) value[`k${k}`] = gone;
  expect(JSON.stringify(value)).toBe("{}");
  expect(isJsonLargerThan(value, 1_048_576)).toBe(false);
});
