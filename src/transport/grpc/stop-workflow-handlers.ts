// raftoral.WorkflowManagement/CancelWorkflow and TerminateWorkflow as thin adapters onto a
// NodeApi: check the request, make one call with the call's abort signal, shape the reply.
// Kept apart from node-api-handlers.ts so that file stays small.

import {
  clusterHint,
  type NodeApi,
  requiredText,
  type StopWorkflowRequest,
  type StopWorkflowResult,
} from "../index.ts";
import type { StopWorkflowMessage, StopWorkflowResponse } from "./raftoral-messages.ts";
import { WorkflowManagementMethods } from "./raftoral-methods.ts";
import type { GrpcServer } from "./server.ts";

/** Registers CancelWorkflow and TerminateWorkflow on `server`. */
export function registerStopWorkflow(server: GrpcServer, api: NodeApi): void {
  server.addUnary(WorkflowManagementMethods.cancelWorkflow, async (request, context) => {
    const stop = stopRequestOf(request, "the workflow to cancel");
    return stopResponse(await api.cancelWorkflow(stop, { signal: context.signal }));
  });
  server.addUnary(WorkflowManagementMethods.terminateWorkflow, async (request, context) => {
    const stop = stopRequestOf(request, "the workflow to terminate");
    return stopResponse(await api.terminateWorkflow(stop, { signal: context.signal }));
  });
}

/** The request's empty optional fields are absent; the node checks the id and reason. */
function stopRequestOf(request: StopWorkflowMessage, hint: string): StopWorkflowRequest {
  return {
    workflowId: requiredText(request.workflowId, "workflow_id", hint),
    ...clusterHint(request.executionClusterId, "execution_cluster_id"),
    ...(request.reason === "" ? {} : { reason: request.reason }),
  };
}

function stopResponse(result: StopWorkflowResult): StopWorkflowResponse {
  return {
    success: true,
    workflowId: result.workflowId,
    executionClusterId: String(result.executionClusterId),
    status: result.status,
    duplicate: result.isDuplicate,
  };
}
