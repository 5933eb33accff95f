// A node that does not host an execution group shows it as its management state last heard
// of it. Only a group's leader reports it, so a group that lost its majority would go on
// showing its dead leader, and the cluster as surviving a failure, on most nodes of a larger
// cluster; its members report it leaderless instead, once per spell without a leader.

import { afterEach, expect, test } from "bun:test";
import { MANAGEMENT_GROUP, nodeId } from "../../../src/lib/index.ts";
import { ClusterSim } from "./cluster-sim.ts";

let sim: ClusterSim | undefined;
afterEach(async () => {
  await sim?.stopAll();
  sim = undefined;
});

test("a group that lost its majority shows no leader on a node that does not host it", async () => {
  sim = new ClusterSim(11);
  const current = sim;
  await current.add();
  await current.add(5);
  await current.until("6 nodes in two groups", () => current.isSettled(), 120_000);
  const state = () => current.live()[0]?.node?.managementState();
  const groups = [...(state()?.groups.values() ?? [])];
  expect(groups.map((group) => group.voters.length).sort()).toEqual([3, 3]);
  const [lost, other] = groups as [(typeof groups)[0], (typeof groups)[0]];
  const idOf = (entry: (typeof current.nodes)[0]) => entry.node?.nodeId ?? nodeId(0);
  // Two voters of `lost` go down, its leader among them when the management leader is not.
  const managementLeader = current
    .live()
    .find((entry) => entry.node?.raftHost()?.inspect(MANAGEMENT_GROUP)?.status().role === "leader");
  const victims = current
    .live()
    .filter((entry) => lost.voters.includes(idOf(entry)) && entry !== managementLeader)
    .slice(0, 2);
  expect(victims).toHaveLength(2);
  const observer = current.live().find((entry) => other.voters.includes(idOf(entry)));
  if (observer === undefined) throw new Error("no node outside the group");
  for (const victim of victims) await current.crash(victim);
  const record = () => observer.node?.managementState().groups.get(lost.id);
  await current.until("the group shown leaderless", () => record()?.leaderId === 0, 20_000);
  expect(record()?.faultTolerance).toBe(0);
  // Back: its next leader's report shows it led again.
  for (const victim of victims) current.restart(victim);
  await current.until("the group shown led again", () => (record()?.leaderId ?? 0) !== 0, 60_000);
}, 300_000);
