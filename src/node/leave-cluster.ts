// A node leaving the cluster for good: its removal is committed to the management group, and
// then it waits (bounded) until every Raft group it belongs to has dropped it from its
// configuration. Stopping earlier could take a vote away that the remaining members still
// count on: in a two-node group, the survivor alone could no longer commit the change that
// removes the node that went away.

import {
  type Clock,
  type GroupId,
  type Logger,
  MANAGEMENT_GROUP,
  type NodeId,
} from "../lib/index.ts";
import { encodeManagementCommand } from "../management/index.ts";
import type { MultiRaftHost } from "../multiraft/index.ts";

export interface LeaveClusterOptions {
  readonly self: NodeId;
  readonly host: MultiRaftHost;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly proposalTimeoutMs: number;
  /** How long to wait for the groups to drop this node before stopping anyway. */
  readonly settleTimeoutMs: number;
}

const POLL_INTERVAL_MS = 50;

/** Commits this node's removal, then waits until its groups no longer count on it. */
export async function leaveCluster(options: LeaveClusterOptions): Promise<void> {
  const { self, host, clock, logger } = options;
  await host.propose(
    MANAGEMENT_GROUP,
    encodeManagementCommand({ type: "removeNode", nodeId: self, reason: "the node left" }),
    { timeoutMs: options.proposalTimeoutMs },
  );
  logger.info("Left the cluster", { node_id: self });
  const deadline = clock.nowMs() + options.settleTimeoutMs;
  let waiting = groupsStillCounting(host, self);
  while (waiting.length > 0 && clock.nowMs() < deadline) {
    await new Promise<void>((resolve) => clock.setTimer(POLL_INTERVAL_MS, resolve));
    waiting = groupsStillCounting(host, self);
  }
  if (waiting.length > 0) {
    logger.warn("Stopping before every group dropped this node from its configuration", {
      groups: waiting.join(" "),
    });
  }
}

/**
 * Groups hosted here that may still need this node. A group is done with it when:
 * 1. the removal is applied here (as the leader of its own removal, this node proposed it and
 *    saw it committed); or
 * 2. this node campaigns: its leader stopped talking to it, which a leader does once it has
 *    appended the removal (thesis 4.1: a configuration is in effect once in the log). From
 *    then on the leader commits without this node. A leader never sends the entry that
 *    removes a follower to that follower, so (1) cannot be seen on a follower.
 */
function groupsStillCounting(host: MultiRaftHost, self: NodeId): GroupId[] {
  return host.groupIds().filter((id) => {
    const status = host.inspect(id)?.status();
    if (status === undefined) return false;
    const isRemovalApplied =
      !status.appliedConfState.voters.includes(self) &&
      !status.appliedConfState.learners.includes(self);
    const isDroppedByLeader = status.role === "preCandidate" || status.role === "candidate";
    return !(isRemovalApplied || isDroppedByLeader);
  });
}
