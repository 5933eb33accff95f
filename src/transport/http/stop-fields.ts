// POST /workflow/cancel and /workflow/terminate: the routes, the request body's gateway and
// the answer's shape. Kept apart from http-app.ts, request-fields.ts and response-fields.ts
// so those stay small.

import type { Context, Hono } from "hono";
import {
  type NodeApi,
  requiredText,
  type StopWorkflowRequest,
  type StopWorkflowResult,
} from "../index.ts";
import { objectBody, optionalClusterId, optionalText } from "./request-fields.ts";

/** Adds both routes to `app`; `readBody` reads a client route's JSON body within its limits. */
export function addStopRoutes(
  app: Hono,
  api: NodeApi,
  readBody: (c: Context) => Promise<unknown>,
): void {
  // The client's disconnect aborts this signal (Bun.serve), and with it the NodeApi call.
  app.post("/workflow/cancel", async (c) => {
    const request = parseStopRequest(await readBody(c));
    return c.json(stoppedJson(await api.cancelWorkflow(request, { signal: c.req.raw.signal })));
  });
  app.post("/workflow/terminate", async (c) => {
    const request = parseStopRequest(await readBody(c));
    const stopped = await api.terminateWorkflow(request, { signal: c.req.raw.signal });
    return c.json(stoppedJson(stopped));
  });
}

const STOP_EXAMPLE = `{"workflow_id": "order-1", "reason": "the customer withdrew"}`;

/**
 * `{workflow_id, execution_cluster_id?, reason?}`: the id is required; a cluster id is a
 * decimal id (text or number); a reason is text. The node checks the id's syntax and the
 * reason's length.
 */
export function parseStopRequest(body: unknown): StopWorkflowRequest {
  const fields = objectBody(body, STOP_EXAMPLE);
  const workflowId = requiredText(fields.workflow_id, "workflow_id", "the workflow to stop");
  const reason = optionalText(fields, "reason", "no longer needed");
  return {
    workflowId,
    ...optionalClusterId(fields),
    ...(reason === undefined || reason === "" ? {} : { reason }),
  };
}

/** The answer: where the workflow is, its status once the request was applied, a repeat. */
export function stoppedJson(result: StopWorkflowResult) {
  return {
    success: true,
    workflow_id: result.workflowId,
    execution_cluster_id: String(result.executionClusterId),
    status: result.status,
    duplicate: result.isDuplicate,
    error: null,
  };
}
