import { expect, test } from "bun:test";
import { type GroupId, groupId, nodeId } from "../lib/index.ts";
import { catchingUp, catchingUpGroups, groupsNotHeardFrom } from "./catching-up.ts";

const lagOf = (unapplied: number) => ({ unappliedCommits: () => unapplied });

test("a replica is catching up only past the threshold", () => {
  expect(catchingUp(groupId(1), lagOf(5_000), 5_000)).toBeUndefined();
  expect(catchingUp(groupId(1), lagOf(5_001), 5_000)).toEqual({
    groupId: groupId(1),
    unapplied: 5_001,
  });
  expect(catchingUp(groupId(1), undefined, 5_000)).toBeUndefined();
});

test("a replica kept only until its deletion never makes the node unhealthy", () => {
  // Group 2 removed this node while it was far behind: that replica will never catch up.
  const lags = new Map<GroupId, number>([
    [groupId(0), 0],
    [groupId(1), 7_000],
    [groupId(2), 90_000],
  ]);
  const host = {
    groupIds: () => [...lags.keys()],
    inspect: (id: GroupId) => lagOf(lags.get(id) ?? 0),
  };
  const behind = catchingUpGroups(host, (id) => id !== groupId(2), 5_000);
  expect(behind).toEqual([{ groupId: groupId(1), unapplied: 7_000 }]);
});

test("a replica that follows a leader is unsure of its lag until that leader tells it", () => {
  const replicas = new Map<GroupId, { leader: number; heard: boolean }>([
    [groupId(0), { leader: 1, heard: true }],
    [groupId(1), { leader: 1, heard: false }],
    [groupId(2), { leader: 0, heard: false }],
    [groupId(3), { leader: 1, heard: false }],
  ]);
  const host = {
    groupIds: () => [...replicas.keys()],
    inspect: (id: GroupId) => {
      const replica = replicas.get(id);
      if (replica === undefined) return undefined;
      return {
        leaderId: () => nodeId(replica.leader),
        hasHeardGroupCommit: () => replica.heard,
      };
    },
  };
  // Group 2 knows no leader yet (readiness waits for one anyway); 3 is not this node's any more.
  expect(groupsNotHeardFrom(host, (id) => id !== groupId(3))).toEqual([groupId(1)]);
});
