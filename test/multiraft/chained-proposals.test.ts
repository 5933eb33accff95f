// MultiRaftHost.proposeChained: the second command reaches the log only behind the first, by
// the same leader in the same term, and is never sent by itself.

import { describe, expect, test } from "bun:test";
import { groupId, nodeId } from "../../src/lib/index.ts";
import { clusterWithGroups, type HostCluster, settle } from "../support/host-cluster.ts";
import { kvCommand } from "../support/kv-state-machine.ts";

const G1 = groupId(1);

const put = (value: string) => kvCommand({ op: "put", key: "k", value });

function chained(cluster: HostCluster, id: number, options = {}) {
  const host = cluster.hosts.get(nodeId(id))?.host;
  if (host === undefined) throw new Error(`no node ${id}`);
  const [first, second] = host.proposeChained(G1, put("first"), put("second"), options);
  return { first: settle(first), second: settle(second) };
}

describe("chained proposals", () => {
  test("on the leader both are applied, the second right after the first", async () => {
    const cluster = await clusterWithGroups([G1]);
    const leader = cluster.leaderOf(G1);
    if (leader === undefined) throw new Error("no leader");
    const { first, second } = chained(cluster, leader.id);
    await cluster.until(() => first.done && second.done);
    expect(first.error).toBeUndefined();
    expect(second.error).toBeUndefined();
    // Each put answers the value before it: the second saw the first's.
    expect(first.value).toBeNull();
    expect(second.value).toBe("first");
    await cluster.until(() =>
      [1, 2, 3].every((id) => cluster.machineFor(id, G1).data.get("k") === "second"),
    );
  });

  test("on a follower the first is forwarded and the second is not proposed", async () => {
    const cluster = await clusterWithGroups([G1]);
    const follower = [1, 2, 3].find((id) => id !== cluster.leaderOf(G1)?.id) ?? 0;
    const { first, second } = chained(cluster, follower);
    await cluster.until(() => first.done && second.done);
    expect(first.error).toBeUndefined();
    expect((second.error as { code?: string }).code).toBe("PROPOSAL_DROPPED");
    // Never proposed, so not counted as a failed proposal either.
    const metrics = cluster.hosts.get(nodeId(follower))?.metrics.render() ?? "";
    expect(metrics).not.toContain('outcome="PROPOSAL_DROPPED"');
    await cluster.advance(500);
    for (const id of [1, 2, 3]) {
      expect(cluster.machineFor(id, G1).data.get("k")).toBe("first");
      expect(cluster.machineFor(id, G1).applied).toBe(1);
    }
  });

  test("in flight without a quorum, the second fails as unknown and never applies alone", async () => {
    const cluster = await clusterWithGroups([G1]);
    const leader = cluster.leaderOf(G1);
    if (leader === undefined) throw new Error("no leader");
    const followers = [1, 2, 3].filter((id) => id !== leader.id);
    for (const id of followers) await cluster.crash(id);
    const { first, second } = chained(cluster, leader.id, { timeoutMs: 60_000 });
    // Not sent again by the resend timer or a leader change: it fails, outcome unknown.
    await cluster.until(() => second.done, 20_000);
    expect((second.error as { code?: string }).code).toBe("TIMEOUT");
    expect(leader.metrics.render()).toContain(
      'raftoral_raft_proposals_total{group="1",outcome="TIMEOUT"} 1',
    );
    expect(first.done).toBe(false);
    for (const id of followers) await cluster.startNode(id);
    await cluster.until(() => first.done, 30_000);
    expect(first.error).toBeUndefined();
    await cluster.advance(1_000);
    for (const id of [1, 2, 3]) {
      const machine = cluster.machineFor(id, G1);
      // The second may still have been committed, but only behind the first.
      const expected = machine.data.get("k") === "second" ? 2 : 1;
      expect(machine.applied).toBe(expected);
    }
  });

  test("when the first is refused at once, the second is refused too", async () => {
    const cluster = await clusterWithGroups([G1]);
    const leader = cluster.leaderOf(G1);
    if (leader === undefined) throw new Error("no leader");
    leader.host.stop();
    const { first, second } = chained(cluster, leader.id);
    await cluster.until(() => first.done && second.done);
    expect((first.error as { code?: string }).code).toBe("SHUTTING_DOWN");
    expect((second.error as { code?: string }).code).toBe("PROPOSAL_DROPPED");
  });
});
