// What execution group leaders report into the management state (load, leader), and how a
// destroyed group's results stay findable (resultsMovedTo), through apply and snapshots.

import { expect, test } from "bun:test";
import { bootstrappedManagement } from "../../test/support/management-log.ts";
import { groupId, nodeId } from "../lib/index.ts";
import { decodeManagementCommand } from "./commands.ts";
import { FORCED_REPORT_RULES, resultsHolder } from "./management-state.ts";
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

test("a configuration a forced recovery reports replaces the record whatever its index", () => {
  const { machine, apply } = bootstrappedManagement({ rulesVersion: FORCED_REPORT_RULES });
  apply({ type: "createGroup", members: [nodeId(1)] });
  const report = (configIndex: number, voters: number[], forced?: true) =>
    apply({
      type: "reportGroupConfig",
      groupId: groupId(1),
      voters: voters.map(nodeId),
      learners: [],
      configIndex,
      ...(forced === undefined ? {} : { forced }),
    });
  const recorded = () => machine.state().groups.get(groupId(1));
  report(90, [1, 2, 3]);
  // The survivor's log ends at 40: its own report is passed over, as any older one.
  report(40, [1]);
  expect(recorded()).toMatchObject({ voters: [1, 2, 3], configIndex: 90 });
  report(40, [1], true);
  expect(recorded()).toMatchObject({ voters: [1], configIndex: 40 });
  // From there on its reports count again.
  report(41, [1, 4]);
  expect(recorded()).toMatchObject({ voters: [1, 4], configIndex: 41 });
});

test("a forced report is taken as any other while a member's build applies older rules", () => {
  const { machine, apply } = bootstrappedManagement({ rulesVersion: FORCED_REPORT_RULES - 1 });
  apply({ type: "createGroup", members: [nodeId(1)] });
  const base = { type: "reportGroupConfig", groupId: groupId(1), learners: [] } as const;
  apply({ ...base, voters: [nodeId(1), nodeId(2)], configIndex: 90 });
  apply({ ...base, voters: [nodeId(1)], configIndex: 40, forced: true });
  expect(machine.state().groups.get(groupId(1))).toMatchObject({ voters: [1, 2], configIndex: 90 });
});

test("the forced flag survives the log's codec, and only as true", () => {
  const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
  const command = {
    type: "reportGroupConfig",
    groupId: 1,
    voters: [1],
    learners: [],
    configIndex: 4,
  };
  expect(decodeManagementCommand(bytes({ ...command, forced: true }))).toMatchObject({
    forced: true,
  });
  expect(decodeManagementCommand(bytes({ ...command, forced: false }))).not.toHaveProperty(
    "forced",
  );
  expect(() => decodeManagementCommand(bytes({ ...command, forced: "yes" }))).toThrow("forced");
});
