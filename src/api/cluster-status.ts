// The cluster as one node sees it: the replicated management state (nodes, execution groups
// with their reported configurations, load and leaders) joined with this node's own view of
// the management group's Raft configuration and leader. Pure: a function of its inputs.

import { type GroupId, MANAGEMENT_GROUP, NO_NODE, type NodeId, nodeId } from "../lib/index.ts";
import type { GroupRecord, ManagementState } from "../management/index.ts";
import type { RaftStatus } from "../raft/index.ts";
import type {
  ClusterNodeStatus,
  ClusterStatus,
  ExecutionGroupStatus,
  ManagementRole,
  TransportKind,
} from "../transport/index.ts";

export interface ClusterStatusInputs {
  readonly state: ManagementState;
  readonly self: NodeId;
  readonly transport: TransportKind;
  /** This node's view of the management group, if it hosts it yet. */
  readonly management:
    | (Pick<RaftStatus, "leaderId" | "confState"> & Partial<Pick<RaftStatus, "appliedConfState">>)
    | undefined;
  /** The leader this node knows for a group it hosts itself (fresher than the report). */
  readonly localLeaderOf: (groupId: GroupId) => NodeId | undefined;
  /**
   * What this node knows first-hand of a group it hosts (the management group included):
   * voter failures it survives when this node leads it, and how long it has been leaderless.
   * Undefined fields: not known here, the last report stands.
   */
  readonly localHealthOf: (groupId: GroupId) => {
    readonly faultTolerance?: number;
    readonly leaderlessMs?: number;
  };
}

const byId = (a: number, b: number) => a - b;

/** A configuration's voters, both halves of a joint one, ascending; none when unknown. */
function votersOf(conf: RaftStatus["confState"] | undefined): NodeId[] {
  if (conf === undefined) return [];
  return [...new Set([...conf.voters, ...conf.votersOutgoing])].sort(byId);
}

/** Builds the status answer; ids come sorted so that output is stable. */
export function clusterStatusOf(inputs: ClusterStatusInputs): ClusterStatus {
  const { state, management } = inputs;
  // A learner never campaigns, so its replica names the last leader it heard however long
  // ago; the leader watch knows it has heard none for a while (its health says so).
  const isManagementLeaderless = (inputs.localHealthOf(MANAGEMENT_GROUP).leaderlessMs ?? 0) > 0;
  const leader = isManagementLeaderless ? NO_NODE : nodeId(management?.leaderId ?? 0);
  const voters = new Set(management?.confState.voters ?? []);
  const learners = new Set(management?.confState.learners ?? []);
  const roleOf = (id: NodeId): ManagementRole =>
    voters.has(id) ? "voter" : learners.has(id) ? "learner" : "joining";
  const nodes: ClusterNodeStatus[] = [...state.nodes.values()]
    .sort((a, b) => byId(a.id, b.id))
    .map((node) => ({
      nodeId: node.id,
      address: node.address,
      managementRole: roleOf(node.id),
      isManagementLeader: node.id === leader,
    }));
  // Reports reach the state through the management group's leader: a replica of it that has
  // none holds reports as old as that (a node restarted alone), so only first-hand views count.
  // A node not hosting it yet (joining) has just been sent the state: its reports stand.
  const isReportStale = management !== undefined && leader === NO_NODE;
  const groups = [...state.groups.values()]
    .sort((a, b) => byId(a.id, b.id))
    .map((group) => groupStatus(group, inputs, isReportStale));
  const managementFaultTolerance = toleranceOf(
    state.managementFaultTolerance,
    inputs.localHealthOf(MANAGEMENT_GROUP),
    isReportStale,
  );
  return {
    clusterId: state.clusterId,
    transport: inputs.transport,
    nodeId: inputs.self,
    managementLeaderNodeId: leader,
    nodes,
    groups,
    managementFaultTolerance,
    faultTolerance: Math.min(
      managementFaultTolerance,
      ...groups.map((group) => group.faultTolerance),
    ),
    lostNodeIds: [...state.lostNodes].sort(byId),
    managementVoterIds: votersOf(management?.appliedConfState),
  };
}

function groupStatus(
  group: GroupRecord,
  inputs: ClusterStatusInputs,
  isReportStale: boolean,
): ExecutionGroupStatus {
  const localLeader = inputs.localLeaderOf(group.id);
  const local = inputs.localHealthOf(group.id);
  return {
    groupId: group.id,
    members: [...group.members].sort(byId),
    voters: [...group.voters].sort(byId),
    learners: [...group.learners].sort(byId),
    draining: group.draining,
    runningWorkflows: group.running,
    leaderId: leaderOf(group.leaderId, localLeader, local, isReportStale),
    configIndex: group.configIndex,
    faultTolerance: toleranceOf(group.faultTolerance, local, isReportStale),
    ...(local.leaderlessMs === undefined ? {} : { leaderlessMs: local.leaderlessMs }),
  };
}

/**
 * None while this node's replica has had no leader for a while (first-hand, and newer than
 * any report: a learner's replica still names the last leader it heard); else the leader it
 * follows, else the last one reported unless the report is stale.
 */
function leaderOf(
  reported: NodeId,
  local: NodeId | undefined,
  health: { readonly leaderlessMs?: number },
  isReportStale: boolean,
): NodeId {
  if ((health.leaderlessMs ?? 0) > 0) return NO_NODE;
  if (local !== undefined && local !== 0) return local;
  return isReportStale ? NO_NODE : reported;
}

/**
 * First-hand knowledge wins over the last report; a group without a leader survives nothing,
 * and a stale report tells nothing it survives.
 */
function toleranceOf(
  reported: number,
  local: { readonly faultTolerance?: number; readonly leaderlessMs?: number },
  isReportStale: boolean,
): number {
  if (local.faultTolerance !== undefined) return local.faultTolerance;
  return (local.leaderlessMs ?? 0) > 0 || isReportStale ? 0 : reported;
}
