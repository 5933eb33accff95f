// The faults the whole-system simulation injects behave as the processes, disks and networks
// they stand for: a paused process runs nothing until continued, unsynced writes die with the
// machine, and the network holds, duplicates or drops batches as told.

import { describe, expect, test } from "bun:test";
import {
  groupId,
  logIndex,
  NO_NODE,
  nodeId,
  seededRandom,
  term,
  VirtualClock,
} from "../../../src/lib/index.ts";
import { MemoryLogStorage, MemoryLogStore } from "../../../src/storage/index.ts";
import type { NodeApi, PeerBatch } from "../../../src/transport/index.ts";
import { MemoryNetwork } from "../../../src/transport/memory/index.ts";
import { PausableClock } from "./pausable-clock.ts";
import { SimLogStorage } from "./sim-storage.ts";

const G1 = groupId(1);

async function flush(): Promise<void> {
  for (let k = 0; k < 10; k++) await Promise.resolve();
}

/** Advances the clock 1 ms at a time, letting promises settle in between. */
async function advance(clock: VirtualClock, ms: number): Promise<void> {
  for (let k = 0; k < ms; k++) {
    clock.advance(1);
    await flush();
  }
}

describe("PausableClock", () => {
  test("holds what comes due while paused and runs it in order on resume", () => {
    const inner = new VirtualClock();
    const clock = new PausableClock(inner);
    const ran: string[] = [];
    clock.setTimer(5, () => ran.push("timer"));
    clock.pause();
    clock.runSoon(() => ran.push("soon"));
    inner.advance(10);
    expect(ran).toEqual([]);
    clock.resume();
    expect(ran).toEqual(["soon", "timer"]);
  });

  test("a crash drops what was held, and a cancelled timer never runs", () => {
    const inner = new VirtualClock();
    const clock = new PausableClock(inner);
    const ran: string[] = [];
    const cancel = clock.setTimer(1, () => ran.push("cancelled"));
    clock.setTimer(2, () => ran.push("dropped"));
    clock.pause();
    inner.advance(5);
    cancel();
    clock.resume({ discard: true });
    inner.advance(5);
    expect(ran).toEqual([]);
  });
});

describe("SimLogStorage", () => {
  const hardState = (t: number, commit: number) => ({
    term: term(t),
    vote: NO_NODE,
    commit: logIndex(commit),
  });
  const entry = (index: number) => ({
    index: logIndex(index),
    term: term(1),
    type: "normal" as const,
    data: new Uint8Array([index]),
  });

  function storageOn(store: MemoryLogStore, clock: VirtualClock): SimLogStorage {
    return new SimLogStorage(new MemoryLogStorage(store), clock, seededRandom(3));
  }

  test("an unsynced write is lost in a crash unless a synced write came after it", async () => {
    const clock = new VirtualClock();
    const store = new MemoryLogStore();
    const storage = storageOn(store, clock);
    const writes = [
      storage.write([{ groupId: G1, hardState: hardState(1, 0), entries: [entry(1), entry(2)] }]),
      storage.write([{ groupId: G1, hardState: hardState(1, 1), entries: [] }], { sync: false }),
      storage.write([{ groupId: G1, entries: [entry(3)] }]),
      storage.write([{ groupId: G1, hardState: hardState(1, 3), entries: [] }], { sync: false }),
    ];
    await advance(clock, 20);
    await Promise.all(writes);
    expect(storage.crash()).toBe(1);
    const reopened = await new MemoryLogStorage(store).loadGroup(G1);
    expect(reopened?.hardState.commit).toBe(logIndex(1));
    expect(reopened?.lastIndex).toBe(logIndex(3));
  });

  test("a write still in flight at the crash is lost and never answers", async () => {
    const clock = new VirtualClock();
    const store = new MemoryLogStore();
    const storage = storageOn(store, clock);
    let isAnswered = false;
    void storage.write([{ groupId: G1, entries: [entry(1)] }]).then(() => {
      isAnswered = true;
    });
    expect(storage.crash()).toBe(1);
    await advance(clock, 20);
    expect(isAnswered).toBe(false);
    expect(await new MemoryLogStorage(store).loadGroup(G1)).toBeUndefined();
  });

  test("a clean close makes unsynced writes durable", async () => {
    const clock = new VirtualClock();
    const store = new MemoryLogStore();
    const storage = storageOn(store, clock);
    const written = storage.write([{ groupId: G1, entries: [entry(1)] }], { sync: false });
    await advance(clock, 10);
    await written;
    await storage.close();
    expect((await new MemoryLogStorage(store).loadGroup(G1))?.lastIndex).toBe(logIndex(1));
  });
});

describe("MemoryNetwork faults", () => {
  function receiverOn(network: MemoryNetwork, address: string): PeerBatch[] {
    const received: PeerBatch[] = [];
    const api = { receivePeerBatch: (batch: PeerBatch) => received.push(batch) };
    const [host, port] = address.split(":");
    void network.server().listen(host ?? "", Number(port), api as unknown as NodeApi);
    return received;
  }
  const batch = (k: number): PeerBatch =>
    ({
      from: nodeId(1),
      to: nodeId(2),
      messages: [{ type: "raft", groupId: G1, message: { type: "Heartbeat", k } }],
    }) as unknown as PeerBatch;

  test("a paused receiver gets nothing until resumed, then everything in order", async () => {
    const clock = new VirtualClock();
    const network = new MemoryNetwork(clock, seededRandom(1));
    network.faults = { dropRate: 0, delayMinMs: 1, delayMaxMs: 1 };
    const received = receiverOn(network, "b:1");
    const sender = network.transport("a:1");
    network.pause("b:1");
    void sender.deliver("b:1", batch(1), 1_000);
    void sender.deliver("b:1", batch(2), 1_000);
    await advance(clock, 10);
    expect(received).toEqual([]);
    network.resume("b:1");
    expect(received).toEqual([batch(1), batch(2)]);
  });

  test("a crashed receiver's held batches are dropped", async () => {
    const clock = new VirtualClock();
    const network = new MemoryNetwork(clock, seededRandom(1));
    network.faults = { dropRate: 0, delayMinMs: 1, delayMaxMs: 1 };
    const received = receiverOn(network, "b:1");
    network.pause("b:1");
    const delivery = network.transport("a:1").deliver("b:1", batch(1), 1_000);
    await advance(clock, 5);
    network.resume("b:1", { discard: true });
    // The sender sees its connection reset, as when the receiving process dies.
    await expect(delivery).rejects.toThrow("connection to b:1 reset");
    await advance(clock, 5);
    expect(received).toEqual([]);
  });

  test("with duplication every batch arrives twice, as separate copies", async () => {
    const clock = new VirtualClock();
    const network = new MemoryNetwork(clock, seededRandom(1));
    network.faults = { dropRate: 0, delayMinMs: 1, delayMaxMs: 3, duplicateRate: 1 };
    const received = receiverOn(network, "b:1");
    void network.transport("a:1").deliver("b:1", batch(7), 1_000);
    await advance(clock, 10);
    expect(received).toEqual([batch(7), batch(7)]);
    expect(received[0]).not.toBe(received[1]);
  });
});
