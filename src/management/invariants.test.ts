// The management state's invariants: a corrupted state is caught, and no sequence of
// commands (accepted or refused) builds a state that breaks them.

import { expect, test } from "bun:test";
import {
  AssertionError,
  groupId,
  type LogIndex,
  nodeId,
  type Random,
  seededRandom,
} from "../lib/index.ts";
import type { ManagementCommand } from "./commands.ts";
import { checkManagementInvariants } from "./invariants.ts";
import { applyCommand, ManagementRefusal } from "./management-machine.ts";
import { emptyManagementState, type ManagementState } from "./management-state.ts";

const bootstrap: ManagementCommand = {
  type: "bootstrap",
  clusterId: "c",
  transport: "grpc",
  maxVoters: 3,
  workflowFingerprint: "f",
  node: { id: nodeId(1), address: "h:1", instance: "i1" },
};

function booted(): ManagementState {
  return applyCommand(emptyManagementState(), bootstrap, 1 as LogIndex).state;
}

test("a state that breaks an invariant is refused", () => {
  const state = booted();
  const withGroup = applyCommand(
    state,
    { type: "createGroup", members: [nodeId(1)] },
    2 as LogIndex,
  ).state;
  const group = withGroup.groups.get(groupId(1));
  if (group === undefined) throw new Error("group 1 was not created");
  const corruptions: ManagementState[] = [
    { ...withGroup, maxVoters: 0 },
    { ...withGroup, removedNodes: new Set([nodeId(1)]) },
    { ...withGroup, groups: new Map([[groupId(1), { ...group, members: [nodeId(9)] }]]) },
    { ...withGroup, groups: new Map([[groupId(1), { ...group, voters: [nodeId(2), nodeId(1)] }]]) },
    {
      ...withGroup,
      groups: new Map([[groupId(1), { ...group, voters: [nodeId(1)], learners: [nodeId(1)] }]]),
    },
    {
      ...withGroup,
      resultsMovedTo: new Map([
        [groupId(2), groupId(3)],
        [groupId(3), groupId(2)],
      ]),
      nextGroupId: groupId(4),
    },
  ];
  for (const corrupted of corruptions) {
    expect(() => checkManagementInvariants(corrupted)).toThrow(AssertionError);
  }
  expect(() => checkManagementInvariants(withGroup)).not.toThrow();
});

function randomCommand(random: Random, state: ManagementState): ManagementCommand {
  const someNode = () => nodeId(random.int(1, state.nextNodeId + 2));
  const someGroup = () => groupId(random.int(1, state.nextGroupId + 2));
  const someNodes = () => Array.from({ length: random.int(0, 4) }, someNode);
  switch (random.int(0, 8)) {
    case 0:
      return {
        type: "registerNode",
        address: `h:${random.int(1, 12)}`,
        requestedId: random.chance(0.3) ? someNode() : nodeId(0),
        workflowFingerprint: random.chance(0.9) ? "f" : "other",
        instance: `i${random.int(0, 5)}`,
      };
    case 1:
      return { type: "removeNode", nodeId: someNode(), reason: "test" };
    case 2:
      return { type: "createGroup", members: someNodes() };
    case 3:
      return { type: "setGroupMembers", groupId: someGroup(), members: someNodes() };
    case 4:
      return { type: "setDraining", groupId: someGroup(), draining: random.chance(0.5) };
    case 5:
      return {
        type: "reportGroupConfig",
        groupId: someGroup(),
        voters: someNodes(),
        learners: someNodes(),
        configIndex: random.int(0, 50),
      };
    case 6:
      return {
        type: "destroyGroup",
        groupId: someGroup(),
        ...(random.chance(0.5) ? { resultsMovedTo: someGroup() } : {}),
      };
    default:
      return {
        type: "reportGroupLoad",
        groupId: someGroup(),
        running: random.int(0, 10),
        leaderId: someNode(),
      };
  }
}

test("random command sequences keep every invariant", () => {
  for (let seed = 1; seed <= 200; seed++) {
    const random = seededRandom(seed);
    let state = booted();
    for (let index = 2; index < 80; index++) {
      try {
        state = applyCommand(state, randomCommand(random, state), index as LogIndex).state;
      } catch (error) {
        if (!(error instanceof ManagementRefusal)) throw error;
      }
      checkManagementInvariants(state);
    }
  }
});
