// A node whose copy of the management group holds entries its leader's log contradicts
// (raft/lost-commit.ts) cannot follow the cluster: its view of members, groups and owners
// stays where it was, while it may still lead execution groups and change them by it. So it
// stops (exit 78, as an old copy of a node does), where a replica of an execution group only
// refuses that leader and says so. So does the management group's replica when that leader is
// a node the cluster removed: a copy of the group forced on it (a recovery run there) has the
// cluster's log wrong, not this node.

import { type GroupId, MANAGEMENT_GROUP, type NodeId, RaftoralError } from "../lib/index.ts";
import type { MembershipDirectory } from "../multiraft/index.ts";

/**
 * The error to stop with when `leader` of the management group contradicts this node's log
 * (MultiRaftHostOptions.lostCommitStop); undefined for another group, or for a leader the
 * cluster removed (`directory.isRemoved`).
 */
export function stopOnManagementLogLost(
  directory: Pick<MembershipDirectory, "isRemoved">,
  groupId: GroupId,
  error: Error,
  leader: NodeId,
): Error | undefined {
  if (groupId !== MANAGEMENT_GROUP || directory.isRemoved(groupId, leader)) return undefined;
  return new RaftoralError(
    "STALE_INCARNATION",
    `this node's copy of the management group does not match the cluster's: ${error.message}. ` +
      "If a forced recovery (raftoral cluster recover) left this node out, move its storage " +
      "directory aside and start it with an empty --storage-path and --peers naming running " +
      "nodes: it joins as a new node. Otherwise keep the directory: it may hold the only copy " +
      'of acknowledged writes (see "Lost writes" in docs/storage.md)',
    { cause: error },
  );
}
