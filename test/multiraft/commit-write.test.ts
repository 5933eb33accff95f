// A turn whose write only moves commit indexes applies without waiting for it
// (multiraft/turn-work.ts mustAwaitWrites), and storage still sees every write in order.

import { describe, expect, test } from "bun:test";
import { groupId, nodeId } from "../../src/lib/index.ts";
import type { GroupWrite, LogStorage, WriteOptions } from "../../src/storage/index.ts";
import { ForwardingLogStorage } from "../support/forwarding-storage.ts";
import { HostCluster } from "../support/host-cluster.ts";
import { kvCommand } from "../support/kv-state-machine.ts";

const G1 = groupId(1);
const VOTERS = [nodeId(1), nodeId(2), nodeId(3)];

/**
 * Storage as a slow queue: once `isHolding`, a write without fsync and every write after it
 * wait until release(), then land in the order they came.
 */
class HoldingStorage extends ForwardingLogStorage {
  isHolding = false;
  private held: { batch: readonly GroupWrite[]; options?: WriteOptions; done: () => void }[] = [];

  get heldCount(): number {
    return this.held.length;
  }

  override write(batch: readonly GroupWrite[], options?: WriteOptions): Promise<void> {
    const isSync = options?.sync !== false;
    if (this.held.length === 0 && (isSync || !this.isHolding)) return this.land(batch, options);
    return new Promise((resolve) => {
      this.held.push({ batch, ...(options === undefined ? {} : { options }), done: resolve });
    });
  }

  async release(): Promise<void> {
    this.isHolding = false;
    for (const { batch, options, done } of this.held.splice(0)) {
      await this.land(batch, options);
      done();
    }
  }

  private async land(batch: readonly GroupWrite[], options?: WriteOptions): Promise<void> {
    await this.inner.write(batch, options);
  }
}

describe("commit-only writes", () => {
  test("a proposal is applied and answered while commit-index writes are still queued", async () => {
    const cluster = new HostCluster();
    const storages = new Map<number, HoldingStorage>();
    const holding = (id: number) => (inner: LogStorage) => {
      const storage = new HoldingStorage(inner);
      storages.set(id, storage);
      return storage;
    };
    for (const id of [1, 2, 3]) await cluster.startNode(id, holding(id));
    for (const id of [1, 2, 3]) {
      const created = cluster.hosts
        .get(nodeId(id))
        ?.host.createGroup(G1, { mode: "bootstrap", voters: VOTERS }, cluster.machineFor(id, G1));
      await cluster.advance(2);
      await created;
    }
    await cluster.until(() => cluster.leaderOf(G1) !== undefined);
    const leader = cluster.leaderOf(G1);
    if (leader === undefined) throw new Error("no leader");
    // Heartbeats carry the election's commit to every node first: no commit write is pending
    // when holding starts, so the entry's own writes land.
    await cluster.advance(1_000);
    for (const storage of storages.values()) storage.isHolding = true;

    let isAnswered = false;
    void leader.host.propose(G1, kvCommand({ op: "put", key: "k", value: "v" })).then(() => {
      isAnswered = true;
    });
    await cluster.until(() => isAnswered);
    const applied = (id: number) => cluster.machineFor(id, G1).data.get("k") === "v";
    await cluster.until(() => [1, 2, 3].every(applied));
    // Applied everywhere while each node's commit write still waited in its queue.
    for (const storage of storages.values()) expect(storage.heldCount).toBeGreaterThan(0);
    for (const storage of storages.values()) await storage.release();
    // Once released, everything landed, in order, and the group still commits.
    for (const storage of storages.values()) expect(storage.heldCount).toBe(0);
    let isSecondAnswered = false;
    void leader.host.propose(G1, kvCommand({ op: "put", key: "k2", value: "v2" })).then(() => {
      isSecondAnswered = true;
    });
    await cluster.until(() => isSecondAnswered);
    for (const id of [1, 2, 3]) expect(cluster.hosts.get(nodeId(id))?.fatal).toBeUndefined();
  });
});
