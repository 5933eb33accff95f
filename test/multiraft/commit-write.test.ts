// A turn whose write only moves commit indexes applies without waiting for it
// (multiraft/turn-work.ts mustAwaitWrites), and storage still sees every write in order. Such a
// write goes with the next turn's (multiraft/deferred-commits.ts), one turn later.

import { describe, expect, test } from "bun:test";
import { groupId, nodeId } from "../../src/lib/index.ts";
import type { StateMachine } from "../../src/multiraft/index.ts";
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

/** Storage that keeps every batch it was given, for the test to read. */
class RecordingStorage extends ForwardingLogStorage {
  readonly batches: (readonly GroupWrite[])[] = [];

  override write(batch: readonly GroupWrite[], options?: WriteOptions): Promise<void> {
    this.batches.push(batch);
    return this.inner.write(batch, options);
  }
}

describe("a commit index written with the next turn's write", () => {
  test("the turn that applies an entry leaves its commit for the next turn's write", async () => {
    const cluster = new HostCluster();
    const storages = new Map<number, RecordingStorage>();
    /** Per node, the entries it applied that its storage already knew to be committed. */
    const committedAtApply = new Map<number, number[]>();
    for (const id of [1, 2, 3]) {
      await cluster.startNode(id, (inner) => {
        const storage = new RecordingStorage(inner);
        storages.set(id, storage);
        return storage;
      });
    }
    for (const id of [1, 2, 3]) {
      const kv = cluster.machineFor(id, G1);
      const machine: StateMachine = {
        apply: (command, index) => {
          const isWritten = storages.get(id)?.batches.some((b) => commitsAtLeast(b, index));
          if (isWritten) committedAtApply.set(id, [...(committedAtApply.get(id) ?? []), index]);
          return kv.apply(command);
        },
        snapshotAfter: (prefix) => kv.snapshotAfter(prefix),
        restore: (data) => kv.restore(data),
      };
      const created = cluster.hosts
        .get(nodeId(id))
        ?.host.createGroup(G1, { mode: "bootstrap", voters: VOTERS }, machine);
      await cluster.advance(2);
      await created;
    }
    await cluster.until(() => cluster.leaderOf(G1) !== undefined);
    const leader = cluster.leaderOf(G1);
    if (leader === undefined) throw new Error("no leader");
    for (let k = 0; k < 5; k++) {
      let isAnswered = false;
      void leader.host.propose(G1, kvCommand({ op: "put", key: `k${k}`, value: "v" })).then(() => {
        isAnswered = true;
      });
      await cluster.until(() => isAnswered);
    }
    const applied = (id: number) => cluster.machineFor(id, G1).data.size === 5;
    await cluster.until(() => [1, 2, 3].every(applied));
    // Each node applied every entry before writing that it was committed: the write of the
    // turn that applied them was held for the next turn's.
    expect([...committedAtApply]).toEqual([]);
    // And each commit index did reach storage, on every node.
    await cluster.advance(10);
    const commit = Number(leader.host.inspect(G1)?.status().commit);
    const last = (id: number) => storages.get(id)?.batches.some((b) => commitsAtLeast(b, commit));
    expect([1, 2, 3].filter((id) => !last(id))).toEqual([]);
  });
});

function commitsAtLeast(batch: readonly GroupWrite[], index: number): boolean {
  return batch.some((write) => write.groupId === G1 && (write.hardState?.commit ?? 0) >= index);
}
