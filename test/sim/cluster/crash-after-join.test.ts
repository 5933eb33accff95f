// A node that registered but stopped before the management group sent it anything has no
// management replica on disk. Restarted, it must host one again and catch up, not sit forever
// ignoring the management group's messages.

import { afterEach, expect, test } from "bun:test";
import { ClusterSim, type SimNode } from "./cluster-sim.ts";

let sim: ClusterSim | undefined;
afterEach(async () => {
  await sim?.stopAll();
  sim = undefined;
});

test("a node that crashed right after joining resumes, hosts the management group and is ready", async () => {
  sim = new ClusterSim(9);
  const current = sim;
  await current.settleThree();
  const late: SimNode = {
    address: "node-4:7001",
    peers: [current.nodes[0]?.address ?? ""],
    isBootstrap: false,
    node: undefined,
    lastId: undefined,
  };
  current.nodes.push(late);
  // It can ask (register) but hears nothing back from the cluster's Raft traffic.
  for (const entry of current.nodes.slice(0, 3)) {
    current.world.network.cutOneWay(entry.address, late.address);
  }
  const failure = await current.start(late).then(
    () => undefined,
    (error: Error) => error,
  );
  expect(failure?.message).toContain("ready: not reached");
  current.world.network.heal();
  await current.start(late);
  expect(late.node?.raftHost()?.groupIds()).toContain(0 as never);
  await current.until("4 nodes settled", () => current.isSettled(), 120_000);
}, 300_000);
