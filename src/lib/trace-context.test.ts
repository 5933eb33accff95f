import { describe, expect, test } from "bun:test";
import { seededRandom } from "./random.ts";
import { isTraceId, newTraceId, traceIdOf } from "./trace-context.ts";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";

describe("traceparent", () => {
  test("the trace id of a version-00 header", () => {
    expect(traceIdOf(`00-${TRACE}-00f067aa0ba902b7-01`)).toBe(TRACE);
    expect(traceIdOf(` 00-${TRACE}-00f067aa0ba902b7-00 `)).toBe(TRACE);
  });

  test("a later version may carry more fields after the flags", () => {
    expect(traceIdOf(`01-${TRACE}-00f067aa0ba902b7-01-what-comes-next`)).toBe(TRACE);
  });

  test.each([
    ["absent", undefined],
    ["empty", ""],
    ["version ff", `ff-${TRACE}-00f067aa0ba902b7-01`],
    ["version 00 with more fields", `00-${TRACE}-00f067aa0ba902b7-01-x`],
    ["upper-case hex", `00-${TRACE.toUpperCase()}-00f067aa0ba902b7-01`],
    ["all-zero trace id", `00-${"0".repeat(32)}-00f067aa0ba902b7-01`],
    ["all-zero parent id", `00-${TRACE}-${"0".repeat(16)}-01`],
    ["short trace id", `00-${TRACE.slice(1)}-00f067aa0ba902b7-01`],
    ["not a header at all", "hello"],
  ])("is ignored when %s", (_, header) => {
    expect(traceIdOf(header)).toBeUndefined();
  });

  test("a new trace id is valid and fresh, and reads back from a header", () => {
    const random = seededRandom(7);
    const first = newTraceId(random);
    expect(isTraceId(first)).toBe(true);
    expect(newTraceId(random)).not.toBe(first);
    expect(newTraceId(seededRandom(7))).toBe(first);
    expect(traceIdOf(`00-${first}-00f067aa0ba902b7-01`)).toBe(first);
  });
});
