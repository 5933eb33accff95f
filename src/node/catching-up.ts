// A replica too far behind its group to serve: one back from a long outage, or receiving a
// snapshot, holds the group's state of minutes ago and has thousands of entries to apply
// first. A call that needs the group's current state would wait there past its deadline; it
// fails at once with UNAVAILABLE instead, so that the caller (a client, or a node forwarding to
// a member) tries another node, and the node's health says why (NodeTuning.catchingUpEntries).

import type { GroupId } from "../lib/index.ts";
import type { GroupInspector } from "../multiraft/index.ts";
import { groupName } from "./group-name.ts";

export interface CatchingUpGroup {
  readonly groupId: GroupId;
  /** Committed entries the replica has not applied yet, those it does not hold included. */
  readonly unapplied: number;
}

/** The hosted group, if this node's replica of it lags more than `entriesMax` behind. */
export function catchingUp(
  groupId: GroupId,
  inspector: Pick<GroupInspector, "unappliedCommits"> | undefined,
  entriesMax: number,
): CatchingUpGroup | undefined {
  const unapplied = inspector?.unappliedCommits() ?? 0;
  return unapplied > entriesMax ? { groupId, unapplied } : undefined;
}

/** Every hosted group this node is a member of whose replica here lags more than `entriesMax`. */
export function catchingUpGroups(
  host: {
    groupIds(): GroupId[];
    inspect(groupId: GroupId): Pick<GroupInspector, "unappliedCommits"> | undefined;
  },
  isMember: (groupId: GroupId) => boolean,
  entriesMax: number,
): CatchingUpGroup[] {
  return host
    .groupIds()
    .filter(isMember)
    .map((groupId) => catchingUp(groupId, host.inspect(groupId), entriesMax))
    .filter((group) => group !== undefined);
}

/**
 * Hosted groups this node is a member of whose replica here follows a leader but has not
 * heard yet how far the group has committed: a node just restarted cannot tell yet whether it
 * is catching up, so it is not ready until its leaders tell it (RawNode.hasHeardGroupCommit).
 */
export function groupsNotHeardFrom(
  host: {
    groupIds(): GroupId[];
    inspect(groupId: GroupId): Pick<GroupInspector, "leaderId" | "hasHeardGroupCommit"> | undefined;
  },
  isMember: (groupId: GroupId) => boolean,
): GroupId[] {
  return host.groupIds().filter((groupId) => {
    const replica = host.inspect(groupId);
    return (
      isMember(groupId) &&
      replica !== undefined &&
      replica.leaderId() !== 0 &&
      !replica.hasHeardGroupCommit()
    );
  });
}

/** "This node is catching up on execution cluster 2 (12,345 committed entries to apply)". */
export function describeCatchingUp(group: CatchingUpGroup): string {
  return `This node is catching up on ${groupName(group.groupId)} (${group.unapplied.toLocaleString("en-US")} committed entries to apply)`;
}
