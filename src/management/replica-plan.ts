// Which execution group replicas a node hosts: every group whose record counts it gets one
// (bootstrapped by its initial members, joined by the others), and a replica goes only when
// it is safe to forget. Deleting a replica the group still counts would be a silent disk
// loss: the leader's match index for this node would point at entries it no longer has. So a
// replica goes only once its group is destroyed, or once a configuration report newer than
// everything in the replica's log shows this node is out of it.
// Pure: no I/O, no timers, no await.

import type { GroupId, LogIndex, NodeId } from "../lib/index.ts";
import { isCountedOn, type ManagementState } from "./management-state.ts";

export type ReplicaAction =
  | {
      readonly type: "host";
      readonly groupId: GroupId;
      /** The initial voters when this node creates the group with them; absent: join. */
      readonly bootstrapVoters?: readonly NodeId[];
      /** A group of one starts its election at once: nobody else could. */
      readonly campaign: boolean;
    }
  | { readonly type: "drop"; readonly groupId: GroupId };

export interface ReplicaView {
  readonly self: NodeId;
  readonly state: ManagementState;
  /** Execution group replicas this node hosts, with the last index of each one's log. */
  readonly hosted: ReadonlyMap<GroupId, LogIndex>;
}

export function planReplicas(view: ReplicaView): ReplicaAction[] {
  const { self, state, hosted } = view;
  const actions: ReplicaAction[] = [];
  for (const group of state.groups.values()) {
    if (!isCountedOn(group, self) || hosted.has(group.id)) continue;
    const isNew = group.configIndex === 0 && group.initialMembers.includes(self);
    actions.push({
      type: "host",
      groupId: group.id,
      ...(isNew ? { bootstrapVoters: group.initialMembers } : {}),
      campaign: isNew && group.initialMembers.length === 1,
    });
  }
  for (const [groupId, lastIndex] of hosted) {
    if (mayDrop(view, groupId, lastIndex)) actions.push({ type: "drop", groupId });
  }
  return actions;
}

function mayDrop(view: ReplicaView, groupId: GroupId, lastIndex: LogIndex): boolean {
  const { self, state } = view;
  const group = state.groups.get(groupId);
  // Unknown and below the id counter: destroyed. Above it: this node's state is behind.
  if (group === undefined) return groupId < state.nextGroupId;
  if (group.members.includes(self) || group.configIndex === 0) return false;
  if (group.voters.includes(self) || group.learners.includes(self)) return false;
  return lastIndex <= group.configIndex;
}
