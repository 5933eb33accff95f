// A node that leaves while it is the only voter of its groups (a two-node cluster: one voter,
// one learner) must hand its vote over before it stops: stopping once its removal committed
// would leave the learner alone in groups that can never commit again. Where the learner
// cannot take over (cut off), the leave is refused before anything changes, the node keeps
// serving, and a later leave ends it.

import { afterEach, expect, test } from "bun:test";
import { groupId, MANAGEMENT_GROUP, RaftoralError } from "../../../src/lib/index.ts";
import { ClusterSim, type SimNode } from "./cluster-sim.ts";

let sim: ClusterSim | undefined;
afterEach(async () => {
  await sim?.stopAll();
  sim = undefined;
});

const PING = { workflowType: "ping_pong", version: 1, input: "ping" };

async function twoNodes(seed: number): Promise<[ClusterSim, SimNode, SimNode]> {
  const current = new ClusterSim(seed);
  sim = current;
  await current.add();
  await current.add();
  await current.until("2 nodes settled", () => current.isSettled(), 120_000);
  const [voter, learner] = current.nodes as [SimNode, SimNode];
  for (const id of [MANAGEMENT_GROUP, groupId(1)]) {
    const conf = voter.node?.raftHost()?.inspect(id)?.status().confState;
    expect([conf?.voters, conf?.learners]).toEqual([[voter.lastId], [learner.lastId]] as never);
  }
  return [current, voter, learner];
}

/** The remaining node is the sole voter of every group and runs workflows. */
async function expectServedBy(current: ClusterSim, entry: SimNode): Promise<void> {
  await current.until("the last node settled", () => current.isSettled(), 120_000);
  for (const id of [MANAGEMENT_GROUP, groupId(1)]) {
    const status = entry.node?.raftHost()?.inspect(id)?.status();
    expect([status?.role, status?.confState.voters]).toEqual(["leader", [entry.lastId]] as never);
  }
  const outcome = await current.call(entry, (api) => api.runWorkflow(PING));
  expect(outcome).toEqual({ success: true, output: "pong" });
}

test("the sole voter leaving hands its vote to the learner before it stops", async () => {
  const [current, voter, learner] = await twoNodes(41);
  expect(await current.leave(voter)).toBe(true);
  await expectServedBy(current, learner);
}, 300_000);

test("a leave the learner cannot take over is refused up front; a later one ends it", async () => {
  const [current, voter, learner] = await twoNodes(42);
  current.world.network.partition([learner.address], [voter.address]);
  // Long enough for the leader to see the learner inactive (so no swap begins). The leave's
  // check waits a proposal timeout for a learner to answer, during which the cluster also
  // removes the silent one (its failure timeout is shorter): no learner then either.
  await current.advance(3_000);
  let failure: unknown;
  voter.node?.leave().catch((error: unknown) => {
    failure = error;
  });
  await current.until("the leave fails", () => failure !== undefined, 180_000);
  expect(failure).toBeInstanceOf(RaftoralError);
  expect((failure as RaftoralError).code).toBe("UNAVAILABLE");
  expect((failure as RaftoralError).message).toContain(`node ${voter.lastId} cannot leave now`);
  // Nothing changed: still a member, and the one voter the groups count on.
  expect(voter.node?.managementState().nodes.has(voter.lastId as never)).toBe(true);
  expect(voter.node?.raftHost()?.inspect(MANAGEMENT_GROUP)?.status().role).toBe("leader");

  current.world.network.heal();
  expect(await current.leave(voter)).toBe(true);
  await expectServedBy(current, learner);
}, 300_000);
