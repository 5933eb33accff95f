// When a node may say it is ready: a workflow started on it now succeeds, and it holds the
// part of the cluster's fault tolerance placed on it. A joining node is ready only once it
// votes (or is a learner by design) in the management group and in every execution group
// placed on it; otherwise a crash right after "ready" could take a group below its majority.
// Pure: a function of the management state and this node's view of its Raft groups.

import { type GroupId, MANAGEMENT_GROUP, type NodeId } from "../lib/index.ts";
import { type ManagementState, voterTarget } from "../management/index.ts";
import type { RaftStatus } from "../raft/index.ts";
import { type CatchingUpGroup, describeCatchingUp } from "./catching-up.ts";
import { groupName } from "./group-name.ts";
import { describeLeaderless, type LeaderlessGroup } from "./leader-watch.ts";
import { describeUnreachableLeader, type UnreachableLeader } from "./unreachable-leaders.ts";

/** This node's view of one Raft group it hosts. */
export interface LocalGroupView {
  readonly leaderId: NodeId;
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
}

export interface ReadinessInputs {
  readonly self: NodeId;
  readonly state: ManagementState;
  /** This node's view of a group it hosts (group 0 included); undefined when not hosted. */
  readonly localView: (groupId: GroupId) => LocalGroupView | undefined;
  /** Hosted groups without a leader for longer than a few election timeouts. */
  readonly leaderless: readonly LeaderlessGroup[];
  /** Hosted groups of which this node's replica is too far behind to serve. */
  readonly catchingUp: readonly CatchingUpGroup[];
  /** Hosted groups whose leader has not told this node's replica how far they committed. */
  readonly notHeardFrom: readonly GroupId[];
  /** Hosted groups whose leader this node hears but cannot reach (unreachable-leaders.ts). */
  readonly unreachableLeaders: readonly UnreachableLeader[];
}

export type Readiness =
  | { readonly isReady: true }
  | { readonly isReady: false; readonly reason: string };

const READY: Readiness = { isReady: true };
const waiting = (reason: string): Readiness => ({ isReady: false, reason });

/** Whether a node that is starting (bootstrap, join or restart) may report ready. */
export function startupReadiness(inputs: ReadinessInputs): Readiness {
  const { self, state } = inputs;
  if (state.clusterId === "") return waiting("waiting for the cluster's management state");
  if (!state.nodes.has(self)) return waiting(`node ${self} is not registered in the cluster yet`);
  const management = inputs.localView(MANAGEMENT_GROUP);
  if (management === undefined || management.leaderId === 0) {
    return waiting("waiting for a management group leader");
  }
  const managementRole = roleIn(management.voters, management.learners, self);
  const votersWanted = voterTarget(state.nodes.size, state.maxVoters);
  if (managementRole === "none") return waiting("waiting to be added to the management group");
  if (managementRole === "learner" && management.voters.length < votersWanted) {
    return waiting("waiting to become a voter of the management group");
  }
  const placed = [...state.groups.values()].filter(
    (group) => !group.draining && group.members.includes(self),
  );
  // The cluster places every node in an execution cluster; until then it holds no copy.
  if (placed.length === 0 && state.groups.size > 0) {
    return waiting("waiting to be placed in an execution cluster");
  }
  for (const group of placed) {
    if (group.configIndex === 0)
      return waiting(`waiting for execution cluster ${group.id} to form`);
    // The record may list this node before its replica exists here (a join in flight).
    if (inputs.localView(group.id) === undefined) {
      return waiting(`waiting to host execution cluster ${group.id}`);
    }
    const role = roleIn(group.voters, group.learners, self);
    if (role === "voter") continue;
    if (role === "learner" && group.members.length === 2) continue;
    return waiting(`waiting to become a voter of execution cluster ${group.id}`);
  }
  const unheard = inputs.notHeardFrom[0];
  if (unheard !== undefined) {
    return waiting(`waiting to hear how far ${groupName(unheard)} has committed`);
  }
  const behind = inputs.catchingUp[0];
  if (behind !== undefined) return waiting(describeCatchingUp(behind));
  return canStartWorkflows(inputs);
}

/**
 * Whether a start on this node would find a group that takes it: one that is placeable
 * (formed, not draining) with a known leader where this node can see it.
 */
export function canStartWorkflows(inputs: ReadinessInputs): Readiness {
  const placeable = [...inputs.state.groups.values()].filter(
    (group) => !group.draining && group.configIndex > 0,
  );
  if (placeable.length === 0) return waiting("waiting for the first execution cluster to form");
  const hosted = placeable.filter((group) => inputs.localView(group.id) !== undefined);
  // Groups hosted elsewhere are reached by forwarding; their leaders are theirs to know.
  if (hosted.length < placeable.length) return READY;
  const led = hosted.some((group) => (inputs.localView(group.id)?.leaderId ?? 0) !== 0);
  return led ? READY : waiting("waiting for an execution cluster leader");
}

/**
 * A node that was ready serves while it is a member of the cluster and every group it hosts
 * has a leader (a group without one for long has most likely lost its majority) that takes
 * this node's messages, and is no further behind than a replica that keeps up.
 */
export function servingReadiness(inputs: ReadinessInputs): Readiness {
  if (!inputs.state.nodes.has(inputs.self)) {
    return waiting(
      `node ${inputs.self} is not a member of the cluster any more; it registers again when it hears from the cluster`,
    );
  }
  const lost = inputs.leaderless[0];
  if (lost !== undefined) return waiting(describeLeaderless(lost));
  const cutOff = inputs.unreachableLeaders[0];
  if (cutOff !== undefined) return waiting(describeUnreachableLeader(cutOff));
  const behind = inputs.catchingUp[0];
  return behind === undefined ? READY : waiting(describeCatchingUp(behind));
}

/** The view readiness needs of a hosted group's Raft status. */
export function localViewOf(
  inspector: { status(): RaftStatus } | undefined,
): LocalGroupView | undefined {
  const status = inspector?.status();
  if (status === undefined) return undefined;
  return {
    leaderId: status.leaderId,
    voters: status.confState.voters,
    learners: status.confState.learners,
  };
}

function roleIn(
  voters: readonly NodeId[],
  learners: readonly NodeId[],
  id: NodeId,
): "voter" | "learner" | "none" {
  if (voters.includes(id)) return "voter";
  return learners.includes(id) ? "learner" : "none";
}
