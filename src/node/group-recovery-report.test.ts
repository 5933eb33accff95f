// A forced recovery reports each execution group's new configuration as forced, so that the
// records take it although the survivor's log ends before the index they last held; only once
// every member's build applies that rule (management rules 4).

import { expect, test } from "bun:test";
import { bootstrappedManagement } from "../../test/support/management-log.ts";
import { groupId, MANAGEMENT_GROUP, nodeId, VirtualClock } from "../lib/index.ts";
import {
  decodeManagementCommand,
  FORCED_REPORT_RULES,
  type ManagementCommand,
  type ManagementState,
} from "../management/index.ts";
import { EMPTY_CONF_STATE, type RaftStatus } from "../raft/index.ts";
import { recoverGroups } from "./group-recovery.ts";

const SELF = nodeId(1);
const GROUP = groupId(1);

/** A survivor of voters 1-3 of group 1; forced, it leads alone with its log applied to 40. */
async function recoverOn(state: ManagementState): Promise<ManagementCommand[]> {
  const proposed: ManagementCommand[] = [];
  let isForced = false;
  const status = (): RaftStatus =>
    (isForced
      ? {
          role: "leader",
          commit: 40,
          applied: 40,
          confState: { ...EMPTY_CONF_STATE, voters: [SELF] },
          appliedConfState: { ...EMPTY_CONF_STATE, voters: [SELF] },
        }
      : {
          role: "follower",
          lastIndex: 39,
          commit: 37,
          applied: 37,
          confState: { ...EMPTY_CONF_STATE, voters: [SELF, nodeId(2), nodeId(3)] },
        }) as never;
  await recoverGroups({
    host: {
      nodeId: SELF,
      groupIds: () => [GROUP],
      hasGroup: () => true,
      inspect: () => ({ status }) as never,
      forceSoleVoter: async () => {
        isForced = true;
        return { lastIndex: 40, commitBefore: 37, droppedVoters: [nodeId(2), nodeId(3)] } as never;
      },
      propose: async (group, data) => {
        expect(group).toBe(MANAGEMENT_GROUP);
        proposed.push(decodeManagementCommand(data));
        return undefined as never;
      },
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
    managementState: () => state,
    request: { dryRun: false },
  });
  return proposed;
}

test("once every member applies the rule, the new configuration is reported as forced", async () => {
  const { machine } = bootstrappedManagement({ rulesVersion: FORCED_REPORT_RULES });
  const proposed = await recoverOn(machine.state());
  expect(proposed.map((command) => command.type)).toEqual([
    "removeNode",
    "removeNode",
    "reportGroupConfig",
  ]);
  expect(proposed[2]).toEqual({
    type: "reportGroupConfig",
    groupId: GROUP,
    voters: [SELF],
    learners: [],
    configIndex: 40,
    forced: true,
  });
});

test("while a member's build does not apply it, nothing is reported beyond the lost voters", async () => {
  const { machine } = bootstrappedManagement({ rulesVersion: FORCED_REPORT_RULES - 1 });
  const proposed = await recoverOn(machine.state());
  expect(proposed.map((command) => command.type)).toEqual(["removeNode", "removeNode"]);
});
