// What the protocol clients make of a node's answer: decimal cluster ids, JSON text, and
// outcomes, including those of a node older than the error_name field.

import { describe, expect, test } from "bun:test";
import { groupId } from "../lib/index.ts";
import { failureOfWire, groupOfWire, jsonOfWire, outcomeOfWire } from "./wire-values.ts";

describe("wire values", () => {
  test("a cluster id is decimal text; anything else reads as 0", () => {
    expect(groupOfWire("12")).toBe(groupId(12));
    expect(groupOfWire(3)).toBe(groupId(3));
    expect(groupOfWire("x")).toBe(groupId(0));
    expect(groupOfWire("-1")).toBe(groupId(0));
  });

  test("JSON text becomes its value; malformed text is INTERNAL, naming the field", () => {
    expect(jsonOfWire('{"a":[1,"x"]}', "result_json")).toEqual({ a: [1, "x"] });
    expect(() => jsonOfWire("{oops", "result_json")).toThrow(
      expect.objectContaining({
        code: "INTERNAL",
        message: "the node's answer has malformed JSON in 'result_json'",
      }),
    );
  });

  test("a completed outcome carries the output; no result text is the output null", () => {
    const fields = { error: undefined, errorCode: undefined, errorName: undefined };
    expect(outcomeOfWire({ success: true, resultJson: '"pong"', ...fields })).toEqual({
      success: true,
      output: "pong",
    });
    expect(outcomeOfWire({ success: true, resultJson: undefined, ...fields })).toEqual({
      success: true,
      output: null,
    });
  });

  test("a failed outcome carries name, message and code; an older node's has no name", () => {
    const failed = outcomeOfWire({
      success: false,
      resultJson: undefined,
      error: "workflow w was cancelled",
      errorCode: "CANCELLED",
      errorName: "CancelledError",
    });
    expect(failed).toEqual({
      success: false,
      failure: { name: "CancelledError", message: "workflow w was cancelled", code: "CANCELLED" },
    });
    expect(failureOfWire("boom", undefined, undefined)).toEqual({ name: "Error", message: "boom" });
  });
});
