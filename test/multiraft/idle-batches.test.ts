// Idle groups cost requests per peer, not per group: every leader of a host heartbeats in the
// same ticks, and a turn sends all its messages to a peer in one batch, so an idle node sends
// each peer about one batch of heartbeats and one of answers per heartbeat interval, however
// many groups it hosts.

import { expect, test } from "bun:test";
import { groupId, nodeId } from "../../src/lib/index.ts";
import { HostCluster, TEST_HOST_CONFIG } from "../support/host-cluster.ts";

const VOTERS = [nodeId(1), nodeId(2), nodeId(3)];
const GROUPS = 12;

test("an idle node sends each peer about two batches per heartbeat interval for 12 groups", async () => {
  const cluster = new HostCluster();
  for (const id of [1, 2, 3]) await cluster.startNode(id);
  for (let g = 1; g <= GROUPS; g++) {
    const creations = [1, 2, 3].map((id) =>
      cluster.hosts
        .get(nodeId(id))
        ?.host.createGroup(
          groupId(g),
          { mode: "bootstrap", voters: VOTERS },
          cluster.machineFor(id, groupId(g)),
        ),
    );
    await cluster.advance(2);
    await Promise.all(creations);
  }
  for (let g = 1; g <= GROUPS; g++) {
    await cluster.until(() => cluster.leaderOf(groupId(g)) !== undefined);
  }
  // Elections and the first appends die down.
  await cluster.advance(500);
  const sent = () => [...cluster.hosts.values()].map((host) => host.senders.stats().sentBatches);
  const before = sent();
  const ticks = 100;
  await cluster.advance(ticks * TEST_HOST_CONFIG.tickIntervalMs);
  const intervals = ticks / TEST_HOST_CONFIG.raft.heartbeatTicks;
  const leaders = new Set(
    Array.from({ length: GROUPS }, (_, k) => cluster.leaderOf(groupId(k + 1))?.id),
  );
  sent().forEach((count, k) => {
    const batches = count - (before[k] ?? 0);
    // Per peer and interval: one batch of heartbeats (if it leads any group) and one of
    // answers (if it follows any); one per group and phase would be many times more.
    expect(batches).toBeLessThanOrEqual(Math.ceil(2 * 2 * intervals * 1.1));
    expect(batches).toBeGreaterThan(0);
  });
  // The groups' leaders are spread (the bound above is not met by one node leading all).
  expect(leaders.size).toBeGreaterThan(1);
});
