// The JSON bodies of successful answers, with the QUICKSTART's snake_case field names and
// field order. The one place where NodeApi's camelCase results become wire names over HTTP.

import type {
  ClusterStatus,
  DiscoveryInfo,
  GroupHealthDetail,
  LeaveResult,
  NodeProbe,
  RecoverResult,
  RegisterResult,
  SignalWorkflowResult,
  StartWorkflowResult,
  WorkflowDescriptionInfo,
  WorkflowOutcome,
} from "../index.ts";

/** POST /workflow/execute: the workflow started; its result comes from /workflow/wait. */
export function startedJson(started: StartWorkflowResult) {
  return {
    workflow_id: started.workflowId,
    success: true,
    execution_cluster_id: String(started.executionClusterId),
    result: null,
    error: null,
    // Ours, after the QUICKSTART's fields, and only when true (the QUICKSTART's answers stay
    // as it shows them): the workflow_id had been started before this call.
    ...(started.alreadyStarted ? { already_started: true } : {}),
  };
}

/** POST /workflow/run answers with these, then the result as /workflow/wait gives it. */
export function startedIdsJson(started: StartWorkflowResult) {
  return {
    workflow_id: started.workflowId,
    execution_cluster_id: String(started.executionClusterId),
  };
}

/** GET /workflow/describe: the workflow as its group applied it; JSON values as text. */
export function describedJson(info: WorkflowDescriptionInfo) {
  return {
    success: true,
    workflow_id: info.workflowId,
    execution_cluster_id: String(info.executionClusterId),
    name: info.name,
    version: info.version,
    status: info.status,
    input: JSON.stringify(info.input),
    owner_node_id: info.ownerNodeId,
    owner_epoch: info.ownerEpoch,
    started_at_ms: info.startedAtMs,
    trace_id: info.traceId ?? null,
    finished_at_ms: info.finishedAtMs ?? null,
    result: info.output === undefined ? null : JSON.stringify(info.output),
    error: info.failure?.message ?? null,
    error_code: info.failure?.code ?? null,
    error_name: info.failure?.name ?? null,
    wake_at_ms: info.wakeAtMs ?? null,
    waiting_for: info.waitingFor ?? null,
    waiting_for_child: info.waitingForChild ?? null,
    held: info.held ?? null,
    pending_events: info.pendingEvents,
    cancel_requested_at_ms: info.cancelRequestedAtMs ?? null,
    cancel_reason: info.cancelReason ?? null,
    checkpoints: info.checkpoints.map((checkpoint) => ({
      seq: checkpoint.seq,
      kind: checkpoint.kind,
      name: checkpoint.name,
      at_ms: checkpoint.atMs,
      error: checkpoint.error ?? null,
      attempts: checkpoint.attempts ?? null,
      duration_ms: checkpoint.durationMs ?? null,
      child_workflow_id: checkpoint.childWorkflowId ?? null,
      child_execution_cluster_id:
        checkpoint.childExecutionClusterId === undefined
          ? null
          : String(checkpoint.childExecutionClusterId),
    })),
  };
}

/** POST /workflow/signal: where the event went and its id. */
export function signaledJson(sent: SignalWorkflowResult) {
  return {
    success: true,
    workflow_id: sent.workflowId,
    execution_cluster_id: String(sent.executionClusterId),
    event_id: sent.eventId,
    duplicate: sent.isDuplicate,
    error: null,
  };
}

/**
 * GET /workflow/wait: a finished workflow. A workflow that itself failed is still a 200,
 * with success false and its error text: the request worked, the workflow did not.
 */
export function outcomeJson(outcome: WorkflowOutcome) {
  if (outcome.success) {
    return { success: true, result: JSON.stringify(outcome.output), error: null };
  }
  const { failure } = outcome;
  return {
    success: false,
    result: null,
    error: failure.message,
    // Added: the failure's stable code (CANCELLED, TERMINATED, ...) when it has one, and its
    // error class name; a completed workflow's answer keeps the QUICKSTART's three fields.
    ...(failure.code === undefined ? {} : { error_code: failure.code }),
    error_name: failure.name,
  };
}

/** GET /discovery/peers. */
export function discoveryJson(info: DiscoveryInfo) {
  return {
    node_id: info.nodeId,
    highest_known_node_id: info.highestKnownNodeId,
    address: info.address,
    management_leader_node_id: info.managementLeaderNodeId,
    management_leader_address: info.managementLeaderAddress,
    should_join_as_voter: info.shouldJoinAsVoter,
    current_voter_count: info.currentVoterCount,
    max_voters: info.maxVoters,
    transport: info.transport,
    fault_tolerance: info.faultTolerance,
    ...(info.founding === undefined ? {} : { founding: info.founding }),
    ...(info.instanceId === undefined ? {} : { instance_id: info.instanceId }),
  };
}

/** POST /discovery/register. */
export function registeredJson(result: RegisterResult) {
  return { success: true, node_id: result.nodeId, error: null };
}

/** GET /cluster/status: snake_case like every other route; group ids are decimal text. */
export function clusterStatusJson(status: ClusterStatus) {
  return {
    cluster_id: status.clusterId,
    transport: status.transport,
    node_id: status.nodeId,
    management_leader_node_id: status.managementLeaderNodeId,
    nodes: status.nodes.map((node) => ({
      node_id: node.nodeId,
      address: node.address,
      management_role: node.managementRole,
      is_management_leader: node.isManagementLeader,
    })),
    execution_clusters: status.groups.map((group) => ({
      execution_cluster_id: String(group.groupId),
      members: group.members,
      voters: group.voters,
      learners: group.learners,
      draining: group.draining,
      running_workflows: group.runningWorkflows,
      leader_node_id: group.leaderId,
      config_index: group.configIndex,
      fault_tolerance: group.faultTolerance,
      leaderless_ms: group.leaderlessMs ?? null,
    })),
    management_fault_tolerance: status.managementFaultTolerance,
    fault_tolerance: status.faultTolerance,
    lost_node_ids: status.lostNodeIds,
    management_voter_ids: status.managementVoterIds ?? [],
  };
}

/** One group of GET /health?verbose. */
export function groupHealthJson(group: GroupHealthDetail) {
  return {
    cluster_id: group.groupId,
    role: group.role,
    leader_node_id: group.leaderId,
    term: group.term,
    commit_index: group.commitIndex,
    applied_index: group.appliedIndex,
    unapplied_entries: group.unappliedEntries,
    leaderless_ms: group.leaderlessMs,
    fault_tolerance: group.faultTolerance ?? null,
  };
}

/** One node of GET /cluster/health. */
export function nodeProbeJson(probe: NodeProbe) {
  return {
    node_id: probe.nodeId,
    address: probe.address,
    status: probe.status,
    reason: probe.reason ?? null,
    latency_ms: probe.latencyMs ?? null,
  };
}

/** POST /cluster/recover. */
export function recoveredJson(result: RecoverResult) {
  return {
    success: true,
    groups: result.groups.map((group) => ({
      cluster_id: group.groupId,
      leaderless_ms: group.leaderlessMs,
      last_index: group.lastIndex,
      commit_index: group.commitIndex,
      dropped_voters: group.droppedVoters,
      recovered: group.isRecovered,
    })),
  };
}

/** POST /node/leave. */
export function leftJson(result: LeaveResult) {
  return { success: true, node_id: result.nodeId, error: null };
}

/**
 * Fields an error answer carries besides {success, error, code}, per route, so a client that
 * reads the QUICKSTART's fields finds them (as null) on failures too.
 */
export function errorFieldsOf(path: string): Readonly<Record<string, null>> {
  switch (path) {
    case "/workflow/execute":
    case "/workflow/run":
    case "/workflow/wait":
      return { workflow_id: null, execution_cluster_id: null, result: null };
    case "/workflow/signal":
      return { workflow_id: null, execution_cluster_id: null, event_id: null };
    case "/workflow/describe":
    case "/workflow/cancel":
    case "/workflow/terminate":
      return { workflow_id: null, execution_cluster_id: null, status: null };
    case "/discovery/register":
    case "/node/leave":
      return { node_id: null };
    default:
      return {};
  }
}
