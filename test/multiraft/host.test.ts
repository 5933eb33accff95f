// The multi-Raft host in process: groups of 3 on the memory network under a virtual clock.

import { describe, expect, test } from "bun:test";
import { groupId, nodeId } from "../../src/lib/index.ts";
import { clusterWithGroups, settle } from "../support/host-cluster.ts";
import { kvCommand } from "../support/kv-state-machine.ts";

const G1 = groupId(1);

describe("multi-Raft host", () => {
  test("a proposal on any node resolves with its applied result there", async () => {
    const cluster = await clusterWithGroups([G1]);
    for (const id of [1, 2, 3]) {
      const host = cluster.hosts.get(nodeId(id))?.host;
      const outcome = settle(
        host?.propose(G1, kvCommand({ op: "put", key: "k", value: `v${id}` })) ?? Promise.reject(),
      );
      await cluster.until(() => outcome.done);
      expect(outcome.error).toBeUndefined();
      expect(outcome.value).toBe(id === 1 ? null : `v${id - 1}`);
    }
    await cluster.until(() =>
      [1, 2, 3].every((id) => cluster.machineFor(id, G1).data.get("k") === "v3"),
    );
  });

  test("many groups share the nodes and stay independent", async () => {
    const groups = [1, 2, 3, 4, 5].map(groupId);
    const cluster = await clusterWithGroups(groups);
    const host = cluster.hosts.get(nodeId(2))?.host;
    const outcomes = groups.map((group) =>
      settle(
        host?.propose(group, kvCommand({ op: "put", key: "g", value: String(group) })) ??
          Promise.reject(),
      ),
    );
    await cluster.until(() => outcomes.every((outcome) => outcome.done));
    for (const group of groups) {
      await cluster.until(() =>
        [1, 2, 3].every((id) => cluster.machineFor(id, group).data.get("g") === String(group)),
      );
    }
  });

  test("writes continue after the leader crashes, and it catches up after restart", async () => {
    const cluster = await clusterWithGroups([G1]);
    const leader = cluster.leaderOf(G1);
    if (leader === undefined) throw new Error("no leader");
    await cluster.crash(leader.id);
    const survivor = [...cluster.hosts.values()].find((h) => h.id !== leader.id);
    const outcome = settle(
      survivor?.host.propose(G1, kvCommand({ op: "put", key: "after", value: "crash" })) ??
        Promise.reject(),
    );
    await cluster.until(() => outcome.done, 20_000);
    expect(outcome.error).toBeUndefined();
    await cluster.startNode(leader.id);
    await cluster.until(
      () => cluster.machineFor(leader.id, G1).data.get("after") === "crash",
      20_000,
    );
  });

  test("a proposal to an unknown group fails at once with UNKNOWN_GROUP", async () => {
    const cluster = await clusterWithGroups([G1]);
    const outcome = settle(
      cluster.hosts.get(nodeId(1))?.host.propose(groupId(99), kvCommand({ op: "get", key: "x" })) ??
        Promise.reject(),
    );
    await cluster.until(() => outcome.done);
    expect((outcome.error as { code?: string }).code).toBe("UNKNOWN_GROUP");
  });

  test("without a quorum a proposal fails by its deadline instead of hanging", async () => {
    const cluster = await clusterWithGroups([G1]);
    await cluster.crash(2);
    await cluster.crash(3);
    const host = cluster.hosts.get(nodeId(1))?.host;
    const outcome = settle(
      host?.propose(G1, kvCommand({ op: "put", key: "lost", value: "x" }), { timeoutMs: 500 }) ??
        Promise.reject(),
    );
    await cluster.until(() => outcome.done, 5_000);
    expect(["TIMEOUT", "NO_LEADER"]).toContain((outcome.error as { code?: string }).code ?? "");
  });

  test("linearizable reads see every write that finished before them", async () => {
    const cluster = await clusterWithGroups([G1]);
    const writer = cluster.hosts.get(nodeId(1))?.host;
    const write = settle(
      writer?.propose(G1, kvCommand({ op: "put", key: "r", value: "1" })) ?? Promise.reject(),
    );
    await cluster.until(() => write.done);
    for (const id of [2, 3]) {
      const read = settle(cluster.hosts.get(nodeId(id))?.host.read(G1) ?? Promise.reject());
      await cluster.until(() => read.done);
      expect(read.error).toBeUndefined();
      expect(cluster.machineFor(id, G1).data.get("r")).toBe("1");
    }
  });

  test("snapshots and compaction let a far-behind node catch up", async () => {
    const cluster = await clusterWithGroups([G1]);
    await cluster.crash(3);
    const host = cluster.hosts.get(nodeId(1))?.host;
    for (let k = 0; k < 120; k++) {
      const outcome = settle(
        host?.propose(G1, kvCommand({ op: "put", key: `k${k}`, value: String(k) })) ??
          Promise.reject(),
      );
      await cluster.until(() => outcome.done, 20_000);
      expect(outcome.error).toBeUndefined();
    }
    await cluster.startNode(3);
    await cluster.until(() => cluster.machineFor(3, G1).data.get("k119") === "119", 20_000);
    expect(cluster.machineFor(3, G1).data.size).toBe(120);
  });
});

describe("exactly-once commands", () => {
  test("commands resent through a leader crash are applied once", async () => {
    const cluster = await clusterWithGroups([G1]);
    const leader = cluster.leaderOf(G1);
    if (leader === undefined) throw new Error("no leader");
    const follower = [...cluster.hosts.values()].find((h) => h.id !== leader.id);
    if (follower === undefined) throw new Error("no follower");
    const outcomes = Array.from({ length: 20 }, (_, k) =>
      settle(
        follower.host.propose(G1, kvCommand({ op: "put", key: `x${k}`, value: "1" }), {
          timeoutMs: 20_000,
        }),
      ),
    );
    // Crash the leader while the forwarded commands are in flight.
    await cluster.advance(2);
    await cluster.crash(leader.id);
    await cluster.until(() => outcomes.every((outcome) => outcome.done), 30_000);
    expect(outcomes.map((outcome) => outcome.error?.message)).toEqual(
      outcomes.map(() => undefined),
    );
    await cluster.startNode(leader.id);
    await cluster.until(() => cluster.machineFor(leader.id, G1).data.size === 20, 30_000);
    for (const id of [1, 2, 3]) expect(cluster.machineFor(id, G1).applied).toBe(20);
  });
});
