// A follower that missed more committed entries than a Ready hands out applies them over
// several turns of its host, without waiting for a message or a tick to wake it for each.

import { expect, test } from "bun:test";
import { groupId } from "../../src/lib/index.ts";
import { clusterWithGroups, settle, TEST_HOST_CONFIG } from "../support/host-cluster.ts";
import { kvCommand } from "../support/kv-state-machine.ts";

const G1 = groupId(1);
const SMALL_READIES = {
  ...TEST_HOST_CONFIG,
  raft: { ...TEST_HOST_CONFIG.raft, committedEntriesPerReadyMax: 4 },
};

test("a follower that missed 40 commands applies them all, four per Ready", async () => {
  const cluster = await clusterWithGroups([G1], { config: SMALL_READIES });
  const leader = cluster.leaderOf(G1);
  const follower = [...cluster.hosts.values()].find((host) => host.id !== leader?.id);
  if (leader === undefined || follower === undefined) throw new Error("no leader");
  const address = cluster.address(follower.id);
  cluster.network.pause(address);
  const puts = Array.from({ length: 40 }, (_, k) =>
    settle(leader.host.propose(G1, kvCommand({ op: "put", key: `k${k}`, value: `v${k}` }))),
  );
  await cluster.until(() => puts.every((put) => put.done));
  expect(puts.map((put) => put.error)).toEqual(puts.map(() => undefined));
  const leaderMachine = cluster.machineFor(leader.id, G1);
  const followerMachine = cluster.machineFor(follower.id, G1);
  const missed = leaderMachine.applied - followerMachine.applied;
  expect(missed).toBeGreaterThanOrEqual(40);

  cluster.network.resume(address);
  const resumedMs = cluster.clock.nowMs();
  await cluster.until(() => followerMachine.applied === leaderMachine.applied, 5_000);
  expect([...followerMachine.data]).toEqual([...leaderMachine.data]);
  // Ten Readies in a row, each in the turn after the last: within one tick (10 ms), where
  // batches that each waited for a tick or a message took 66 ms.
  expect(cluster.clock.nowMs() - resumedMs).toBeLessThanOrEqual(TEST_HOST_CONFIG.tickIntervalMs);
});
