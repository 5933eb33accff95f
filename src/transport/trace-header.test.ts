import { expect, test } from "bun:test";
import { traceIdOf } from "../lib/index.ts";
import { traceparentOf } from "./trace-header.ts";

test("a traceparent made for a trace reads back as that trace, with a fresh span each time", () => {
  const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
  const first = traceparentOf(traceId);
  expect(traceIdOf(first)).toBe(traceId);
  expect(traceparentOf(traceId)).not.toBe(first);
});
