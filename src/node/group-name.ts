// How messages and log lines name a Raft group: "the management group", "execution cluster 2".

import { type GroupId, MANAGEMENT_GROUP } from "../lib/index.ts";

export function groupName(groupId: GroupId): string {
  return groupId === MANAGEMENT_GROUP ? "the management group" : `execution cluster ${groupId}`;
}

/** The same, opening a sentence. */
export function groupNameOpening(groupId: GroupId): string {
  const name = groupName(groupId);
  return `${name.charAt(0).toUpperCase()}${name.slice(1)}`;
}
