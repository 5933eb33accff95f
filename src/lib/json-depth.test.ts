import { expect, test } from "bun:test";
import { isJsonDepthWithin, JSON_DEPTH_MAX } from "./json-depth.ts";

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
