// What this node knows first-hand about the health of a group it hosts: as its leader, how
// many voter failures the group survives right now (voters that answered within the last
// election timeout count as healthy); as any member, how long it has been leaderless.

import type { GroupId, NodeId } from "../lib/index.ts";
import type { GroupInspector } from "../multiraft/index.ts";
import { type ConfState, jointVotersOf, toleratedFailures } from "../raft/index.ts";

export interface LocalGroupHealth {
  readonly faultTolerance?: number;
  readonly leaderlessMs?: number;
}

/**
 * Voter failures the group survives now, as its leader sees it; undefined elsewhere. Both the
 * configuration in effect (the latest in the leader's log) and the one applied count: until
 * a change commits, followers may still use the older one, and a crash there must be survived
 * too (e.g. right after 1 -> 3 voters, the lone old voter stays critical until the joint
 * configuration has been left on a majority).
 */
export function liveFaultTolerance(raft: GroupInspector, self: NodeId): number | undefined {
  const status = raft.status();
  if (status.role !== "leader") return undefined;
  // Only voters that answered this leader: a new one has not heard from a voter that is gone.
  const isHealthy = (id: NodeId) => id === self || raft.hasAnsweredRecently(id);
  const toleranceOf = (conf: ConfState) => toleratedFailures(jointVotersOf(conf), isHealthy);
  return Math.min(toleranceOf(status.confState), toleranceOf(status.appliedConfState));
}

export function localGroupHealth(options: {
  readonly raft: GroupInspector | undefined;
  readonly self: NodeId;
  readonly leaderlessMs: (groupId: GroupId) => number;
  readonly groupId: GroupId;
}): LocalGroupHealth {
  const { raft, self, groupId } = options;
  if (raft === undefined) return {};
  const faultTolerance = liveFaultTolerance(raft, self);
  return {
    ...(faultTolerance === undefined ? {} : { faultTolerance }),
    leaderlessMs: options.leaderlessMs(groupId),
  };
}
