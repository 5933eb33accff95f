// A node whose messages to a group's leader do not arrive, while it still hears that leader (a
// network that drops only what this node sends, or a firewall on one side): its replica looks
// led and caught up, yet every start or signal through it waits for a forward or an
// acknowledgement that never arrives. Before, its health said ok for as long as the leader
// took to remove it (the failure timeout, 30 s) while each call through it hung for 10 s and
// more; now it reports unavailable, naming the leader (NodeTuning.leaderlessReportMs).

import type { GroupId, NodeId } from "../lib/index.ts";
import type { RaftStatus } from "../raft/index.ts";
import { groupName } from "./group-name.ts";

export interface UnreachableLeader {
  readonly groupId: GroupId;
  readonly leaderId: NodeId;
  /** How long every delivery to the leader has failed. */
  readonly failingMs: number;
}

/**
 * Hosted groups this node is a member of whose leader (another node, heard within
 * `leaderContactTicksMax`) has taken none of this node's messages for longer than `thresholdMs`.
 */
export function unreachableLeaders(options: {
  readonly self: NodeId;
  readonly host: {
    groupIds(): GroupId[];
    inspect(groupId: GroupId): { status(): RaftStatus } | undefined;
  };
  readonly isMember: (groupId: GroupId) => boolean;
  /** How long every delivery to the peer has failed; 0 while they arrive. */
  readonly failingMs: (peer: NodeId) => number;
  readonly thresholdMs: number;
  readonly leaderContactTicksMax: number;
}): UnreachableLeader[] {
  const found: UnreachableLeader[] = [];
  for (const groupId of options.host.groupIds().filter(options.isMember)) {
    const status = options.host.inspect(groupId)?.status();
    if (status === undefined || status.leaderId === 0 || status.leaderId === options.self) continue;
    // A leader not heard from lately is the leader watch's to report (leader-watch.ts).
    if (status.ticksSinceLeaderContact > options.leaderContactTicksMax) continue;
    const failingMs = options.failingMs(status.leaderId);
    if (failingMs > options.thresholdMs)
      found.push({ groupId, leaderId: status.leaderId, failingMs });
  }
  return found;
}

/** "This node's messages to node 2, the leader of execution cluster 1, have not arrived ...". */
export function describeUnreachableLeader(group: UnreachableLeader): string {
  const seconds = Math.round(group.failingMs / 1000);
  return (
    `This node's messages to node ${group.leaderId}, the leader of ${groupName(group.groupId)}, ` +
    `have not arrived for ${seconds} s, though this node hears that leader (the network may ` +
    "drop what this node sends); calls through this node cannot be done: call another node"
  );
}
