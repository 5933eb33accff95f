// The HTTP API's JSON answers as the client's values: ids, cluster status, outcomes and
// descriptions, each field read defensively (a node of another version may leave one out).

import { logIndex, type NodeId, nodeId } from "../lib/index.ts";
import type {
  ClusterStatus,
  WorkflowDescriptionInfo,
  WorkflowOutcome,
} from "../transport/index.ts";
import { managementRoleOf } from "./management-role.ts";
import {
  childOfWire,
  failureOfWire,
  groupOfWire,
  jsonOfWire,
  outcomeOfWire,
} from "./wire-values.ts";

export type Json = Record<string, unknown>;

/**
 * A field that every version's answer of a route carries when it succeeds. A server that is no
 * Raftoral node (another service on the port, a proxy's own page) may answer 200 with other
 * JSON: taken as a node's answer, it would report a start, an event or a cancel that never
 * happened. The routes between nodes are left out: their answers are the nodes' own business.
 */
const ANSWER_FIELDS: Readonly<Record<string, string>> = {
  "/workflow/execute": "workflow_id",
  "/workflow/run": "success",
  "/workflow/wait": "success",
  "/workflow/describe": "workflow_id",
  "/workflow/list": "workflows",
  "/workflow/signal": "workflow_id",
  "/workflow/cancel": "workflow_id",
  "/workflow/terminate": "workflow_id",
  "/cluster/status": "nodes",
  "/cluster/retention": "finished_max",
  "/cluster/recover": "groups",
  "/node/leave": "node_id",
  "/health": "status",
};

/**
 * Why `body`, answered on `route`, is no Raftoral node's answer, if it is not: JSON that is
 * no object, or an answer taken as success (`isSuccess`) without the field its route carries.
 */
export function strangenessOf(
  route: string,
  body: unknown,
  isSuccess: boolean,
): string | undefined {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return "JSON that is no object";
  }
  const field = ANSWER_FIELDS[route];
  if (!isSuccess || field === undefined) return undefined;
  const value = (body as Json)[field];
  return value === undefined || value === null ? `JSON without '${field}'` : undefined;
}

export function idOf(value: unknown): NodeId {
  return nodeId(typeof value === "number" && Number.isSafeInteger(value) && value >= 0 ? value : 0);
}

export function listOf(value: unknown): Json[] {
  return Array.isArray(value) ? value.filter((item): item is Json => typeof item === "object") : [];
}

export function idsOf(value: unknown): NodeId[] {
  return Array.isArray(value) ? value.map(idOf) : [];
}

export function clusterStatusOf(body: Json): ClusterStatus {
  return {
    clusterId: String(body.cluster_id ?? ""),
    transport: body.transport === "grpc" ? "grpc" : "http",
    nodeId: idOf(body.node_id),
    managementLeaderNodeId: idOf(body.management_leader_node_id),
    nodes: listOf(body.nodes).map((node) => ({
      nodeId: idOf(node.node_id),
      address: String(node.address ?? ""),
      managementRole: managementRoleOf(node.management_role),
      isManagementLeader: node.is_management_leader === true,
    })),
    groups: listOf(body.execution_clusters).map((group) => ({
      groupId: groupOfWire(group.execution_cluster_id),
      members: idsOf(group.members),
      voters: idsOf(group.voters),
      learners: idsOf(group.learners),
      draining: group.draining === true,
      runningWorkflows: Number(group.running_workflows ?? 0),
      leaderId: idOf(group.leader_node_id),
      configIndex: logIndex(Number(group.config_index ?? 0)),
      faultTolerance: Number(group.fault_tolerance ?? 0),
      ...(typeof group.leaderless_ms === "number" ? { leaderlessMs: group.leaderless_ms } : {}),
    })),
    managementFaultTolerance: Number(body.management_fault_tolerance ?? 0),
    faultTolerance: Number(body.fault_tolerance ?? 0),
    // Absent from nodes of versions before forced recoveries recorded their lost voters.
    lostNodeIds: idsOf(body.lost_node_ids),
    managementVoterIds: idsOf(body.management_voter_ids),
  };
}

/** A JSON string field of an answer; absent when missing, null or not a string. */
export function textOf(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

export function outcomeOf(body: Json): WorkflowOutcome {
  return outcomeOfWire({
    success: body.success === true,
    resultJson: textOf(body.result),
    error: textOf(body.error),
    errorCode: textOf(body.error_code),
    errorName: textOf(body.error_name),
  });
}

export function describedOf(body: Json): WorkflowDescriptionInfo {
  const count = (value: unknown) => (typeof value === "number" ? value : undefined);
  const optional = <T>(key: string, value: T | undefined) =>
    value === undefined ? {} : { [key]: value };
  const result = textOf(body.result);
  const error = textOf(body.error);
  return {
    workflowId: textOf(body.workflow_id) ?? "",
    executionClusterId: groupOfWire(body.execution_cluster_id),
    name: textOf(body.name) ?? "",
    version: count(body.version) ?? 0,
    status: textOf(body.status) ?? "",
    input: jsonOfWire(textOf(body.input) ?? "null", "input"),
    ownerNodeId: idOf(body.owner_node_id),
    ownerEpoch: count(body.owner_epoch) ?? 0,
    startedAtMs: count(body.started_at_ms) ?? 0,
    ...optional("traceId", textOf(body.trace_id)),
    ...optional("finishedAtMs", count(body.finished_at_ms)),
    ...(result === undefined ? {} : { output: jsonOfWire(result, "result") }),
    ...(error === undefined
      ? {}
      : { failure: failureOfWire(error, textOf(body.error_code), textOf(body.error_name)) }),
    ...optional("wakeAtMs", count(body.wake_at_ms)),
    ...optional("waitingFor", textOf(body.waiting_for)),
    ...optional("waitingForChild", textOf(body.waiting_for_child)),
    ...optional("held", textOf(body.held)),
    pendingEvents: count(body.pending_events) ?? 0,
    ...optional("cancelRequestedAtMs", count(body.cancel_requested_at_ms)),
    ...optional("cancelReason", textOf(body.cancel_reason)),
    checkpoints: listOf(body.checkpoints).map((item) => ({
      seq: count(item.seq) ?? 0,
      kind: textOf(item.kind) ?? "",
      name: textOf(item.name) ?? "",
      atMs: count(item.at_ms) ?? 0,
      ...optional("error", textOf(item.error)),
      ...optional("attempts", count(item.attempts)),
      ...optional("durationMs", count(item.duration_ms)),
      ...childOfWire(textOf(item.child_workflow_id), textOf(item.child_execution_cluster_id)),
    })),
  };
}
