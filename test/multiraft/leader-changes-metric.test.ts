// raftoral_raft_leader_changes_total counts new leaders, one per term: a follower that loses
// sight of its leader, pre-campaigns in vain (its role changes) and hears the same leader
// again in the same term has seen no new leader.

import { expect, test } from "bun:test";
import { groupId, nodeId } from "../../src/lib/index.ts";
import { clusterWithGroups } from "../support/host-cluster.ts";

const G = groupId(1);

function leaderChanges(metrics: string): number {
  const line = metrics
    .split("\n")
    .find((text) => text.startsWith(`raftoral_raft_leader_changes_total{group="${G}"}`));
  return Number(line?.split(" ").at(-1) ?? "0");
}

test("a follower that hears the same leader again in the same term counts it once", async () => {
  const cluster = await clusterWithGroups([G]);
  const leader = cluster.leaderOf(G);
  const term = leader?.host.inspect(G)?.currentTerm();
  const followerId = [1, 2, 3].find((id) => nodeId(id) !== leader?.id) ?? 0;
  const follower = cluster.hosts.get(nodeId(followerId));
  const others = [1, 2, 3].filter((id) => id !== followerId).map((id) => `node-${id}:1`);
  await cluster.until(() => follower?.host.inspect(G)?.leaderId() === leader?.id);
  expect(leaderChanges(follower?.metrics.render() ?? "")).toBe(1);

  // Cut off for longer than an election timeout: it pre-campaigns, which nobody answers.
  cluster.network.partition([`node-${followerId}:1`], others);
  await cluster.until(() => follower?.host.inspect(G)?.status().role === "preCandidate");
  cluster.network.heal();
  await cluster.until(() => follower?.host.inspect(G)?.leaderId() === leader?.id);

  expect(cluster.leaderOf(G)?.host.inspect(G)?.currentTerm()).toBe(term);
  expect(leaderChanges(follower?.metrics.render() ?? "")).toBe(1);
});
