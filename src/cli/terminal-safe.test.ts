import { expect, test } from "bun:test";
import { oneLine, terminalSafe } from "./terminal-safe.ts";

test("control characters are written as escapes; tabs, newlines and other text stay", () => {
  expect(terminalSafe("\u001b[31mred\u001b[0m\r\u0007\u007f\u009b2J")).toBe(
    "\\u001b[31mred\\u001b[0m\\u000d\\u0007\\u007f\\u009b2J",
  );
  expect(terminalSafe("a\tb\nc é ✓ 日本")).toBe("a\tb\nc é ✓ 日本");
});

test("JSON output stays valid and keeps its values", () => {
  const value = { reason: "x\u007fy\u0085z", ok: true };
  expect(JSON.parse(terminalSafe(JSON.stringify(value)))).toEqual(value);
});

test("oneLine writes newlines as \\n and leaves the rest to terminalSafe", () => {
  expect(oneLine("a\nb\tc\u001b")).toBe("a\\nb\tc\u001b");
  expect(terminalSafe(oneLine("a\r\nb"))).toBe("a\\u000d\\nb");
});
