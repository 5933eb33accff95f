// The cluster as one node sees it: the replicated management state (nodes, execution groups
// with their reported configurations, load and leaders) joined with this node's own view of
// the management group's Raft configuration and leader. Pure: a function of its inputs.

import type { GroupId, NodeId } from "../lib/index.ts";
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
  readonly management: Pick<RaftStatus, "leaderId" | "confState"> | undefined;
  /** The leader this node knows for a group it hosts itself (fresher than the report). */
  readonly localLeaderOf: (groupId: GroupId) => NodeId | undefined;
}

const byId = (a: number, b: number) => a - b;

/** Builds the status answer; ids come sorted so that output is stable. */
export function clusterStatusOf(inputs: ClusterStatusInputs): ClusterStatus {
  const { state, management } = inputs;
  const leader = (management?.leaderId ?? 0) as NodeId;
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
  const groups = [...state.groups.values()]
    .sort((a, b) => byId(a.id, b.id))
    .map((group) => groupStatus(group, inputs.localLeaderOf(group.id)));
  return {
    clusterId: state.clusterId,
    transport: inputs.transport,
    nodeId: inputs.self,
    managementLeaderNodeId: leader,
    nodes,
    groups,
  };
}

function groupStatus(group: GroupRecord, localLeader: NodeId | undefined): ExecutionGroupStatus {
  return {
    groupId: group.id,
    members: [...group.members].sort(byId),
    voters: [...group.voters].sort(byId),
    learners: [...group.learners].sort(byId),
    draining: group.draining,
    runningWorkflows: group.running,
    leaderId: localLeader !== undefined && localLeader !== 0 ? localLeader : group.leaderId,
    configIndex: group.configIndex,
  };
}
