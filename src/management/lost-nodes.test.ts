// Voters a forced recovery left behind are removed and recorded as lost: their ids are never
// registered again (their storage may hold entries the cluster no longer has), while every
// other id works as before.

import { expect, test } from "bun:test";
import { type LogIndex, nodeId } from "../lib/index.ts";
import {
  decodeManagementCommand,
  encodeManagementCommand,
  type ManagementCommand,
} from "./commands.ts";
import { ManagementMachine } from "./management-machine.ts";
import { decodeManagementState, encodeManagementState } from "./state-codec.ts";

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
  const register = (address: string, requestedId = 0) =>
    apply({
      type: "registerNode",
      address,
      requestedId: nodeId(requestedId),
      workflowFingerprint: "f",
      instance: address,
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

test("a lost voter is removed, and its id is refused ever after, naming the way back", () => {
  const { machine, register, remove } = cluster();
  register("h:2");
  register("h:3");
  remove(2, true);
  const state = machine.state();
  expect([...state.nodes.keys()]).toEqual([1, 3] as never);
  expect([...state.lostNodes]).toEqual([2] as never);
  expect(state.removedNodes.has(nodeId(2))).toBe(true);
  const refusal = (() => {
    try {
      register("h:2", 2);
    } catch (error) {
      return error as Error & { code: string };
    }
    return undefined;
  })();
  expect(refusal?.code).toBe("FAILED_PRECONDITION");
  expect(refusal?.message).toContain("left behind by a forced recovery");
  expect(refusal?.message).toContain("empty --storage-path, without --node-id");
  // The same address, as a new node, is welcome; so is any other id.
  expect(register("h:2")).toEqual({ nodeId: nodeId(4) });
  expect(register("h:5", 9)).toEqual({ nodeId: nodeId(9) });
});

test("a voter removed before the recovery (silent too long) is recorded as lost all the same", () => {
  const { machine, register, remove } = cluster();
  register("h:2");
  remove(2);
  expect(machine.state().lostNodes.size).toBe(0);
  remove(2, true);
  expect([...machine.state().lostNodes]).toEqual([2] as never);
  // An id never handed out is not recorded: the invariants hold lost ids to removed ones.
  remove(7, true);
  expect([...machine.state().lostNodes]).toEqual([2] as never);
});

test("plain removals still let a node register again under its id", () => {
  const { machine, register, remove } = cluster();
  register("h:2");
  remove(2);
  expect(register("h:2", 2)).toEqual({ nodeId: nodeId(2) });
  expect(machine.state().removedNodes.has(nodeId(2))).toBe(false);
});

test("lost ids survive a snapshot; an older snapshot or command without them reads as none", () => {
  const { machine, register, remove } = cluster();
  register("h:2");
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
