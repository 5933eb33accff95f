// Registration is idempotent for the process that registered, and never hands a lost id to
// a process that restarted without its storage. Voters a forced recovery left behind are
// removed and recorded as lost: their ids are never registered again (their storage may hold
// entries the cluster no longer has), while every other id works as before.

import { expect, test } from "bun:test";
import { bootstrappedManagement } from "../../test/support/management-log.ts";
import { nodeId } from "../lib/index.ts";
import {
  decodeManagementCommand,
  encodeManagementCommand,
  type ManagementCommand,
} from "./commands.ts";
import { ManagementRefusal, managementResultOf } from "./management-machine.ts";
import { decodeManagementState, encodeManagementState } from "./state-codec.ts";

function cluster() {
  const { machine, apply } = bootstrappedManagement({
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
  const remove = (id: number, isLost?: boolean) =>
    apply({
      type: "removeNode",
      nodeId: nodeId(id),
      reason: "test",
      ...(isLost === undefined ? {} : { isLost }),
    });
  return { machine, register, remove };
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
  expect(() => register("h:2", "b-restarted", 2)).toThrow(
    "node 2 at h:2 was registered by another process, whose state this one does not have " +
      "(restarted without --storage-path?); start without --node-id to join as a new node. " +
      "Do not take id 2 back once it is removed either: a group that has not dropped it from " +
      "its configuration would count the vote of a process that lost that node's log",
  );
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

test("a lost voter is removed, and its id is refused ever after, naming the way back", () => {
  const { machine, register, remove } = cluster();
  register("h:2", "b");
  register("h:3", "c");
  remove(2, true);
  const state = machine.state();
  expect([...state.nodes.keys()]).toEqual([1, 3] as never);
  expect([...state.lostNodes]).toEqual([2] as never);
  expect(state.removedNodes.has(nodeId(2))).toBe(true);
  expect(() => register("h:2", "b", 2)).toThrow(
    expect.objectContaining({ code: "FAILED_PRECONDITION" }),
  );
  expect(() => register("h:2", "b", 2)).toThrow("left behind by a forced recovery");
  expect(() => register("h:2", "b", 2)).toThrow("empty --storage-path, without --node-id");
  // The same address, as a new node, is welcome; so is any other id.
  expect(register("h:2", "b2")).toEqual({ nodeId: nodeId(4) });
  expect(register("h:5", "e", 9)).toEqual({ nodeId: nodeId(9) });
});

test("a voter removed before the recovery (silent too long) is recorded as lost all the same", () => {
  const { machine, register, remove } = cluster();
  register("h:2", "b");
  remove(2);
  expect(machine.state().lostNodes.size).toBe(0);
  // A plain removal lets the node register again under its id...
  expect(register("h:2", "b", 2)).toEqual({ nodeId: nodeId(2) });
  remove(2);
  remove(2, true);
  expect([...machine.state().lostNodes]).toEqual([2] as never);
  // ...and an id never handed out is not recorded: lost ids are removed ones.
  remove(7, true);
  expect([...machine.state().lostNodes]).toEqual([2] as never);
});

test("lost ids survive a snapshot; an older snapshot or command without them reads as none", () => {
  const { machine, register, remove } = cluster();
  register("h:2", "b");
  remove(2, true);
  const copy = decodeManagementState(encodeManagementState(machine.state()));
  expect([...copy.lostNodes]).toEqual([2] as never);
  const old = JSON.parse(new TextDecoder().decode(encodeManagementState(machine.state())));
  delete old.lostNodes;
  const fromOld = decodeManagementState(new TextEncoder().encode(JSON.stringify(old)));
  expect(fromOld.lostNodes.size).toBe(0);
  const command: ManagementCommand = {
    type: "removeNode",
    nodeId: nodeId(2),
    reason: "r",
    isLost: true,
  };
  expect(decodeManagementCommand(encodeManagementCommand(command))).toEqual(command);
  const plain = encodeManagementCommand({ type: "removeNode", nodeId: nodeId(2), reason: "r" });
  expect(decodeManagementCommand(plain)).not.toHaveProperty("isLost");
});
