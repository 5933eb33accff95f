import { expect, test } from "bun:test";
import { bootstrappedManagement, registerNodeAt } from "../../test/support/management-log.ts";
import { groupId, MANAGEMENT_GROUP, nodeId } from "../lib/index.ts";
import { ManagementDirectory } from "./management-directory.ts";

test("a node the cluster removed counts as removed from the management group only", () => {
  const { machine, apply } = bootstrappedManagement();
  const directory = new ManagementDirectory(() => machine.state());
  registerNodeAt(apply, 2);
  expect(directory.isRemoved(MANAGEMENT_GROUP, nodeId(2))).toBe(false);
  apply({ type: "removeNode", nodeId: nodeId(2), reason: "silent for 30 s" });
  expect(directory.isRemoved(MANAGEMENT_GROUP, nodeId(2))).toBe(true);
  // Still a node of the cluster for its traffic otherwise (a replica behind may not know it
  // was admitted again); an execution group's record stops counting it instead.
  expect(directory.isClusterNode(nodeId(2))).toBe(true);
  expect(directory.isRemoved(groupId(1), nodeId(2))).toBe(false);
  expect(directory.isRemoved(MANAGEMENT_GROUP, nodeId(1))).toBe(false);
});
