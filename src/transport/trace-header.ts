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
  const [high = 0, low = 0] = crypto.getRandomValues(new Uint32Array(2));
  const spanId = [high, (low | 1) >>> 0].map((word) => word.toString(16).padStart(8, "0"));
  return `00-${traceId}-${spanId.join("")}-01`;
}
