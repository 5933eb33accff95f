// Group membership and its changes, by joint consensus (thesis 4.3) in the style of etcd's
// ConfChangeV2, or one voter at a time (thesis 4.1). Changes are validated here; an invalid
// change is refused the same way on every node, so it can never split the group.
// Pure: no I/O, no timers, no await.

import type { NodeId } from "../lib/index.ts";
import type { JointVoters } from "./quorum.ts";
import type { ConfChange, ConfChangeSingle, ConfState } from "./types.ts";

export interface Membership {
  readonly voters: JointVoters;
  /** Non-voting members: they receive the log but neither vote nor count for commit. */
  readonly learners: ReadonlySet<NodeId>;
  /** Outgoing voters that become learners when the joint configuration is left. */
  readonly learnersNext: ReadonlySet<NodeId>;
  readonly autoLeave: boolean;
}

export type MembershipChange = { ok: true; membership: Membership } | { ok: false; error: string };

/** The voters of a configuration, both halves while joint. */
export function jointVotersOf(state: ConfState): JointVoters {
  return { incoming: new Set(state.voters), outgoing: new Set(state.votersOutgoing) };
}

export function membershipFromConfState(state: ConfState): Membership {
  return {
    voters: jointVotersOf(state),
    learners: new Set(state.learners),
    learnersNext: new Set(state.learnersNext),
    autoLeave: state.autoLeave,
  };
}

export function confStateOf(membership: Membership): ConfState {
  const sorted = (ids: ReadonlySet<NodeId>) => [...ids].sort((a, b) => a - b);
  return {
    voters: sorted(membership.voters.incoming),
    learners: sorted(membership.learners),
    votersOutgoing: sorted(membership.voters.outgoing),
    learnersNext: sorted(membership.learnersNext),
    autoLeave: membership.autoLeave,
  };
}

/** Every node that needs a Progress: voters of either half and learners. */
export function membersOf(membership: Membership): Set<NodeId> {
  return new Set([
    ...membership.voters.incoming,
    ...membership.voters.outgoing,
    ...membership.learners,
    ...membership.learnersNext,
  ]);
}

export function isJoint(membership: Membership): boolean {
  return membership.voters.outgoing.size > 0;
}

/** Whether `change` enters a joint configuration, and whether it leaves it by itself. */
function jointMode(change: ConfChange): { isJoint: boolean; autoLeave: boolean } {
  if (change.transition === "auto" && change.changes.length <= 1) {
    return { isJoint: false, autoLeave: false };
  }
  return { isJoint: true, autoLeave: change.transition !== "jointExplicit" };
}

/** Applies a committed ConfChange; the same input gives the same answer on every node. */
export function applyConfChange(membership: Membership, change: ConfChange): MembershipChange {
  if (change.transition === "force") return forced(change.changes);
  if (change.changes.length === 0) return leaveJoint(membership);
  const mode = jointMode(change);
  if (mode.isJoint) return enterJoint(membership, mode.autoLeave, change.changes);
  return simple(membership, change.changes);
}

interface Draft {
  incoming: Set<NodeId>;
  outgoing: Set<NodeId>;
  learners: Set<NodeId>;
  learnersNext: Set<NodeId>;
  autoLeave: boolean;
}

function draftOf(membership: Membership): Draft {
  return {
    incoming: new Set(membership.voters.incoming),
    outgoing: new Set(membership.voters.outgoing),
    learners: new Set(membership.learners),
    learnersNext: new Set(membership.learnersNext),
    autoLeave: membership.autoLeave,
  };
}

function finish(draft: Draft): MembershipChange {
  if (draft.incoming.size === 0) {
    return { ok: false, error: "the change would remove every voter" };
  }
  for (const id of draft.learners) {
    if (draft.incoming.has(id) || draft.outgoing.has(id)) {
      return { ok: false, error: `node ${id} would be a voter and a learner at once` };
    }
  }
  return {
    ok: true,
    membership: {
      voters: { incoming: draft.incoming, outgoing: draft.outgoing },
      learners: draft.learners,
      learnersNext: draft.learnersNext,
      autoLeave: draft.autoLeave,
    },
  };
}

/** Thesis 4.3, first phase: C_old,new = the current voters (outgoing) plus the changes. */
function enterJoint(
  membership: Membership,
  autoLeave: boolean,
  changes: readonly ConfChangeSingle[],
): MembershipChange {
  if (isJoint(membership)) return { ok: false, error: "already in a joint configuration" };
  const draft = draftOf(membership);
  draft.outgoing = new Set(draft.incoming);
  const error = applyChanges(draft, changes);
  if (error !== undefined) return { ok: false, error };
  draft.autoLeave = autoLeave;
  return finish(draft);
}

/** Thesis 4.3, second phase: drop the outgoing voters; demoted voters become learners. */
function leaveJoint(membership: Membership): MembershipChange {
  if (!isJoint(membership)) return { ok: false, error: "not in a joint configuration" };
  const draft = draftOf(membership);
  for (const id of draft.learnersNext) draft.learners.add(id);
  draft.learnersNext.clear();
  draft.outgoing.clear();
  draft.autoLeave = false;
  return finish(draft);
}

/** Thesis 4.1: a change of at most one voter is safe without a joint configuration. */
function simple(membership: Membership, changes: readonly ConfChangeSingle[]): MembershipChange {
  if (isJoint(membership)) {
    return { ok: false, error: "cannot apply a simple change in a joint configuration" };
  }
  const draft = draftOf(membership);
  const error = applyChanges(draft, changes);
  if (error !== undefined) return { ok: false, error };
  let changedVoters = 0;
  for (const id of draft.incoming) if (!membership.voters.incoming.has(id)) changedVoters++;
  for (const id of membership.voters.incoming) if (!draft.incoming.has(id)) changedVoters++;
  if (changedVoters > 1) {
    return { ok: false, error: "more than one voter changed without a joint configuration" };
  }
  return finish(draft);
}

function applyChanges(draft: Draft, changes: readonly ConfChangeSingle[]): string | undefined {
  for (const change of changes) {
    if (change.nodeId === 0) return "node id 0 is not a valid member";
    switch (change.type) {
      case "addVoter":
        draft.learners.delete(change.nodeId);
        draft.learnersNext.delete(change.nodeId);
        draft.incoming.add(change.nodeId);
        break;
      case "addLearner":
        draft.incoming.delete(change.nodeId);
        // A voter of the outgoing half stays a voter until the joint configuration is left.
        if (draft.outgoing.has(change.nodeId)) draft.learnersNext.add(change.nodeId);
        else draft.learners.add(change.nodeId);
        break;
      case "removeNode":
        draft.incoming.delete(change.nodeId);
        draft.learners.delete(change.nodeId);
        draft.learnersNext.delete(change.nodeId);
        break;
    }
  }
  return undefined;
}

/**
 * An operator's recovery: the configuration becomes exactly what the changes add, whatever it
 * was. Deliberately outside Raft's rules (like etcd's --force-new-cluster); see forceSoleVoter.
 */
function forced(changes: readonly ConfChangeSingle[]): MembershipChange {
  const draft: Draft = {
    incoming: new Set(),
    outgoing: new Set(),
    learners: new Set(),
    learnersNext: new Set(),
    autoLeave: false,
  };
  const error = applyChanges(draft, changes);
  return error === undefined ? finish(draft) : { ok: false, error };
}

/** Rejects a change the leader must not propose now (thesis 4.1: one change at a time). */
export function checkProposable(membership: Membership, change: ConfChange): string | undefined {
  if (change.transition === "force") return "a forced configuration is never proposed";
  const joint = isJoint(membership);
  if (change.changes.length === 0) return joint ? undefined : "not in a joint configuration";
  if (joint) return "in a joint configuration; leave it first";
  const result = applyConfChange(membership, change);
  return result.ok ? undefined : result.error;
}
