// Whether an execution group's replica whose leader contradicts its committed entries
// (raft/lost-commit.ts) may give way to an empty one, by the cluster's committed records
// alone. The case it is for: a learner left out of an operator's forced recovery.
//   1. Voters 1-3 and learner 4; 1 and 2 commit entry e and send it to 4, but not to 3.
//   2. 1 and 2 are lost for good; `cluster recover --force` on 3 makes it the only voter,
//      with its own log, which lacks e, and records 1 and 2 as lost.
//   3. 3 adds 4 back as a learner; 4's log has e committed where 3's has another entry.
// Replica 4 must not take 3's log over a committed entry, nor can e ever come back into the
// group: a Raft log has no merge, and only a forced recovery on 4 could make its log the
// group's again, giving up everything 3 committed since. So the replica refused 3 for good,
// and the group never got it back. An empty replica follows 3 and takes its log. That does
// delete the last copy of e: an operator who wants it kept recovers on 4 instead of 3 (the
// survivor with the longest log, docs/availability.md).
// Pure: no I/O, no timers, no await.
//
// Discarding that log loses nothing a client was told is committed and the group still has:
//   - the group counts on no copy of it. The records, as the group's leaders report it, count
//     this node among no voters, and neither does the replica's own configuration (a record
//     may lag the group: a report older than the last one recorded is ignored): as a learner
//     it never campaigns, so its log can never become the group's (a voter's could, and may
//     hold the only copy of entries a majority lost: "Lost writes" in storage.md);
//   - an acknowledgement it sent counted for nothing, or, if the leader had just made it a
//     voter, counted with voters that were lost afterwards: either way the entries it holds
//     that the group's log lacks are what the forced recovery already gave up (entries only
//     the lost voters held, with this copy);
//   - the recovery is on record: a voter of the replica's configuration is one the cluster
//     lists as lost, which only a forced recovery does. Without it the contradiction means a
//     majority lost writes it had synced, and the replica keeps what may be the only copy.
// And the leader is the cluster's: a node the records hold as the group's last reported
// leader, a voter there, and a node of the cluster. A node the cluster removed (perhaps
// running a recovery of its own: a fork), or one merely claiming the lead, is refused as
// before; so is anyone while the records lag (they are asked again at its next message).

import { type GroupId, MANAGEMENT_GROUP, type NodeId } from "../lib/index.ts";
import type { ConfState } from "../raft/index.ts";
import { isCountedOn, type ManagementState } from "./management-state.ts";

export interface ReplicaRenewalView {
  readonly self: NodeId;
  /** This node's committed management state. */
  readonly state: ManagementState;
  readonly groupId: GroupId;
  /** The node whose log contradicts this replica's committed entries. */
  readonly leader: NodeId;
  /** This replica's configuration: the latest in its log (RaftStatus.confState). */
  readonly replicaConf: ConfState;
}

export type ReplicaRenewalDecision =
  | { readonly isRenewed: true }
  | { readonly isRenewed: false; readonly reason: string };

export function planReplicaRenewal(view: ReplicaRenewalView): ReplicaRenewalDecision {
  const reason = refusalOf(view);
  return reason === undefined ? { isRenewed: true } : { isRenewed: false, reason };
}

/** Why the replica stays as it is; undefined when it may be renewed. */
function refusalOf(view: ReplicaRenewalView): string | undefined {
  const { self, state, groupId, leader, replicaConf } = view;
  if (groupId === MANAGEMENT_GROUP) return "the management group is never renewed";
  const group = state.groups.get(groupId);
  if (group === undefined) return `the records hold no group ${groupId}`;
  if (!state.nodes.has(leader)) return `node ${leader} is no node of the cluster`;
  if (group.leaderId !== leader) {
    return `the records show node ${group.leaderId} leading the group, not node ${leader}`;
  }
  // Also a configuration reported, so the empty replica joins: planReplicas bootstraps only
  // a group that never reported one.
  if (!group.voters.includes(leader)) return `the records count node ${leader} as no voter`;
  if (group.voters.includes(self)) return "the records count this node as a voter";
  if (!isCountedOn(group, self)) return "the records place no replica of the group here";
  const replicaVoters = [...replicaConf.voters, ...replicaConf.votersOutgoing];
  if (replicaVoters.includes(self)) return "this replica's configuration counts it as a voter";
  if (!replicaVoters.some((id) => state.lostNodes.has(id))) {
    return "no voter of this replica's configuration was left behind by a forced recovery";
  }
  return undefined;
}
