// Each node records the workflow set it runs: as it registers, and again at each check-in (a
// restart, maybe with new code). A new node must run the set of some member, so that a
// rolling upgrade can add nodes with the old set or the new one, while a node started with
// the wrong module is refused; a node that comes back under its id is not held to it. These
// are management rules 1: while any member's build applies older rules (it would refuse such
// a node: every replica must decide alike), every node must run the bootstrap node's set.

import { expect, test } from "bun:test";
import { bootstrappedManagement } from "../../test/support/management-log.ts";
import { nodeId } from "../lib/index.ts";
import { ManagementRefusal } from "./management-machine.ts";
import { decodeManagementState, encodeManagementState } from "./state-codec.ts";

function cluster() {
  const { machine, apply } = bootstrappedManagement({
    workflowFingerprint: "old",
    rulesVersion: 1,
  });
  const register = (address: string, workflowFingerprint: string, requestedId = 0, rules = 1) =>
    apply({
      type: "registerNode",
      address,
      requestedId: nodeId(requestedId),
      workflowFingerprint,
      instance: address,
      rulesVersion: rules,
    });
  const restartWith = (id: number, workflowFingerprint: string, rulesVersion = 1) =>
    apply({
      type: "checkIn",
      nodeId: nodeId(id),
      previous: 0,
      incarnation: 1,
      nonce: "n",
      workflowFingerprint,
      rulesVersion,
    });
  const setsOf = () =>
    [...machine.state().nodes.values()].map((node) => `${node.id}:${node.workflowFingerprint}`);
  return { machine, apply, register, restartWith, setsOf };
}

test("a rolling upgrade: new nodes may join with the old set or the new one, not a third", () => {
  const { register, restartWith, setsOf } = cluster();
  expect(register("h:2", "old")).toEqual({ nodeId: nodeId(2) });
  restartWith(1, "new");
  expect(setsOf()).toEqual(["1:new", "2:old"]);
  expect(register("h:3", "new")).toEqual({ nodeId: nodeId(3) });
  expect(register("h:4", "old")).toEqual({ nodeId: nodeId(4) });
  expect(() => register("h:5", "wrong")).toThrow(ManagementRefusal);
  expect(() => register("h:5", "wrong")).toThrow(
    "this node's workflow set (wrong) differs from every member's (new, old)",
  );
});

test("once every member runs the new set, the old one no longer joins", () => {
  const { register, restartWith, apply } = cluster();
  register("h:2", "old");
  restartWith(1, "new");
  apply({ type: "removeNode", nodeId: nodeId(2), reason: "test" });
  expect(() => register("h:3", "old")).toThrow("differs from every member's (new)");
});

test("a node coming back under its id is admitted whatever set it runs now", () => {
  const { register, apply, setsOf } = cluster();
  register("h:2", "old");
  apply({ type: "removeNode", nodeId: nodeId(2), reason: "silent" });
  expect(register("h:2", "new", 2)).toEqual({ nodeId: nodeId(2) });
  expect(setsOf()).toEqual(["1:old", "2:new"]);
});

test("the sets survive a snapshot; states from before read as the cluster's set", () => {
  const { machine, register, restartWith } = cluster();
  register("h:2", "old");
  restartWith(2, "new");
  const decoded = decodeManagementState(encodeManagementState(machine.state()));
  expect(decoded.nodes.get(nodeId(2))?.workflowFingerprint).toBe("new");
  const older = JSON.parse(new TextDecoder().decode(encodeManagementState(machine.state())));
  for (const node of older.nodes) delete node.workflowFingerprint;
  const fromOlder = decodeManagementState(new TextEncoder().encode(JSON.stringify(older)));
  expect(fromOlder.nodes.get(nodeId(2))?.workflowFingerprint).toBe("");
});

test("while a member's build applies older rules, every node must run the bootstrap set", () => {
  const { register, restartWith } = cluster();
  // Node 2 runs an older build: its registration says no rules version.
  expect(register("h:2", "old", 0, 0)).toEqual({ nodeId: nodeId(2) });
  restartWith(1, "new");
  expect(() => register("h:3", "new")).toThrow("differs from every member's (old)");
  // Once node 2 restarts with this build too, the members' sets count.
  restartWith(2, "old");
  expect(register("h:3", "new")).toEqual({ nodeId: nodeId(3) });
});

test("rules 2: while a member applies older rules anyone joins; once all do, older builds don't", () => {
  const { register, restartWith } = cluster();
  // Node 1 (rules 1) is a member: a build of rules 1 or 2 joins.
  expect(register("h:2", "old", 0, 2)).toEqual({ nodeId: nodeId(2) });
  expect(register("h:3", "old", 0, 1)).toEqual({ nodeId: nodeId(3) });
  // Every member upgraded (each restarts with the new build): older builds are refused.
  restartWith(1, "old", 2);
  restartWith(3, "old", 2);
  expect(() => register("h:4", "old", 0, 1)).toThrow(
    "this node's build applies management rules 1, and every member of the cluster applies rules 2",
  );
  expect(register("h:4", "old", 0, 2)).toEqual({ nodeId: nodeId(4) });
});

test("from rules 2 on, a build older than every member's is refused, whatever rules it lacks", () => {
  const { register, restartWith } = cluster();
  register("h:2", "old", 0, 3);
  restartWith(1, "old", 3);
  // Rules 2 is no longer enough once every member applies rules 3 (counted claims).
  expect(() => register("h:3", "old", 0, 2)).toThrow(
    "this node's build applies management rules 2, and every member of the cluster applies rules 3",
  );
  expect(register("h:3", "old", 0, 3)).toEqual({ nodeId: nodeId(3) });
  // While a member is still on rules 2, a build of rules 2 joins.
  const mixed = cluster();
  mixed.register("h:2", "old", 0, 2);
  mixed.restartWith(1, "old", 3);
  expect(mixed.register("h:3", "old", 0, 2)).toEqual({ nodeId: nodeId(3) });
});

test("rules 2: a retried check-in from a newer build records its rules once the others apply them", () => {
  const { machine, register, apply } = cluster();
  register("h:2", "old", 0, 2);
  const checkIn = (rulesVersion: number) =>
    apply({
      type: "checkIn",
      nodeId: nodeId(1),
      previous: 0,
      incarnation: 1,
      nonce: "n",
      workflowFingerprint: "old",
      rulesVersion,
    });
  // The old build's check-in commits, but its answer is lost; the new build retries the claim.
  checkIn(1);
  checkIn(2);
  expect(machine.state().nodes.get(nodeId(1))?.rulesVersion).toBe(2);
});
