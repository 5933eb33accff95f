import { expect, test } from "bun:test";
import { isJsonDepthWithin, JSON_DEPTH_MAX, parseJsonText, toJsonValue } from "./json.ts";

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

test("a function or symbol anywhere in a value is refused, naming where, not dropped", () => {
  const cases: [unknown, string][] = [
    [{ f: () => 1, a: 1 }, "the output is not JSON: 'f' holds a function"],
    [[() => 1], "the output is not JSON: '0' holds a function"],
    [{ deep: { s: Symbol("x") } }, "the output is not JSON: 's' holds a symbol"],
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
