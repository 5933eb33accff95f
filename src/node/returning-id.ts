// A new process may ask for the id of a node the cluster removed (--node-id). That is safe
// only where no group still counts the id as a voter: a group that lost its majority cannot
// drop a voter from its configuration, and there the new process, which holds none of the old
// node's log, would cast that node's vote. With it a survivor that lacks entries the group
// committed could be elected, and those entries would be lost (a wiped node taking back its
// id did that in the membership tour). So before such a registration the joining node asks
// its peer's cluster status and refuses itself when any group still counts the id.

import { type NodeId, RaftoralError } from "../lib/index.ts";
import type { ClusterStatus } from "../transport/index.ts";

/**
 * Throws FAILED_PRECONDITION when `status` shows `id` unregistered but still a voter of the
 * management group or of an execution group. A registered id is left to the registration,
 * whose refusal (in use, or another process at its address) says more.
 */
export function checkIdMayReturn(status: ClusterStatus, id: NodeId): void {
  if (status.nodes.some((node) => node.nodeId === id)) return;
  const counting = [
    ...((status.managementVoterIds ?? []).includes(id) ? ["the management group"] : []),
    ...status.groups
      .filter((group) => group.voters.includes(id))
      .map((group) => `execution cluster ${group.groupId}`),
  ];
  if (counting.length === 0) return;
  throw new RaftoralError(
    "FAILED_PRECONDITION",
    `node ${id} was removed, but ${counting.join(" and ")} still ` +
      `${counting.length > 1 ? "count" : "counts"} it as a voter (a ` +
      "group drops a voter only with a majority of its voters): this process holds none of " +
      `node ${id}'s log, and its vote could elect a leader that lacks entries the group ` +
      `committed. Start it without --node-id to join as a new node`,
  );
}
