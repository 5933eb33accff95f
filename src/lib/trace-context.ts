// W3C Trace Context (https://www.w3.org/TR/trace-context/): the `traceparent` header a caller
// sends with a request, of which Raftoral keeps only the trace id. The id travels with a start
// into the workflow's log record, so every node's log lines about that workflow carry it.
// A header that does not parse is ignored, as the standard asks: the request gets a new trace.

import { InvalidArgumentError } from "./errors.ts";
import type { Random } from "./random.ts";

/** 32 lowercase hex digits, not all zero. */
export type TraceId = string;

const TRACE_ID = /^[0-9a-f]{32}$/;
const ALL_ZERO_TRACE = "0".repeat(32);
// version "-" trace-id "-" parent-id "-" flags; a later version may append "-" and more.
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

export function isTraceId(text: unknown): text is TraceId {
  return typeof text === "string" && TRACE_ID.test(text) && text !== ALL_ZERO_TRACE;
}

/** Returns `text` if it is a trace id; INVALID_ARGUMENT otherwise. */
export function checkTraceId(text: string): TraceId {
  if (!isTraceId(text)) {
    throw new InvalidArgumentError(
      `trace id '${text}' must be 32 lowercase hex digits, not all zero (the trace-id of a W3C traceparent)`,
    );
  }
  return text;
}

/** The trace id of a valid `traceparent` header; undefined when absent or malformed. */
export function traceIdOf(traceparent: string | null | undefined): TraceId | undefined {
  const match = TRACEPARENT.exec(traceparent?.trim() ?? "");
  if (match === null) return undefined;
  const [, version, traceId, parentId, , rest] = match;
  // Version ff is forbidden; version 00 has nothing after the flags.
  if (version === "ff" || (version === "00" && rest !== undefined)) return undefined;
  if (parentId === "0".repeat(16) || !isTraceId(traceId)) return undefined;
  return traceId;
}

/** A fresh trace id from `random`, for a request that came without one. */
export function newTraceId(random: Random): TraceId {
  const words = [
    random.nextU32(),
    random.nextU32(),
    random.nextU32(),
    (random.nextU32() | 1) >>> 0,
  ];
  return words.map((word) => word.toString(16).padStart(8, "0")).join("");
}
