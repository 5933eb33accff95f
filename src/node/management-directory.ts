// The host's MembershipDirectory from this node's management state. Execution group G: the
// nodes its record counts (wanted, voters and learners, and the members it was created with).
// The management group: every node id the cluster has handed out. Not only today's nodes: a
// replica that fell behind may not know that the node now leading was removed and admitted
// again, or joined after its log ends, and it can learn that only from that leader. For the
// second case the highest id is also taken from discovery answers (vouch), which the node asks
// for when it has not heard from a management leader for a while. A node with no management
// state yet (it is joining) takes management traffic from any id its discovery vouched for.

import { type GroupId, MANAGEMENT_GROUP, type NodeId, nodeId } from "../lib/index.ts";
import { highestNodeId, type ManagementState } from "../management/index.ts";
import type { MembershipDirectory } from "../multiraft/index.ts";

export class ManagementDirectory implements MembershipDirectory {
  private vouchedHighest: NodeId = nodeId(0);

  constructor(private readonly state: () => ManagementState) {}

  /** A discovery answer said the cluster has handed out ids up to `highest`. */
  vouch(highest: NodeId): void {
    this.vouchedHighest = nodeId(Math.max(this.vouchedHighest, highest));
  }

  isClusterNode(node: NodeId): boolean {
    const state = this.state();
    if (state.clusterId === "" && this.vouchedHighest === 0) return true;
    // Left behind by a forced recovery: two of them restarted together elect each other in
    // their old configuration, and a survivor that took their management traffic followed
    // that leader and gave up the recovered log (tour I).
    if (state.lostNodes.has(node)) return false;
    return node >= 1 && node <= Math.max(highestNodeId(state), this.vouchedHighest);
  }

  /**
   * Management group only: an execution group's record stops counting a node the cluster
   * removed, so its messages are refused already (isRecordedMember).
   */
  isRemoved(groupId: GroupId, node: NodeId): boolean {
    if (groupId !== MANAGEMENT_GROUP) return false;
    const state = this.state();
    return state.removedNodes.has(node) && !state.nodes.has(node);
  }

  isRecordedMember(groupId: GroupId, node: NodeId): boolean {
    if (groupId === MANAGEMENT_GROUP) return this.isClusterNode(node);
    const group = this.state().groups.get(groupId);
    if (group === undefined) return false;
    return (
      group.members.includes(node) ||
      group.voters.includes(node) ||
      group.learners.includes(node) ||
      group.initialMembers.includes(node)
    );
  }
}
