// Whole-cluster simulation of the management layer: real nodes (management group, cluster
// manager, execution groups, workflow runtime) on the memory network under a virtual clock.

import { afterEach, describe, expect, test } from "bun:test";
import { ClusterSim } from "./cluster-sim.ts";

let sim: ClusterSim | undefined;
afterEach(async () => {
  await sim?.stopAll();
  sim = undefined;
});

describe("cluster simulation", () => {
  test("grows to 20 nodes one by one and in a burst, settling into groups of 3-5", async () => {
    sim = new ClusterSim(1);
    const current = sim;
    const start = current.nowMs;
    await current.add();
    for (let k = 0; k < 9; k++) {
      await current.add();
      current.checkIds();
    }
    const oneByOne = await current.until("10 nodes settled", () => current.isSettled(), 120_000);
    await current.add(10);
    current.checkIds();
    const burst = await current.until("20 nodes settled", () => current.isSettled(), 180_000);
    console.log(
      `20-node simulation: settled ${(oneByOne / 1000).toFixed(1)} s after the 10th join, ` +
        `${(burst / 1000).toFixed(1)} s after a burst of 10; ${((current.nowMs - start) / 1000).toFixed(1)} simulated s in all`,
    );
    expect(current.live()).toHaveLength(20);
  }, 300_000);
});

describe.each((process.env.CLUSTER_SEEDS ?? "1,2,3").split(",").map(Number))(
  "cluster simulation with failures, seed %i",
  (seed) => {
    test("loses nodes (the management leader among them), restarts them, with message loss", async () => {
      sim = new ClusterSim(seed);
      const current = sim;
      await current.add();
      await current.add(8);
      await current.until("9 nodes settled", () => current.isSettled(), 120_000);
      current.world.network.faults = { dropRate: 0.02, delayMinMs: 1, delayMaxMs: 10 };
      // A quick restart: back before the failure timeout, the node resumes its place.
      const quick = current.live()[4];
      if (quick === undefined) throw new Error("no node to restart");
      const quickId = quick.node?.nodeId;
      await current.crash(quick);
      await current.advance(1_000);
      await current.start(quick);
      expect(quick.node?.nodeId).toBe(quickId as never);
      // Lose the management leader and two more nodes for good.
      const leader = current.managementLeader();
      if (leader === undefined) throw new Error("no management leader");
      const lost = current.minorityToLose(leader, 3);
      for (const entry of lost) await current.crash(entry);
      current.checkIds();
      const repaired = await current.until(
        "6 nodes settled after losing 3",
        () => current.isSettled(),
        180_000,
      );
      // A lost node comes back with its old disk: it was removed, so it registers again.
      const returning = lost[1];
      if (returning === undefined) throw new Error("no node to bring back");
      await current.start(returning);
      current.checkIds();
      const readmitted = await current.until(
        "7 nodes settled after a re-admission",
        () => current.isSettled(),
        180_000,
      );
      console.log(
        `seed ${seed}: repaired ${(repaired / 1000).toFixed(1)} s after losing 3 nodes; re-admitted in ${(readmitted / 1000).toFixed(1)} s`,
      );
      expect(current.live()).toHaveLength(7);
    }, 300_000);
  },
);
