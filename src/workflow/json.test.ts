import { describe, expect, test } from "bun:test";
import { canonicalJson, isJsonValue, type JsonValue, jsonEquals, toJsonValue } from "./json.ts";

describe("JSON values", () => {
  test("toJsonValue returns what the log will read back", () => {
    expect(toJsonValue({ a: 1, b: undefined, c: [1, undefined] }, "x")).toEqual({
      a: 1,
      c: [1, null],
    });
    expect(toJsonValue(new Date(0), "x")).toBe("1970-01-01T00:00:00.000Z");
    expect(toJsonValue(Number.NaN, "x")).toBeNull();
    expect(toJsonValue(undefined, "x")).toBeUndefined();
  });

  test("toJsonValue refuses what JSON cannot hold, naming it", () => {
    const cycle: { self?: unknown } = {};
    cycle.self = cycle;
    for (const value of [10n, cycle, () => 1, Symbol("s")]) {
      expect(() => toJsonValue(value, "the result")).toThrow(/the result is not JSON/);
    }
  });

  test("isJsonValue accepts parsed JSON only", () => {
    expect(isJsonValue({ a: [1, "x", null, true, { b: -0.5 }] })).toBe(true);
    for (const value of [
      undefined,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      new Date(),
      [undefined],
      () => 1,
      1n,
    ]) {
      expect(isJsonValue(value)).toBe(false);
    }
    let deep: unknown = 1;
    for (let k = 0; k < 100; k++) deep = [deep];
    expect(isJsonValue(deep)).toBe(false);
  });

  test("canonical JSON ignores key order", () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: 3 } })).toBe('{"a":{"c":3,"d":2},"b":1}');
    expect(jsonEquals({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe(true);
    // A "__proto__" key, as JSON.parse gives it, is a key like any other.
    const withProto = JSON.parse('{"order":1,"__proto__":{"coupon":"FREE"}}') as JsonValue;
    expect(canonicalJson(withProto)).toBe('{"__proto__":{"coupon":"FREE"},"order":1}');
    expect(jsonEquals(withProto, { order: 1 })).toBe(false);
    expect(jsonEquals({ a: 1 }, { a: 2 })).toBe(false);
    expect(jsonEquals(undefined, null)).toBe(false);
  });
});
