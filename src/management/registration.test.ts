// Registration is idempotent for the process that registered, and never hands a lost id to
// a process that restarted without its storage.

import { expect, test } from "bun:test";
import { type LogIndex, nodeId } from "../lib/index.ts";
import { encodeManagementCommand, type ManagementCommand } from "./commands.ts";
import { ManagementMachine, ManagementRefusal, managementResultOf } from "./management-machine.ts";

function cluster() {
  const machine = new ManagementMachine();
  let index = 0;
  const apply = (command: ManagementCommand) =>
    machine.apply(encodeManagementCommand(command), ++index as LogIndex);
  apply({
    type: "bootstrap",
    clusterId: "c",
    transport: "grpc",
    maxVoters: 5,
    workflowFingerprint: "f",
    node: { id: nodeId(1), address: "h:1", instance: "a" },
  });
  const register = (address: string, instance: string, requestedId = 0) =>
    apply({
      type: "registerNode",
      address,
      requestedId: nodeId(requestedId),
      workflowFingerprint: "f",
      instance,
    });
  return { machine, register };
}

test("the same process registering again gets the same id", () => {
  const { machine, register } = cluster();
  expect(register("h:2", "b")).toEqual({ nodeId: nodeId(2) });
  expect(register("h:2", "b")).toEqual({ nodeId: nodeId(2) });
  expect(register("h:2", "b", 2)).toEqual({ nodeId: nodeId(2) });
  // A client that names no process keeps the old, address-only behaviour.
  expect(register("h:2", "")).toEqual({ nodeId: nodeId(2) });
  expect([...machine.state().nodes.keys()]).toEqual([1, 2] as never);
});

test("a new process at a known address joins as a new node and the old id is removed", () => {
  const { machine, register } = cluster();
  register("h:2", "b");
  expect(register("h:2", "b-restarted")).toEqual({ nodeId: nodeId(3) });
  const state = machine.state();
  expect([...state.nodes.keys()]).toEqual([1, 3] as never);
  expect(state.removedNodes.has(nodeId(2))).toBe(true);
  expect(state.nodes.get(nodeId(3))?.instance).toBe("b-restarted");
});

test("a new process asking for the old id explicitly is refused, saying why", () => {
  const { machine, register } = cluster();
  register("h:2", "b");
  expect(() => register("h:2", "b-restarted", 2)).toThrow(ManagementRefusal);
  expect(() => register("h:2", "b-restarted", 2)).toThrow("restarted without --storage-path");
  expect([...machine.state().nodes.keys()]).toEqual([1, 2] as never);
});

test("a proposer reads the registration's answer checked; another answer is INTERNAL", () => {
  const { register } = cluster();
  expect(managementResultOf(register("h:2", "b"), "nodeId", "a registration").nodeId).toBe(
    nodeId(2),
  );
  expect(() => managementResultOf(undefined, "nodeId", "a registration")).toThrow(
    expect.objectContaining({
      code: "INTERNAL",
      message: "a registration was answered with undefined",
    }),
  );
  expect(() => managementResultOf({ nodeId: 2 }, "claim", "a claim")).toThrow(
    'a claim was answered with {"nodeId":2}',
  );
});
