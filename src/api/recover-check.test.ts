import { expect, test } from "bun:test";
import { bootstrappedManagement, registerNodeAt } from "../../test/support/management-log.ts";
import { nodeId } from "../lib/index.ts";
import { ManagementMachine } from "../management/index.ts";
import { checkMayRecover } from "./recover-check.ts";

test("a member may recover; a node the cluster removed, or one that left, may not", () => {
  const { machine, apply } = bootstrappedManagement();
  registerNodeAt(apply, 2);
  expect(() => checkMayRecover(machine.state(), nodeId(2))).not.toThrow();
  apply({ type: "removeNode", nodeId: nodeId(2), reason: "silent for 30 s" });
  expect(() => checkMayRecover(machine.state(), nodeId(2))).toThrow(
    "node 2 is not a member of the cluster any more (it left, or the cluster removed it)",
  );
  // A node with no cluster yet is refused further on, by the recovery itself.
  expect(() => checkMayRecover(new ManagementMachine().state(), nodeId(1))).not.toThrow();
});
