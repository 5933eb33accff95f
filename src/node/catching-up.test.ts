import { expect, test } from "bun:test";
import { type GroupId, groupId } from "../lib/index.ts";
import { catchingUp, catchingUpGroups } from "./catching-up.ts";

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
