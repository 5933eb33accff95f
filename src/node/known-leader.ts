// The leader of a group as this replica knows it, waiting for one when it knows none (a
// replica that has just restarted or joined learns its leader from the first message it
// gets), and the owner of a new workflow, which is that leader.

import { type Clock, type GroupId, NO_NODE, type NodeId } from "../lib/index.ts";
import type { MultiRaftHost } from "../multiraft/index.ts";

/**
 * The group's leader; while this replica knows none, waits up to `timeoutMs` for one to be
 * known. NO_NODE when none was known by then.
 */
export function knownLeader(
  host: MultiRaftHost,
  group: GroupId,
  clock: Clock,
  timeoutMs: number,
): Promise<NodeId> {
  const leader = () => host.inspect(group)?.leaderId() ?? NO_NODE;
  if (leader() !== NO_NODE) return Promise.resolve(leader());
  return new Promise((resolve) => {
    const done = () => {
      unsubscribe();
      cancelTimer();
      resolve(leader());
    };
    const unsubscribe = host.onGroupChanged((changed) => {
      if (changed === group && leader() !== NO_NODE) done();
    });
    const cancelTimer = clock.setTimer(timeoutMs, done);
  });
}

/**
 * Who runs a new workflow of `group`: its leader, waited for while this replica knows none
 * (just restarted, it would otherwise take the workflow on while it is behind), else `self`.
 * On the leader, each checkpoint commits without a hop to forward it and is applied there
 * first; the node called only waits for the end.
 */
export async function newWorkflowOwner(
  node: {
    readonly host: MultiRaftHost;
    readonly clock: Clock;
    readonly leaderWaitMs: number;
    readonly self: NodeId;
  },
  group: GroupId,
): Promise<NodeId> {
  const leaderId = await knownLeader(node.host, group, node.clock, node.leaderWaitMs);
  return leaderId === NO_NODE ? node.self : leaderId;
}
