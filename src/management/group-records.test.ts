// What execution group leaders report into the management state (load, leader), and how a
// destroyed group's results stay findable (resultsMovedTo), through apply and snapshots.

import { expect, test } from "bun:test";
import { bootstrappedManagement } from "../../test/support/management-log.ts";
import { groupId, nodeId } from "../lib/index.ts";
import { decodeManagementCommand } from "./commands.ts";
import { resultsHolder } from "./management-state.ts";
import { decodeManagementState, encodeManagementState } from "./state-codec.ts";

function bootstrapped(groups = 1) {
  const { machine, apply } = bootstrappedManagement();
  for (let k = 0; k < groups; k++) apply({ type: "createGroup", members: [nodeId(1)] });
  return { machine, apply };
}

test("the reported leader and load land in the group record", () => {
  const { machine, apply } = bootstrapped();
  expect(machine.state().groups.get(groupId(1))?.leaderId).toBe(nodeId(0));
  apply({ type: "reportGroupLoad", groupId: groupId(1), running: 3, leaderId: nodeId(1) });
  expect(machine.state().groups.get(groupId(1))).toMatchObject({ running: 3, leaderId: 1 });
});

test("a report without a valid leaderId is refused at decoding", () => {
  const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
  for (const leaderId of [undefined, -1, "1"]) {
    expect(() =>
      decodeManagementCommand(bytes({ type: "reportGroupLoad", groupId: 1, running: 2, leaderId })),
    ).toThrow("leaderId must be an integer from 0 to");
  }
});

test("a destroyed group's results are found in the group that adopted them, across hops", () => {
  const { machine, apply } = bootstrapped(3);
  apply({ type: "destroyGroup", groupId: groupId(1), resultsMovedTo: groupId(2) });
  apply({ type: "destroyGroup", groupId: groupId(2), resultsMovedTo: groupId(3) });
  const state = machine.state();
  expect([...state.groups.keys()]).toEqual([groupId(3)]);
  expect(resultsHolder(state, groupId(1))).toBe(groupId(3));
  expect(resultsHolder(state, groupId(3))).toBe(groupId(3));
  // Never created: nothing to follow.
  expect(resultsHolder(state, groupId(9))).toBe(groupId(9));
  const restored = decodeManagementState(encodeManagementState(state));
  expect(restored.resultsMovedTo).toEqual(state.resultsMovedTo);
});

test("destroying a group twice records the first handover only", () => {
  const { machine, apply } = bootstrapped(3);
  apply({ type: "destroyGroup", groupId: groupId(1), resultsMovedTo: groupId(2) });
  apply({ type: "destroyGroup", groupId: groupId(1), resultsMovedTo: groupId(3) });
  expect(resultsHolder(machine.state(), groupId(1))).toBe(groupId(2));
});
