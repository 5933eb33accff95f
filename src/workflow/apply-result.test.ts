import { expect, test } from "bun:test";
import { isApplyResult } from "./apply-result.ts";

test("every kind of apply result is recognised, and nothing else", () => {
  expect(isApplyResult({ type: "adopted", count: 2 })).toBe(true);
  expect(isApplyResult({ type: "cancelRequested", workflowId: "w" })).toBe(true);
  expect(isApplyResult({ type: "refused", reason: "limit" })).toBe(true);
  expect(isApplyResult({ type: "toString" })).toBe(false);
  expect(isApplyResult({ type: "pruned" })).toBe(false);
  expect(isApplyResult("adopted")).toBe(false);
  expect(isApplyResult(null)).toBe(false);
});
