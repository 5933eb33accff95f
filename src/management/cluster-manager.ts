// The ClusterManager's decisions: given the replicated management state and what the
// management leader observes (its group's Raft configuration, which nodes are alive), the
// next actions that move the cluster toward its settled shape:
//   - every node in the management group; voters as voterTarget() wants (one for two nodes,
//     every node from three on, up to maxVoters), the rest learners;
//   - silent nodes removed;
//   - execution groups of 3-5 members (one group holding everyone while fewer than 3 nodes),
//     every node in at least one non-draining group; a group reaching 6 splits into 3+3; a
//     group below 3 takes a member from a group above 3, or is drained; a draining group
//     keeps 3 members (nodes serve it besides their own group) until it is destroyed.
// Ties are broken by lowest id, so every leader decides the same way.
// Pure: no I/O, no timers, no await.

import { groupId, type LogIndex, type NodeId } from "../lib/index.ts";
import type { ConfChangeSingle } from "../raft/index.ts";
import type { ManagementCommand } from "./commands.ts";
import { planGroupMembership } from "./group-membership-plan.ts";
import type { GroupRecord, ManagementState } from "./management-state.ts";

export const GROUP_SIZE_MIN = 3;
export const GROUP_SIZE_MAX = 5;

export interface ClusterView {
  readonly self: NodeId;
  readonly state: ManagementState;
  /** The management group's configuration in effect. */
  readonly managementVoters: readonly NodeId[];
  readonly managementLearners: readonly NodeId[];
  /** The management group's log as its leader (this node) sees it, to judge learners. */
  readonly managementLastIndex: LogIndex;
  readonly managementMatchOf: (id: NodeId) => LogIndex | undefined;
  readonly isManagementActive: (id: NodeId) => boolean;
  /** Nodes the leader has not heard from for longer than the failure timeout. */
  readonly silentNodes: ReadonlySet<NodeId>;
}

export type ManagerAction =
  | { readonly type: "command"; readonly command: ManagementCommand }
  /** One change, or several as one joint-consensus change. */
  | { readonly type: "managementChange"; readonly changes: readonly ConfChangeSingle[] }
  | { readonly type: "managementTransfer"; readonly to: NodeId };

/** A learner this close to the leader's last index counts as caught up. */
export const CATCH_UP_SLACK_ENTRIES = 64;

const byId = (a: number, b: number) => a - b;

/** The next actions, most urgent first. The caller runs one, then asks again. */
export function planCluster(view: ClusterView): ManagerAction[] {
  return [...removeSilentNodes(view), ...reconfigureManagement(view), ...placeNodes(view.state)];
}

/**
 * A leader on its way out of the cluster judges no one: it hands over, and removing the others
 * could leave a cluster with no member at all.
 */
function removeSilentNodes(view: ClusterView): ManagerAction[] {
  if (!view.state.nodes.has(view.self)) return [];
  const silent = [...view.state.nodes.keys()]
    .filter((id) => id !== view.self && view.silentNodes.has(id))
    .sort(byId);
  return silent.map((nodeId) => ({
    type: "command",
    command: { type: "removeNode", nodeId, reason: "silent for longer than the failure timeout" },
  }));
}

/**
 * The management group's configuration, one safe step at a time: every node a member, as
 * many voters as voterTarget() wants (see group-membership-plan.ts for the rules).
 */
function reconfigureManagement(view: ClusterView): ManagerAction[] {
  const step = planGroupMembership({
    self: view.self,
    desired: [...view.state.nodes.keys()],
    votersMax: view.state.maxVoters,
    voters: view.managementVoters,
    learners: view.managementLearners,
    isChanging: false,
    lastIndex: view.managementLastIndex,
    matchOf: view.managementMatchOf,
    isActive: (id) => !view.silentNodes.has(id) && view.isManagementActive(id),
    isLeavingCluster: false,
    catchUpSlackEntries: CATCH_UP_SLACK_ENTRIES,
  });
  if (step === undefined) return [];
  return step.type === "change"
    ? [{ type: "managementChange", changes: step.changes }]
    : [{ type: "managementTransfer", to: step.to }];
}

function command(command: ManagementCommand): ManagerAction {
  return { type: "command", command };
}

/** Execution group placement. */
export function placeNodes(state: ManagementState): ManagerAction[] {
  const nodes = [...state.nodes.keys()].sort(byId);
  if (nodes.length === 0) return [];
  const stillborn = [...state.groups.values()].find((group) => isStillborn(state, group));
  if (stillborn !== undefined) {
    return [command({ type: "destroyGroup", groupId: groupId(stillborn.id) })];
  }
  const replenished = replenishDrainingGroup(state, nodes);
  if (replenished.length > 0) return replenished;
  const active = [...state.groups.values()]
    .filter((group) => !group.draining)
    .sort((a, b) => a.id - b.id);
  if (state.groups.size === 0) {
    return [command({ type: "createGroup", members: nodes.slice(0, GROUP_SIZE_MAX) })];
  }
  const split = active.find((group) => group.members.length > GROUP_SIZE_MAX);
  if (split !== undefined) return splitGroup(split);
  const repair = repairSmallGroup(state, active, nodes.length);
  if (repair.length > 0) return repair;
  const assigned = new Set(active.flatMap((group) => group.members));
  const unassigned = nodes.find((id) => !assigned.has(id));
  if (unassigned === undefined) return [];
  const smallest = [...active].sort(
    (a, b) => a.members.length - b.members.length || a.id - b.id,
  )[0];
  if (smallest === undefined) {
    const free = nodes.filter((id) => !assigned.has(id)).slice(0, GROUP_SIZE_MAX);
    return [command({ type: "createGroup", members: free })];
  }
  return [
    command({
      type: "setGroupMembers",
      groupId: smallest.id,
      members: [...smallest.members, unassigned],
    }),
  ];
}

/**
 * A group that never reported a configuration never had a leader that could take a workflow
 * (a node starts workflows only in groups whose report it has seen). If it is draining, or
 * a majority of the members it was created with are gone, it never will: destroy it.
 */
function isStillborn(state: ManagementState, group: GroupRecord): boolean {
  if (group.configIndex > 0) return false;
  const alive = group.initialMembers.filter((id) => state.nodes.has(id)).length;
  return group.draining || alive * 2 <= group.initialMembers.length;
}

/**
 * A draining group still holds running workflows and the results it has not handed over. Its
 * members left or were removed while it drained are replaced by the lowest-id nodes not in it,
 * up to the minimum group size: without them, a group whose last member left would hold its
 * workflows on a node out of the cluster, with nobody to hand them to.
 */
function replenishDrainingGroup(state: ManagementState, nodes: readonly NodeId[]): ManagerAction[] {
  const wanted = Math.min(GROUP_SIZE_MIN, nodes.length);
  const short = [...state.groups.values()]
    .filter((group) => group.draining && group.members.length < wanted)
    .sort((a, b) => a.id - b.id)[0];
  if (short === undefined) return [];
  const added = nodes
    .filter((id) => !short.members.includes(id))
    .slice(0, wanted - short.members.length);
  return [
    command({ type: "setGroupMembers", groupId: short.id, members: [...short.members, ...added] }),
  ];
}

/** A group past the maximum keeps its lowest half and hands the rest to a new group. */
function splitGroup(group: GroupRecord): ManagerAction[] {
  const members = [...group.members].sort(byId);
  const keep = members.slice(0, Math.ceil(members.length / 2));
  const move = members.slice(keep.length);
  return [
    command({ type: "createGroup", members: move }),
    command({ type: "setGroupMembers", groupId: group.id, members: keep }),
  ];
}

function repairSmallGroup(
  state: ManagementState,
  active: GroupRecord[],
  nodeCount: number,
): ManagerAction[] {
  if (nodeCount < GROUP_SIZE_MIN || active.length < 2) return [];
  const small = active.find((group) => group.members.length < GROUP_SIZE_MIN);
  if (small === undefined) return [];
  // A node in no active group (one that just joined, such as the new process that replaced a
  // node at its address) is a spare: the group takes it rather than drain for want of a donor.
  const assigned = new Set(active.flatMap((group) => group.members));
  const spare = [...state.nodes.keys()].filter((id) => !assigned.has(id)).sort(byId)[0];
  if (spare !== undefined) {
    return [
      command({ type: "setGroupMembers", groupId: small.id, members: [...small.members, spare] }),
    ];
  }
  const donor = [...active]
    .filter((group) => group.members.length > GROUP_SIZE_MIN)
    .sort((a, b) => b.members.length - a.members.length || a.id - b.id)[0];
  if (donor === undefined) {
    return [command({ type: "setDraining", groupId: groupId(small.id), draining: true })];
  }
  const moved = [...donor.members]
    .filter((id) => !small.members.includes(id))
    .sort(byId)
    .at(-1);
  if (moved === undefined || !state.nodes.has(moved)) return [];
  return [
    command({ type: "setGroupMembers", groupId: small.id, members: [...small.members, moved] }),
    command({
      type: "setGroupMembers",
      groupId: donor.id,
      members: donor.members.filter((id) => id !== moved),
    }),
  ];
}
