// A node that comes back without its disk (or without --storage-path) must not take its old
// id back: that id may still count as a voter with a log and votes the new process lacks.
// It joins as a new node, the old id is removed, and the cluster settles again.

import { afterEach, expect, test } from "bun:test";
import { ClusterSim } from "./cluster-sim.ts";

let sim: ClusterSim | undefined;
afterEach(async () => {
  await sim?.stopAll();
  sim = undefined;
});

test("a node restarted with an empty disk joins under a new id; its old id is removed", async () => {
  sim = new ClusterSim(5);
  const current = sim;
  await current.settleThree();
  const lost = current.nodes[2];
  if (lost === undefined) throw new Error("no third node");
  const oldId = lost.node?.nodeId;
  await current.crash(lost);
  current.world.wipe(lost.address);
  await current.start(lost);
  const newId = lost.node?.nodeId;
  expect(newId).not.toBe(oldId as never);
  await current.until("3 nodes settled again", () => current.isSettled(), 120_000);
  const state = current.managementLeader()?.node?.managementState();
  const live = current.live().map((entry) => entry.node?.nodeId);
  expect([...(state?.nodes.keys() ?? [])].sort()).toEqual(live.sort() as never);
  expect(live).toContain(newId);
  expect(state?.removedNodes.has(oldId as never)).toBe(true);
  for (const group of state?.groups.values() ?? []) expect(group.voters).not.toContain(oldId);
}, 300_000);
