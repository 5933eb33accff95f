// A replica too far behind its group to serve: one back from a long outage, or receiving a
// snapshot, holds the group's state of minutes ago and has thousands of entries to apply
// first. A call that needs the group's current state would wait there past its deadline; it
// fails at once with UNAVAILABLE instead, so that the caller (a client, or a node forwarding to
// a member) tries another node, and the node's health says why (NodeTuning.catchingUpEntries).

import { type GroupId, MANAGEMENT_GROUP } from "../lib/index.ts";
import type { GroupInspector } from "../multiraft/index.ts";

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

/** "This node is catching up on execution cluster 2 (12,345 committed entries to apply)". */
export function describeCatchingUp(group: CatchingUpGroup): string {
  const name =
    group.groupId === MANAGEMENT_GROUP
      ? "the management group"
      : `execution cluster ${group.groupId}`;
  return `This node is catching up on ${name} (${group.unapplied.toLocaleString("en-US")} committed entries to apply)`;
}
