import { expect, test } from "bun:test";
import { groupId, NO_NODE, nodeId } from "../lib/index.ts";
import type { GroupRecord, ManagementCommand, ManagementMachine } from "../management/index.ts";
import { LeaderlessReports } from "./leaderless-reports.ts";

const SELF = nodeId(2);
const GROUP = groupId(1);

test("a member reports its leaderless group once per spell without a leader", async () => {
  let isLeaderless = false;
  const proposed: ManagementCommand[] = [];
  const reports = new LeaderlessReports({
    self: SELF,
    machine: { state: () => ({ nodes: new Map([[SELF, {}]]) }) } as unknown as ManagementMachine,
    leaderWatch: {
      leaderless: (id) =>
        isLeaderless
          ? {
              groupId: id,
              leaderlessMs: 6_000,
              unreachableVoters: [],
              hearsMajority: false,
              isUnreachedByVoters: false,
              isNewReplica: false,
            }
          : undefined,
    },
    propose: async (command) => {
      proposed.push(command);
    },
  });
  const led = { id: GROUP, leaderId: nodeId(1), faultTolerance: 1, running: 3 } as GroupRecord;
  await reports.check(led);
  expect(proposed).toEqual([]);
  isLeaderless = true;
  await reports.check(led);
  // Its leader, cut off from this member only, puts its report back; this member says no more.
  await reports.check(led);
  expect(proposed).toEqual([
    { type: "reportGroupLoad", groupId: GROUP, running: 3, leaderId: NO_NODE, faultTolerance: 0 },
  ]);
  // A new spell: led again for a while, then leaderless again.
  isLeaderless = false;
  await reports.check(led);
  isLeaderless = true;
  await reports.check(led);
  expect(proposed).toHaveLength(2);
  // Shown leaderless already: nothing to say.
  isLeaderless = false;
  await reports.check(led);
  isLeaderless = true;
  await reports.check({ ...led, leaderId: NO_NODE, faultTolerance: 0 });
  expect(proposed).toHaveLength(2);
});
