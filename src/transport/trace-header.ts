// The W3C `traceparent` header (HTTP) or metadata key (gRPC) a start may carry. Both gateways
// read it the same way; a malformed one is ignored (the node then starts a new trace).

import { type TraceId, traceIdOf } from "../lib/index.ts";
import type { StartWorkflowRequest } from "./node-api.ts";

export const TRACEPARENT_HEADER = "traceparent";

/** `request` with the trace id of `traceparent`, if that is a valid header. */
export function withTraceOf(
  request: StartWorkflowRequest,
  traceparent: string | undefined,
): StartWorkflowRequest {
  const traceId = traceIdOf(traceparent);
  return traceId === undefined ? request : { ...request, traceId };
}

/** A `traceparent` header continuing trace `traceId` from a new span of this caller. */
export function traceparentOf(traceId: TraceId): string {
  // The span id only has to be non-zero and differ between calls; nothing records it.
  return `00-${traceId}-${randomHex(2)}-01`;
}

/** A new trace: a client's start under its caller's id sends it with every attempt. */
export function newCallTraceId(): TraceId {
  return randomHex(4);
}

/** `words` random 32-bit words in hex, never all zeros (W3C forbids a zero id). */
function randomHex(words: number): string {
  const values = crypto.getRandomValues(new Uint32Array(words));
  values[words - 1] = (values[words - 1] ?? 0) | 1;
  return [...values].map((word) => word.toString(16).padStart(8, "0")).join("");
}
