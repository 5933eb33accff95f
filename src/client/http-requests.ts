// The request side of the HTTP API: what the client sends for a start, as fields and headers.

import type { GroupId } from "../lib/index.ts";
import {
  type StartWorkflowRequest,
  TRACEPARENT_HEADER,
  traceparentOf,
} from "../transport/index.ts";
import type { Json } from "./http-answers.ts";

/** An optional cluster id as a query parameter or body field: left out when absent. */
export function clusterParam(id: GroupId | undefined): { execution_cluster_id?: string } {
  return id === undefined ? {} : { execution_cluster_id: String(id) };
}

/** What /workflow/execute and /workflow/run take to start a workflow. */
export function startFields(request: StartWorkflowRequest): Json {
  return {
    name: request.workflowType,
    version: request.version,
    input: JSON.stringify(request.input),
    ...clusterParam(request.executionClusterId),
    ...(request.workflowId === undefined ? {} : { workflow_id: request.workflowId }),
  };
}

export function traceHeaders(request: StartWorkflowRequest): Record<string, string> {
  return request.traceId === undefined
    ? {}
    : { [TRACEPARENT_HEADER]: traceparentOf(request.traceId) };
}
