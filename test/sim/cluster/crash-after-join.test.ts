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
  // It can ask (register), and the cluster reaches its address (the registration checks
  // that), but none of the cluster's Raft traffic arrives.
  const { network } = current.world;
  network.faults = { ...network.faults, isMessageLost: (_from, to) => to === late.address };
  const failure = await current.start(late).then(
    () => undefined,
    (error: Error) => error,
  );
  expect(failure?.message).toContain("ready: not reached");
  network.faults = { ...network.faults, isMessageLost: undefined };
  await current.start(late);
  expect(late.node?.raftHost()?.groupIds()).toContain(0 as never);
  await current.until("4 nodes settled", () => current.isSettled(), 120_000);
}, 300_000);
