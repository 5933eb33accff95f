// What this node knows first-hand about the health of a group it hosts: as its leader, how
// many voter failures the group survives right now (voters that answered within the last
// election timeout count as healthy); as any member, how long it has been leaderless.

import type { GroupId, NodeId } from "../lib/index.ts";
import type { GroupInspector } from "../multiraft/index.ts";
import { toleratedFailures } from "../raft/index.ts";

export interface LocalGroupHealth {
  readonly faultTolerance?: number;
  readonly leaderlessMs?: number;
}

/** Voter failures the group survives now, as its leader sees it; undefined elsewhere. */
export function liveFaultTolerance(raft: GroupInspector, self: NodeId): number | undefined {
  const status = raft.status();
  if (status.role !== "leader") return undefined;
  const voters = {
    incoming: new Set(status.confState.voters),
    outgoing: new Set(status.confState.votersOutgoing),
  };
  return toleratedFailures(voters, (id) => id === self || raft.isRecentlyActive(id));
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
