// Which groups a recovery takes: a replica that is no member of its group's configuration (an
// empty one, placed while the group had no leader) has nothing to keep, so it is left out, and
// named, refused, by the dry run as by --force (which would refuse it anyway).

import { expect, test } from "bun:test";
import { type GroupId, groupId, nodeId, VirtualClock } from "../lib/index.ts";
import { emptyManagementState } from "../management/index.ts";
import { EMPTY_CONF_STATE, type RaftStatus } from "../raft/index.ts";
import { recoverGroups } from "./group-recovery.ts";

const SELF = nodeId(1);

/** Groups 1 (this node votes, with 2 and 3) and 2 (an empty replica), both leaderless. */
function survivor(dryRun: boolean, named?: GroupId[]) {
  const forced: GroupId[] = [];
  const confOf = (id: GroupId) =>
    id === 1 ? { ...EMPTY_CONF_STATE, voters: [SELF, nodeId(2), nodeId(3)] } : EMPTY_CONF_STATE;
  const status = (id: GroupId) =>
    ({ role: "follower", lastIndex: 9, commit: 7, applied: 7, confState: confOf(id) }) as never;
  return {
    forced,
    run: () =>
      recoverGroups({
        host: {
          nodeId: SELF,
          groupIds: () => [groupId(1), groupId(2)],
          hasGroup: () => true,
          inspect: (id) => ({ status: (): RaftStatus => status(id) }) as never,
          forceSoleVoter: async (id) => {
            forced.push(id);
            throw new Error("not in this test");
          },
          propose: async () => undefined,
        },
        leaderWatch: {
          leaderless: (id) => ({
            groupId: id,
            leaderlessMs: 9_000,
            unreachableVoters: [],
            hearsMajority: false,
            isUnreachedByVoters: false,
            isNewReplica: false,
          }),
        },
        clock: new VirtualClock(),
        managementState: emptyManagementState,
        request: { dryRun, ...(named === undefined ? {} : { groupIds: named }) },
      }),
  };
}

test("the dry run lists only the groups whose configuration this replica is in", async () => {
  const { run } = survivor(true);
  const result = await run();
  expect(result.groups.map((group) => group.groupId)).toEqual([groupId(1)]);
});

test("an empty replica named is refused, naming why, before anything is forced", async () => {
  const { run, forced } = survivor(false, [groupId(2)]);
  await expect(run()).rejects.toThrow(
    "group 2: this node's replica is not a member of the group's configuration",
  );
  expect(forced).toEqual([]);
});
