// A replica removed from a node leaves a tombstone: a replica of the same group created there
// later starts from its term and vote and keeps its vote floor, in memory and across restarts.

import { describe, expect, test } from "bun:test";
import { groupId, logIndex, NO_NODE, nodeId, term } from "../../src/lib/index.ts";
import { loadGroupState } from "../../src/multiraft/load-group.ts";
import { MemoryLogStorage, MemoryLogStore } from "../../src/storage/index.ts";
import { clusterWithGroups, type HostCluster } from "../support/host-cluster.ts";
import { kvCommand } from "../support/kv-state-machine.ts";

const G1 = groupId(1);

function hostOf(cluster: HostCluster, id: number) {
  const testHost = cluster.hosts.get(nodeId(id));
  if (testHost === undefined) throw new Error(`no node ${id}`);
  return testHost.host;
}

/** A follower of G1, after a few elections so that its term and vote are not the defaults. */
async function followerWithHistory(cluster: HostCluster): Promise<number> {
  const first = cluster.leaderOf(G1);
  if (first === undefined) throw new Error("no leader");
  await cluster.crash(first.id);
  await cluster.until(() => {
    const leader = cluster.leaderOf(G1);
    return leader !== undefined && leader.id !== first.id;
  }, 20_000);
  await cluster.startNode(first.id);
  const leader = cluster.leaderOf(G1);
  const follower = [1, 2, 3].find((id) => id !== leader?.id && id !== first.id);
  if (follower === undefined) throw new Error("no follower");
  await settled(
    cluster,
    hostOf(cluster, follower).propose(G1, kvCommand({ op: "put", key: "k", value: "v" })),
  );
  return follower;
}

/** Advances virtual time until `promise` settles, then returns its value. */
async function settled<T>(cluster: HostCluster, promise: Promise<T>): Promise<T> {
  let isDone = false;
  const done = promise.finally(() => {
    isDone = true;
  });
  await cluster.until(() => isDone, 20_000);
  return done;
}

function statusOf(cluster: HostCluster, id: number) {
  const status = hostOf(cluster, id).inspect(G1)?.status();
  if (status === undefined) throw new Error(`node ${id} does not host group 1`);
  return status;
}

describe("group tombstones", () => {
  test("a replica created again in the same turn keeps the old term and vote", async () => {
    const cluster = await clusterWithGroups([G1]);
    const id = await followerWithHistory(cluster);
    const before = statusOf(cluster, id);
    expect(before.term).toBeGreaterThan(1);
    const host = hostOf(cluster, id);
    const removed = host.removeGroup(G1);
    const created = host.createGroup(G1, { mode: "join" }, cluster.machineFor(id, G1));
    await settled(cluster, Promise.all([removed, created]));
    const after = statusOf(cluster, id);
    expect(after.term).toBeGreaterThanOrEqual(before.term);
    if (after.term === before.term) expect(after.vote).toBe(before.vote);
  });

  test("the tombstone survives a crash before the replica is created again", async () => {
    const cluster = await clusterWithGroups([G1]);
    const id = await followerWithHistory(cluster);
    const before = statusOf(cluster, id);
    await settled(cluster, hostOf(cluster, id).removeGroup(G1));
    await cluster.advance(5);
    await cluster.crash(id);
    await cluster.startNode(id);
    expect(hostOf(cluster, id).hasGroup(G1)).toBe(false);
    const host = hostOf(cluster, id);
    await settled(cluster, host.createGroup(G1, { mode: "join" }, cluster.machineFor(id, G1)));
    const after = statusOf(cluster, id);
    expect(after.term).toBeGreaterThanOrEqual(before.term);
    if (after.term === before.term) expect(after.vote).toBe(before.vote);
  });

  test("a replica deleted again before it caught up leaves the first replica's floor", async () => {
    const cluster = await clusterWithGroups([G1]);
    const id = await followerWithHistory(cluster);
    const before = statusOf(cluster, id);
    const host = hostOf(cluster, id);
    const lastTerm = host.inspect(G1)?.termAt(before.lastIndex);
    // Cut off, the empty replica created again never hears a leader before it goes too.
    const others = [1, 2, 3].filter((peer) => peer !== id);
    cluster.network.partition(
      [cluster.address(nodeId(id))],
      others.map((peer) => cluster.address(nodeId(peer))),
    );
    await settled(cluster, host.removeGroup(G1));
    await settled(cluster, host.createGroup(G1, { mode: "join" }, cluster.machineFor(id, G1)));
    expect(statusOf(cluster, id).lastIndex).toBe(logIndex(0));
    await settled(cluster, host.removeGroup(G1));
    const tombstone = cluster.hosts.get(nodeId(id))?.store.tombstones.get(G1);
    expect(tombstone?.lastIndex).toBe(before.lastIndex);
    expect(tombstone?.lastTerm).toBe(lastTerm);
  });
});

describe("loading a group with a tombstone", () => {
  const tombstone = { term: term(6), vote: nodeId(2), lastIndex: logIndex(40), lastTerm: term(5) };

  test("a replica behind its tombstone starts from its term and vote, with its floor", async () => {
    const storage = new MemoryLogStorage(new MemoryLogStore());
    await storage.write([{ groupId: G1, deleteGroup: true, entries: [], tombstone }]);
    await storage.write([
      {
        groupId: G1,
        hardState: { term: term(0), vote: NO_NODE, commit: logIndex(0) },
        entries: [],
      },
    ]);
    const initial = await loadGroupState(storage, G1);
    expect(initial?.hardState).toEqual({ term: term(6), vote: nodeId(2), commit: logIndex(0) });
    expect(initial?.voteFloor).toEqual({ index: logIndex(40), term: term(5) });
  });

  test("a replica past its tombstone's term keeps its own hard state", async () => {
    const storage = new MemoryLogStorage(new MemoryLogStore());
    await storage.write([{ groupId: G1, deleteGroup: true, entries: [], tombstone }]);
    const own = { term: term(8), vote: nodeId(3), commit: logIndex(0) };
    await storage.write([{ groupId: G1, hardState: own, entries: [] }]);
    const initial = await loadGroupState(storage, G1);
    expect(initial?.hardState).toEqual(own);
    expect(initial?.voteFloor).toEqual({ index: logIndex(40), term: term(5) });
  });
});
