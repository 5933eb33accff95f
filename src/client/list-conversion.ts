// The workflow list between NodeApi's shape and the two wires, for the protocol clients:
// the gRPC messages (defaults for absent fields) and the HTTP query and JSON page.

import { nodeId } from "../lib/index.ts";
import type {
  ListWorkflowsRequestMessage,
  ListWorkflowsResponseMessage,
} from "../transport/grpc/index.ts";
import type {
  ListWorkflowsRequest,
  ListWorkflowsResult,
  WorkflowSummaryInfo,
} from "../transport/index.ts";
import { clusterText, groupOfWire } from "./wire-values.ts";

export function listRequestMessage(request: ListWorkflowsRequest): ListWorkflowsRequestMessage {
  return {
    statuses: [...(request.statuses ?? [])],
    name: request.name ?? "",
    startedAfterMs: request.startedAfterMs ?? 0,
    startedBeforeMs: request.startedBeforeMs ?? 0,
    pageSize: request.pageSize ?? 0,
    pageToken: request.pageToken ?? "",
    executionClusterId: clusterText(request.executionClusterId),
  };
}

export function listResultOfMessage(message: ListWorkflowsResponseMessage): ListWorkflowsResult {
  return {
    workflows: message.workflows.map((workflow) => ({
      workflowId: workflow.workflowId,
      executionClusterId: groupOfWire(workflow.executionClusterId),
      name: workflow.name,
      version: workflow.version,
      status: workflow.status,
      ownerNodeId: nodeId(workflow.ownerNodeId),
      startedAtMs: workflow.startedAtMs,
      ...(workflow.finishedAtMs === 0 ? {} : { finishedAtMs: workflow.finishedAtMs }),
    })),
    ...(message.nextPageToken === "" ? {} : { nextPageToken: message.nextPageToken }),
    unavailableClusters: message.unavailableClusters.map((cluster) => ({
      executionClusterId: groupOfWire(cluster.executionClusterId),
      error: cluster.error,
    })),
  };
}

/** The query string of GET /workflow/list (statuses repeat). */
export function listQueryOf(request: ListWorkflowsRequest): URLSearchParams {
  const query = new URLSearchParams();
  for (const status of request.statuses ?? []) query.append("status", status);
  const set = (name: string, value: string | number | undefined) => {
    if (value !== undefined) query.set(name, String(value));
  };
  set("name", request.name);
  set("started_after", request.startedAfterMs);
  set("started_before", request.startedBeforeMs);
  set("page_size", request.pageSize);
  set("page_token", request.pageToken);
  set("execution_cluster_id", request.executionClusterId);
  return query;
}

type Json = Readonly<Record<string, unknown>>;

/** The page of a GET /workflow/list answer; fields the node left out get safe defaults. */
export function listResultOfJson(body: Json): ListWorkflowsResult {
  const token = body.next_page_token;
  return {
    workflows: objects(body.workflows).map(summaryOfJson),
    ...(typeof token === "string" && token !== "" ? { nextPageToken: token } : {}),
    unavailableClusters: objects(body.unavailable_clusters).map((cluster) => ({
      executionClusterId: groupOfWire(cluster.execution_cluster_id),
      error: typeof cluster.error === "string" ? cluster.error : "",
    })),
  };
}

function summaryOfJson(item: Json): WorkflowSummaryInfo {
  const text = (value: unknown) => (typeof value === "string" ? value : "");
  const count = (value: unknown) => (typeof value === "number" ? value : 0);
  return {
    workflowId: text(item.workflow_id),
    executionClusterId: groupOfWire(item.execution_cluster_id),
    name: text(item.name),
    version: count(item.version),
    status: text(item.status),
    ownerNodeId: nodeId(count(item.owner_node_id)),
    startedAtMs: count(item.started_at_ms),
    ...(typeof item.finished_at_ms === "number" ? { finishedAtMs: item.finished_at_ms } : {}),
  };
}

function objects(value: unknown): Json[] {
  return Array.isArray(value)
    ? value.filter((item): item is Json => typeof item === "object" && item !== null)
    : [];
}
