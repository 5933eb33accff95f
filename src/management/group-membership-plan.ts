// How a group's leader moves its Raft configuration to the members wanted, one safe step at a
// time. Used for execution groups (the members the management state wants) and for the
// management group (every node of the cluster). The rules:
//   - new members come in as learners and vote only once caught up and active;
//   - of the members wanted, voterTarget() many vote (one voter and a learner for two members,
//     all of them from three on, up to the maximum); the others stay learners; a group that
//     keeps one voter keeps the preferred one (the management group's), swapping with it;
//   - the group grows before it shrinks: nobody leaves while a wanted learner is on its way;
//   - voters change one at a time (thesis 4.1), except that no step ever leaves exactly two
//     voters, a configuration that loses its majority with either node: one voter goes to
//     three (or more) in one joint-consensus change, and three go down to one voter and a
//     learner the same way (thesis 4.3);
//   - a step that takes a voter away needs an active, caught-up majority of what remains (and
//     of what was, for a joint step): a voter that is down or lost its replica would otherwise
//     turn the removal of a live one into the loss of the group;
//   - a leader that must stop voting hands leadership over first; a node leaving the cluster
//     changes nothing, it only hands over; the only voter, when it must go, first swaps places
//     with a ready learner in one joint change.
// Pure: no I/O, no timers, no await.

import type { LogIndex, NodeId } from "../lib/index.ts";
import type { ConfChangeSingle } from "../raft/index.ts";
import { voterTarget } from "./voter-target.ts";

export interface GroupMembershipView {
  readonly self: NodeId;
  /** Who should be in the group. */
  readonly desired: readonly NodeId[];
  /** How many voters a group may have at most (voterTarget's bound). */
  readonly votersMax: number;
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
  /** A joint configuration or an unapplied change is in progress: wait. */
  readonly isChanging: boolean;
  readonly lastIndex: LogIndex;
  /** How far each member's log matches the leader's (undefined: unknown). */
  readonly matchOf: (id: NodeId) => LogIndex | undefined;
  /** Whether a member answered the leader within the last election timeout. */
  readonly isActive: (id: NodeId) => boolean;
  /** This node left the cluster (or was removed): it must hand its leadership over. */
  readonly isLeavingCluster: boolean;
  /** A learner within this many entries of the leader counts as caught up. */
  readonly catchUpSlackEntries: number;
  /**
   * In a group that keeps one voter (two members), the member that should be it: the
   * management group's only voter. With their voters on different nodes, the loss of either
   * node stops one of the groups, where one voter for both leaves both up without the learner.
   */
  readonly preferredVoter?: NodeId | undefined;
}

export type GroupMembershipStep =
  /** One change, or several as one joint-consensus change ("auto" transition). */
  | { readonly type: "change"; readonly changes: readonly ConfChangeSingle[] }
  | { readonly type: "transferLeadership"; readonly to: NodeId };

const byId = (a: number, b: number) => a - b;

const change = (type: ConfChangeSingle["type"], nodeId: NodeId): GroupMembershipStep => ({
  type: "change",
  changes: [{ type, nodeId }],
});

export function planGroupMembership(view: GroupMembershipView): GroupMembershipStep | undefined {
  if (view.isChanging) return undefined;
  const desired = new Set(view.desired);
  const voters = new Set(view.voters);
  const learners = new Set(view.learners);
  const strayLearner = [...learners].filter((id) => !desired.has(id)).sort(byId)[0];
  if (strayLearner !== undefined) return change("removeNode", strayLearner);
  const newcomer = [...desired].filter((id) => !voters.has(id) && !learners.has(id)).sort(byId)[0];
  if (newcomer !== undefined) return change("addLearner", newcomer);
  // A node leaving the cluster changes nothing: it hands over, to a voter that stays in the
  // cluster even if the group does not want it either (a drained group's last ones), which
  // carries on the changes and can finish the drain.
  if (view.isLeavingCluster) {
    const successors = successorsOf(view, voters);
    const successor = successors.find((id) => desired.has(id)) ?? successors[0];
    if (successor !== undefined || voters.size > 1) return transfer(successor);
    // The only voter: a learner that stays takes its place first.
    const heir = readyLearners(view, learners).sort(
      (a, b) => Number(desired.has(b)) - Number(desired.has(a)) || a - b,
    )[0];
    return heir === undefined ? undefined : swap(view.self, heir);
  }
  const wanted = voterTarget(desired.size, view.votersMax);
  const keepers = [...voters].filter((id) => desired.has(id));
  const onTheirWay = [...learners].filter((id) => desired.has(id)).sort(byId);
  if (keepers.length < wanted && onTheirWay.length > 0) return promote(view, voters, onTheirWay);
  const preferred =
    wanted === 1 && view.preferredVoter !== undefined && desired.has(view.preferredVoter)
      ? view.preferredVoter
      : undefined;
  // The only voter is not the one preferred: a ready learner that is takes its place.
  if (preferred !== undefined && voters.size === 1 && !voters.has(preferred)) {
    const isReady = learners.has(preferred) && readyLearners(view, [preferred]).length === 1;
    return isReady ? swap(view.self, preferred) : undefined;
  }
  return shrink(view, voters, desired, chooseVoters(view.self, keepers, wanted, preferred));
}

/** Learners become voters once ready; never one alone when that would make two voters. */
function promote(
  view: GroupMembershipView,
  voters: ReadonlySet<NodeId>,
  onTheirWay: readonly NodeId[],
): GroupMembershipStep | undefined {
  const wanted = voterTarget(view.desired.length, view.votersMax);
  const keepers = [...voters].filter((id) => view.desired.includes(id)).length;
  const ready = readyLearners(view, onTheirWay);
  // One at a time (thesis 4.1), except from a single voter: two would be fragile, so it
  // grows to three or more in one joint change.
  const count = Math.min(voters.size === 1 ? wanted - keepers : 1, ready.length);
  // The single voter (this leader) is not wanted: a ready learner takes its place.
  const first = ready[0];
  if (count === 1 && voters.size === 1 && keepers === 0 && first !== undefined) {
    return swap(view.self, first);
  }
  // Grow before shrink: while a wanted learner is on its way, wait for it.
  if (count === 0 || voters.size + count === 2) return undefined;
  return {
    type: "change",
    changes: ready.slice(0, count).map((nodeId) => ({ type: "addVoter", nodeId })),
  };
}

/** The voters to keep, `wanted` of them: the preferred one, this node, then the lowest ids. */
function chooseVoters(
  self: NodeId,
  keepers: readonly NodeId[],
  wanted: number,
  preferred: NodeId | undefined,
): Set<NodeId> {
  const rank = (id: NodeId) => (id === preferred ? 0 : id === self ? 1 : 2);
  const ordered = [...keepers].sort((a, b) => rank(a) - rank(b) || a - b);
  return new Set(ordered.slice(0, wanted));
}

/** Takes away the voters beyond `kept`: removed if unwanted, demoted to learner otherwise. */
function shrink(
  view: GroupMembershipView,
  voters: ReadonlySet<NodeId>,
  desired: ReadonlySet<NodeId>,
  kept: ReadonlySet<NodeId>,
): GroupMembershipStep | undefined {
  // Unwanted voters go first, then demotions; the highest ids first among each.
  const outs = [...voters]
    .filter((id) => !kept.has(id))
    .sort((a, b) => Number(desired.has(a)) - Number(desired.has(b)) || b - a);
  if (outs.length === 0) return undefined;
  const take = (id: NodeId): ConfChangeSingle => ({
    type: desired.has(id) ? "addLearner" : "removeNode",
    nodeId: id,
  });
  const others = outs.filter((id) => id !== view.self);
  const isOneByOne = voters.size - 1 !== 2;
  // A group nobody is wanted in (drained): the leader removes the others, one by one but
  // never down to two voters, and goes with the group.
  if (kept.size === 0) {
    if (others.length === 0 || voters.size <= 1) return undefined;
    const taken = isOneByOne ? others.slice(0, 1) : others;
    if (!keepsReadyMajority(view, remove(voters, taken))) return undefined;
    if (taken.length > 1 && !keepsReadyMajority(view, [...voters])) return undefined;
    return { type: "change", changes: taken.map((nodeId) => ({ type: "removeNode", nodeId })) };
  }
  // This node stops voting last, and hands over first when it must go in a joint step.
  if (others.length === 0 || (!isOneByOne && outs.includes(view.self))) {
    return transfer(successorsOf(view, voters).find((id) => kept.has(id)));
  }
  const taken = isOneByOne ? others.slice(0, 1) : others;
  const remaining = remove(voters, taken);
  if (!keepsReadyMajority(view, remaining)) return undefined;
  if (taken.length > 1 && !keepsReadyMajority(view, [...voters])) return undefined;
  return { type: "change", changes: taken.map(take) };
}

/**
 * One joint change in which `heir` starts voting and `voter`, the only voter, stops: never two
 * voters. The old leader, a learner then, steps down and hands over (maybeStepDownAfterRemoval).
 */
function swap(voter: NodeId, heir: NodeId): GroupMembershipStep {
  return {
    type: "change",
    changes: [
      { type: "addVoter", nodeId: heir },
      { type: "addLearner", nodeId: voter },
    ],
  };
}

/** Learners among `candidates` that are active and caught up, by id. */
function readyLearners(view: GroupMembershipView, candidates: Iterable<NodeId>): NodeId[] {
  return [...candidates].filter((id) => view.isActive(id) && isCaughtUp(view, id)).sort(byId);
}

function remove(voters: ReadonlySet<NodeId>, taken: readonly NodeId[]): NodeId[] {
  return [...voters].filter((id) => !taken.includes(id));
}

function transfer(to: NodeId | undefined): GroupMembershipStep | undefined {
  return to === undefined ? undefined : { type: "transferLeadership", to };
}

/** Voters other than this node that could lead: active and caught up, by id. */
function successorsOf(view: GroupMembershipView, voters: ReadonlySet<NodeId>): NodeId[] {
  return [...voters]
    .filter((id) => id !== view.self && view.isActive(id) && isCaughtUp(view, id))
    .sort(byId);
}

/** A majority of `voters` is this node or active and caught up. */
function keepsReadyMajority(view: GroupMembershipView, voters: readonly NodeId[]): boolean {
  const ready = voters.filter(
    (id) => id === view.self || (view.isActive(id) && isCaughtUp(view, id)),
  );
  return ready.length * 2 > voters.length;
}

/** A member that acknowledged entries up to near the leader's last (0: never answered). */
function isCaughtUp(view: GroupMembershipView, id: NodeId): boolean {
  const match = view.matchOf(id);
  return match !== undefined && match > 0 && match + view.catchUpSlackEntries >= view.lastIndex;
}
