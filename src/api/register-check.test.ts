import { expect, test } from "bun:test";
import { bootstrappedManagement, registerNodeAt } from "../../test/support/management-log.ts";
import { nodeId } from "../lib/index.ts";
import { ManagementMachine } from "../management/index.ts";
import { NodeService, type NodeServiceOptions } from "./node-service.ts";
import { checkMayTakeRegistration } from "./register-check.ts";

const REFUSAL =
  "node 2 is not a member of the cluster any more (it left, or the cluster removed it), so " +
  "no node can join through it: join through a node that raftoral cluster status lists " +
  "(it last knew h:1)";

/** Node 2 of a cluster whose records it applied, then its removal. */
function removedNode2() {
  const { machine, apply } = bootstrappedManagement();
  registerNodeAt(apply, 2);
  const stateBefore = machine.state();
  apply({ type: "removeNode", nodeId: nodeId(2), reason: "left" });
  return { machine, stateBefore };
}

test("a member takes registrations; a node the cluster removed says so, naming members", () => {
  const { machine, stateBefore } = removedNode2();
  expect(() => checkMayTakeRegistration(stateBefore, nodeId(2))).not.toThrow();
  expect(() => checkMayTakeRegistration(machine.state(), nodeId(2))).toThrow(REFUSAL);
});

test("a node still catching up on its own registration, or with no cluster yet, is not refused", () => {
  // Not yet in the records it applied: never removed, so a member on its way.
  const { machine } = bootstrappedManagement();
  expect(() => checkMayTakeRegistration(machine.state(), nodeId(5))).not.toThrow();
  expect(() => checkMayTakeRegistration(new ManagementMachine().state(), nodeId(1))).not.toThrow();
});

test("a registration through a removed node is refused as such, not as a lost majority", async () => {
  const { machine } = removedNode2();
  // register() reads only these; the management group has no leader here, as on a node
  // that left.
  const options = {
    machine,
    self: nodeId(2),
    managementLeaderless: () => "The management group has had no leader for 9 s",
  } as Partial<NodeServiceOptions> as NodeServiceOptions;
  const service = new NodeService(options);
  const answer = service.register({ nodeId: nodeId(0), address: "h:9" });
  await expect(answer).rejects.toMatchObject({ code: "UNAVAILABLE", message: REFUSAL });
});
