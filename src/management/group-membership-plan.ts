// How an execution group's leader moves the group's Raft configuration to the members the
// management state asks for, one safe step at a time (thesis 4.1): new members come in as
// learners, become voters once caught up, and only then do departing members leave. A
// leader that must leave hands leadership over first. A member leaves only if a majority of
// the voters that remain is active and caught up: the removal takes effect once appended and
// must commit in the new configuration (a voter that is down or lost its replica would
// otherwise turn the removal of a live one into the loss of the group).
// Pure: no I/O, no timers, no await.

import type { LogIndex, NodeId } from "../lib/index.ts";
import type { ConfChangeSingle } from "../raft/index.ts";

export interface GroupMembershipView {
  readonly self: NodeId;
  readonly desired: readonly NodeId[];
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
}

export type GroupMembershipStep =
  | { readonly type: "change"; readonly change: ConfChangeSingle }
  | { readonly type: "transferLeadership"; readonly to: NodeId };

const byId = (a: number, b: number) => a - b;

export function planGroupMembership(view: GroupMembershipView): GroupMembershipStep | undefined {
  if (view.isChanging) return undefined;
  const desired = new Set(view.desired);
  const voters = new Set(view.voters);
  const learners = new Set(view.learners);
  const change = (type: ConfChangeSingle["type"], nodeId: NodeId): GroupMembershipStep => ({
    type: "change",
    change: { type, nodeId },
  });
  const strayLearner = [...learners].filter((id) => !desired.has(id)).sort(byId)[0];
  if (strayLearner !== undefined) return change("removeNode", strayLearner);
  const newcomer = [...desired].filter((id) => !voters.has(id) && !learners.has(id)).sort(byId)[0];
  if (newcomer !== undefined) return change("addLearner", newcomer);
  const ready = [...learners].filter((id) => desired.has(id) && isCaughtUp(view, id)).sort(byId)[0];
  if (ready !== undefined) return change("addVoter", ready);
  if ([...learners].some((id) => desired.has(id))) return undefined;
  const successors = [...voters]
    .filter((id) => id !== view.self && view.isActive(id) && isCaughtUp(view, id))
    .sort(byId);
  const transfer = (to: NodeId | undefined): GroupMembershipStep | undefined =>
    to === undefined ? undefined : { type: "transferLeadership", to };
  // A node leaving the cluster removes nobody: it hands over, to a voter that stays in the
  // cluster even if the group does not want it either (a drained group's last ones), which
  // carries on the changes and can finish the drain.
  if (view.isLeavingCluster)
    return transfer(successors.find((id) => desired.has(id)) ?? successors[0]);
  const leaving = [...voters].filter((id) => !desired.has(id)).sort(byId);
  const other = leaving.find((id) => id !== view.self);
  if (other !== undefined && voters.size > 1) {
    return keepsCaughtUpMajority(view, voters, other) ? change("removeNode", other) : undefined;
  }
  if (leaving.includes(view.self)) return transfer(successors.find((id) => desired.has(id)));
  return undefined;
}

function keepsCaughtUpMajority(
  view: GroupMembershipView,
  voters: ReadonlySet<NodeId>,
  removed: NodeId,
): boolean {
  const remaining = [...voters].filter((id) => id !== removed);
  const caughtUp = remaining.filter(
    (id) => id === view.self || (view.isActive(id) && isCaughtUp(view, id)),
  );
  return caughtUp.length * 2 > remaining.length;
}

function isCaughtUp(view: GroupMembershipView, id: NodeId): boolean {
  const match = view.matchOf(id);
  return match !== undefined && match + view.catchUpSlackEntries >= view.lastIndex;
}
