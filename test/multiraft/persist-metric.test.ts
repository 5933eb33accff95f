// raftoral_storage_persist_seconds times a turn's storage write whole. SQLite writes and
// fsyncs inside the write call, on the node's own thread, before the promise it returns
// exists: timing only that promise measured nothing (every write under 0.1 ms).

import { expect, test } from "bun:test";
import { groupId, MetricsRegistry } from "../../src/lib/index.ts";
import type { GroupWrite, WriteOptions } from "../../src/storage/index.ts";
import { MemoryLogStorage } from "../../src/storage/index.ts";
import { ForwardingLogStorage } from "../support/forwarding-storage.ts";
import { loneHostWithGroup, settle } from "../support/host-cluster.ts";
import { KvStateMachine, kvCommand } from "../support/kv-state-machine.ts";

const G1 = groupId(1);
const WRITE_MS = 5;

/** Storage whose every write keeps the thread for WRITE_MS before it returns, as SQLite's. */
class BlockingStorage extends ForwardingLogStorage {
  writes = 0;

  override write(batch: readonly GroupWrite[], options?: WriteOptions): Promise<void> {
    this.writes++;
    const until = performance.now() + WRITE_MS;
    while (performance.now() < until) {
      // The thread is busy, as in an fsync.
    }
    return this.inner.write(batch, options);
  }
}

/** The sum and count of the histogram's series for sync="true", from the registry's text. */
function durableWriteSeconds(text: string): { sum: number; count: number } {
  const value = (name: string) =>
    Number(
      text
        .split("\n")
        .find((line) => line.startsWith(`${name}{sync="true"}`))
        ?.split(" ")
        .at(-1),
    );
  return {
    sum: value("raftoral_storage_persist_seconds_sum"),
    count: value("raftoral_storage_persist_seconds_count"),
  };
}

test("a durable write's time counts the work done inside the write call", async () => {
  const metrics = new MetricsRegistry();
  const storage = new BlockingStorage(new MemoryLogStorage());
  const { host, step } = await loneHostWithGroup(new KvStateMachine(), { storage, metrics });
  const proposed = settle(host.propose(G1, kvCommand({ op: "put", key: "k", value: "v" })));
  while (!proposed.done) await step();
  expect(proposed.error).toBeUndefined();

  const { sum, count } = durableWriteSeconds(metrics.render());
  expect(count).toBeGreaterThan(0);
  expect(count).toBeLessThanOrEqual(storage.writes);
  expect(sum).toBeGreaterThanOrEqual((count * WRITE_MS) / 1_000);
  host.stop();
});
