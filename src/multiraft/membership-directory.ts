// Who belongs where, by the cluster's records outside a group's own log (the management state,
// which the node keeps). The host takes a group's Raft messages and forwarded proposals only
// from members of that group: those of its configuration in effect, or those the records
// count (a replica that just joined has no configuration yet and learns its leader only so).

import type { GroupId, NodeId } from "../lib/index.ts";

export interface MembershipDirectory {
  /** Whether `node` is a node of the cluster. */
  isClusterNode(node: NodeId): boolean;
  /** Whether the records count `node` in `groupId` (wanted there, voter or learner). */
  isRecordedMember(groupId: GroupId, node: NodeId): boolean;
  /**
   * Whether the records say the cluster removed `node` from `groupId` (and has not taken it
   * back): while this replica hears its own leader, a higher term from it is refused.
   */
  isRemoved(groupId: GroupId, node: NodeId): boolean;
}
