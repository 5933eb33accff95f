// GET /workflow/list: its query string in, one NodeApi call, its JSON page out. A status may repeat
// (?status=running&status=failed) or be a comma list (?status=running,failed); every field
// is checked here (checkListRequest) before the node sees it, and again by the node.

import type { Hono } from "hono";
import { InvalidArgumentError } from "../../lib/index.ts";
import {
  checkListRequest,
  clusterHint,
  type ListWorkflowsRequest,
  type ListWorkflowsResult,
  type NodeApi,
} from "../index.ts";

/** Adds the route to `app` (its access level is in http-app.ts's route table). */
export function addListRoute(app: Hono, api: NodeApi): void {
  app.get("/workflow/list", async (c) => {
    const request = parseListQuery({
      one: (name) => c.req.query(name),
      all: (name) => c.req.queries(name),
    });
    // The client's disconnect aborts this signal, and with it the fan-out behind it.
    const page = await api.listWorkflows(request, { signal: c.req.raw.signal });
    return c.json(listedJson(page));
  });
}

/** How the route reads its query: one value, and every value of a repeated name. */
export interface QueryReader {
  readonly one: (name: string) => string | undefined;
  readonly all: (name: string) => readonly string[] | undefined;
}

export function parseListQuery(query: QueryReader): ListWorkflowsRequest {
  const statuses = (query.all("status") ?? [])
    .flatMap((value) => value.split(","))
    .map((word) => word.trim())
    .filter((word) => word !== "");
  const name = query.one("name") ?? "";
  const pageToken = query.one("page_token") ?? "";
  const after = wholeNumber(query.one("started_after"), "started_after", "epoch milliseconds");
  const before = wholeNumber(query.one("started_before"), "started_before", "epoch milliseconds");
  const pageSize = wholeNumber(query.one("page_size"), "page_size", "workflows per page");
  const request: ListWorkflowsRequest = {
    ...(statuses.length === 0 ? {} : { statuses }),
    ...(name === "" ? {} : { name }),
    ...(after === undefined ? {} : { startedAfterMs: after }),
    ...(before === undefined ? {} : { startedBeforeMs: before }),
    ...(pageSize === undefined ? {} : { pageSize }),
    ...(pageToken === "" ? {} : { pageToken }),
    ...clusterHint(query.one("execution_cluster_id"), "execution_cluster_id"),
  };
  checkListRequest(request);
  return request;
}

function wholeNumber(text: string | undefined, field: string, what: string): number | undefined {
  if (text === undefined || text === "") return undefined;
  if (!/^\d{1,16}$/.test(text)) {
    throw new InvalidArgumentError(`${field} must be a whole number (${what}), got '${text}'`);
  }
  return Number(text);
}

/** The page as JSON: snake_case fields, null for what is absent. */
export function listedJson(result: ListWorkflowsResult) {
  return {
    success: true,
    workflows: result.workflows.map((workflow) => ({
      workflow_id: workflow.workflowId,
      execution_cluster_id: String(workflow.executionClusterId),
      name: workflow.name,
      version: workflow.version,
      status: workflow.status,
      owner_node_id: workflow.ownerNodeId,
      started_at_ms: workflow.startedAtMs,
      finished_at_ms: workflow.finishedAtMs ?? null,
    })),
    next_page_token: result.nextPageToken ?? null,
    unavailable_clusters: result.unavailableClusters.map((cluster) => ({
      execution_cluster_id: String(cluster.executionClusterId),
      error: cluster.error,
    })),
  };
}
