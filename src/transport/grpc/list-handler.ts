// WorkflowManagement/ListWorkflows as a thin adapter onto NodeApi.listWorkflows: proto
// defaults (0, "") become absent fields, the request is checked before the node sees it, and
// the page goes back with absent fields as defaults again.

import type { ListWorkflowsRequest, ListWorkflowsResult, NodeApi } from "../index.ts";
import { checkListRequest, clusterHint } from "../index.ts";
import type { ListWorkflowsRequestMessage, ListWorkflowsResponseMessage } from "./list-messages.ts";
import { WorkflowManagementMethods } from "./raftoral-methods.ts";
import type { GrpcServer } from "./server.ts";

export function registerListWorkflows(server: GrpcServer, api: NodeApi): void {
  server.addUnary(WorkflowManagementMethods.listWorkflows, async (request, context) => {
    const list = listRequestOf(request);
    return listResponseOf(await api.listWorkflows(list, { signal: context.signal }));
  });
}

/** The NodeApi request of a ListWorkflowsRequest; INVALID_ARGUMENT for a bad field. */
export function listRequestOf(message: ListWorkflowsRequestMessage): ListWorkflowsRequest {
  const request: ListWorkflowsRequest = {
    ...(message.statuses.length === 0 ? {} : { statuses: [...message.statuses] }),
    ...(message.name === "" ? {} : { name: message.name }),
    ...(message.startedAfterMs === 0 ? {} : { startedAfterMs: message.startedAfterMs }),
    ...(message.startedBeforeMs === 0 ? {} : { startedBeforeMs: message.startedBeforeMs }),
    ...(message.pageSize === 0 ? {} : { pageSize: message.pageSize }),
    ...(message.pageToken === "" ? {} : { pageToken: message.pageToken }),
    ...clusterHint(message.executionClusterId, "execution_cluster_id"),
  };
  checkListRequest(request);
  return request;
}

export function listResponseOf(result: ListWorkflowsResult): ListWorkflowsResponseMessage {
  return {
    workflows: result.workflows.map((workflow) => ({
      workflowId: workflow.workflowId,
      executionClusterId: String(workflow.executionClusterId),
      name: workflow.name,
      version: workflow.version,
      status: workflow.status,
      ownerNodeId: workflow.ownerNodeId,
      startedAtMs: workflow.startedAtMs,
      finishedAtMs: workflow.finishedAtMs ?? 0,
    })),
    nextPageToken: result.nextPageToken ?? "",
    unavailableClusters: result.unavailableClusters.map((cluster) => ({
      executionClusterId: String(cluster.executionClusterId),
      error: cluster.error,
    })),
  };
}
