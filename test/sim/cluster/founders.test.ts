// Nodes started together, each with --bootstrap and --peers naming the others (node/founding.ts),
// on the memory network under a virtual clock: whatever the order and the delays of their
// starts and messages, they form one cluster.

import { afterEach, describe, expect, test } from "bun:test";
import { seededRandom } from "../../../src/lib/index.ts";
import { ClusterSim } from "./cluster-sim.ts";

let sim: ClusterSim | undefined;
afterEach(async () => {
  await sim?.stopAll();
  sim = undefined;
});

describe("founders started together", () => {
  for (const count of [3, 5]) {
    test(`${count} nodes form one cluster, over 40 seeds of start offsets and message delays`, async () => {
      for (let seed = 1; seed <= 40; seed++) {
        const current = new ClusterSim(seed * 7 + count);
        sim = current;
        const random = seededRandom(seed);
        current.world.network.faults = { dropRate: 0.01, delayMinMs: 0, delayMaxMs: 8 };
        for (const entry of current.founders(count)) {
          current.world.clock.setTimer(random.int(0, 40), () => current.restart(entry));
        }
        const isAllSettled = () => current.live().length === count && current.isSettled();
        await current.until(`${count} founders settled`, isAllSettled, 120_000);
        const clusters = new Set(
          current.live().map((entry) => entry.node?.managementState().clusterId),
        );
        expect({ seed, clusters: clusters.size, nodes: current.live().length }).toEqual({
          seed,
          clusters: 1,
          nodes: count,
        });
        current.checkIds();
        await current.stopAll();
        sim = undefined;
      }
    }, 300_000);
  }
});
