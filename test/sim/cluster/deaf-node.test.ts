// A node whose incoming traffic is lost (a firewall rule, a broken NIC queue) while what it sends
// still arrives. It hears no leader, so it asks for votes, and those arrive: a node counted
// alive by any message from it was never counted silent, and the workflows it owned waited
// for it for good. Failure detection and owner failover now count only messages that show a
// node hears its peers (answers, a leader's appends): its workflows go on elsewhere at owner
// failover's 1.5 s, the cluster removes it at the failure timeout, as it does a crashed node,
// and it comes back once it hears again.

import { afterEach, expect, test } from "bun:test";
import { groupId, type NodeId } from "../../../src/lib/index.ts";
import { ClusterSim, SIM_TUNING, type SimNode } from "./cluster-sim.ts";
import { SIM_STEPS, SIM_WAITS } from "./sim-workflows.ts";

let sim: ClusterSim | undefined;
afterEach(async () => {
  await sim?.stopAll();
  sim = undefined;
});

const GROUP = groupId(1);
const FAILURE_TIMEOUT_MS = SIM_TUNING.failureTimeoutMs ?? 0;
const roleIn = (entry: SimNode) => entry.node?.raftHost()?.inspect(GROUP)?.status().role;

test("a node that hears nothing is removed, its workflows go on elsewhere, and it comes back", async () => {
  const current = new ClusterSim(71, [SIM_WAITS, SIM_STEPS]);
  sim = current;
  await current.settleThree();
  const deaf = current.nodes.find((entry) => roleIn(entry) === "leader") as SimNode;
  const others = current.nodes.filter((entry) => entry !== deaf);
  const [other] = others as [SimNode];
  // A 4 s durable sleep, then a child and an event wait: owned by the leader, which owns new
  // workflows, until something moves it.
  const started = await current.call(deaf, (api) =>
    api.startWorkflow({ workflowType: "sim_waits", version: 1, input: { n: 80 } }),
  );
  const seenBy = (entry: SimNode) => current.call(entry, (api) => api.describeWorkflow(started));
  expect((await seenBy(other)).ownerNodeId).toBe(deaf.lastId as NodeId);

  for (const entry of others) current.world.network.cutOneWay(entry.address, deaf.address);
  const cutAtMs = current.nowMs;
  // Its workflows move long before the removal: it runs none to its end meanwhile.
  let owner = deaf.lastId;
  while (owner === deaf.lastId && current.nowMs - cutAtMs < FAILURE_TIMEOUT_MS / 2) {
    await current.advance(250, 5);
    owner = (await seenBy(other)).ownerNodeId;
  }
  expect(owner).not.toBe(deaf.lastId as NodeId);
  const isListed = () => other.node?.managementState().nodes.has(deaf.lastId as NodeId) === true;
  await current.until("the deaf node is removed", () => !isListed(), 4 * FAILURE_TIMEOUT_MS);
  expect(current.nowMs - cutAtMs).toBeGreaterThan(FAILURE_TIMEOUT_MS);
  // Its own log says why: it hears none of the voters, whose deliveries from it succeed.
  const itsLines = current.lines.filter((line) => line.includes(` ${deaf.address} `));
  expect(itsLines.join("\n")).toContain("so they are up and cannot reach this node");
  let status = "";
  for (let waited = 0; waited < 30_000 && status !== "completed"; waited += 250) {
    await current.advance(250, 5);
    status = (await seenBy(other)).status;
  }
  expect(status).toBe("completed");
  expect((await seenBy(other)).ownerNodeId).not.toBe(deaf.lastId as NodeId);
  current.world.network.heal();
  await current.until("it is back", () => isListed() && current.isSettled(), 120_000);
}, 120_000);
