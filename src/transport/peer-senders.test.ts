import { describe, expect, test } from "bun:test";
import { forwardOf } from "../../test/contracts/transport-fixtures.ts";
import {
  createLogger,
  groupId,
  type NodeId,
  nodeId,
  RaftoralError,
  VirtualClock,
} from "../lib/index.ts";
import { BATCH_BYTES_MAX, QUEUE_BYTES_MAX } from "./peer-queue.ts";
import { PeerSenders } from "./peer-senders.ts";
import type { PeerTransport } from "./transport.ts";
import { batchBytes, type PeerBatch, type PeerMessage, peerMessageBytes } from "./wire.ts";

const quiet = createLogger({ level: "error", format: "text", write: () => undefined });

/** A transport whose deliveries stay pending until the test settles them. */
class ScriptedTransport implements PeerTransport {
  readonly calls: { address: string; batch: PeerBatch; settle: (ok: boolean) => void }[] = [];
  /** Addresses whose reconnect backoff the senders ended (retryNow). */
  readonly retried: string[] = [];

  deliver(address: string, batch: PeerBatch): Promise<void> {
    return new Promise((resolve, reject) => {
      this.calls.push({
        address,
        batch,
        settle: (ok) => (ok ? resolve() : reject(new Error("down"))),
      });
    });
  }

  retryNow(address: string): void {
    this.retried.push(address);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

const message = (n: number): PeerMessage => ({ type: "unknownGroup", groupId: groupId(n) });

function setup(queueMessagesMax = 10_000) {
  const transport = new ScriptedTransport();
  const clock = new VirtualClock();
  const unreachable: NodeId[] = [];
  const senders = new PeerSenders({
    self: nodeId(1),
    transport,
    clock,
    logger: quiet,
    onUnreachable: (peer) => unreachable.push(peer),
    queueMessagesMax,
    backoffMinMs: 50,
  });
  senders.setAddress(nodeId(2), "slow:1");
  senders.setAddress(nodeId(3), "fast:1");
  return { transport, clock, unreachable, senders };
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("peer senders", () => {
  test("messages queued while a request is in flight leave together in the next one", async () => {
    const { transport, senders } = setup();
    senders.send(nodeId(2), [message(1)]);
    senders.send(nodeId(2), [message(2)]);
    senders.send(nodeId(2), [message(3)]);
    expect(transport.calls).toHaveLength(1);
    transport.calls[0]?.settle(true);
    await flush();
    expect(transport.calls).toHaveLength(2);
    expect(transport.calls[1]?.batch.messages).toEqual([message(2), message(3)]);
  });

  test("the warning about dropped messages says why the peer did not take them", async () => {
    const lines: string[] = [];
    const refusal = "POST /raft/message: the cluster secret proof is wrong";
    const senders = new PeerSenders({
      self: nodeId(1),
      transport: {
        deliver: () => Promise.reject(new RaftoralError("UNAUTHENTICATED", refusal)),
        close: () => Promise.resolve(),
      },
      clock: new VirtualClock(),
      logger: createLogger({ level: "warn", format: "text", write: (line) => lines.push(line) }),
      onUnreachable: () => undefined,
    });
    senders.setAddress(nodeId(2), "wrong-secret:1");
    senders.send(nodeId(2), [message(1)]);
    await flush();
    expect(lines).toHaveLength(1);
    // It answered: up, and refusing, not "slow or unreachable".
    expect(lines[0]).toContain("Dropping messages for a peer that refuses them");
    expect(lines[0]).toContain(`error: ${refusal}`);
    // Told on (LeaderWatch names it) while deliveries to the peer fail.
    expect(senders.refusalOf(nodeId(2))).toBe(refusal);
    expect(senders.refusalOf(nodeId(3))).toBeUndefined();
  });

  test("a peer that refuses this node (another cluster) is a warning, now and again", async () => {
    const lines: string[] = [];
    const clock = new VirtualClock();
    const refusal = "node 1 belongs to cluster a, and node 2 to cluster b";
    const senders = new PeerSenders({
      self: nodeId(2),
      transport: {
        deliver: () => Promise.reject(new RaftoralError("FAILED_PRECONDITION", refusal)),
        close: () => Promise.resolve(),
      },
      clock,
      logger: createLogger({ level: "warn", format: "text", write: (line) => lines.push(line) }),
      onUnreachable: () => undefined,
      backoffMinMs: 10,
    });
    senders.setAddress(nodeId(1), "taken:1");
    const refusals = () => lines.filter((line) => line.includes("A peer refuses"));
    for (const _ of [1, 2, 3]) {
      senders.send(nodeId(1), [message(1)]);
      await flush();
      clock.advance(1_000);
      await flush();
    }
    expect(refusals()).toHaveLength(1);
    expect(refusals()[0]).toContain(`error: ${refusal}`);
    clock.advance(30_000);
    senders.send(nodeId(1), [message(1)]);
    await flush();
    expect(refusals()).toHaveLength(2);
  });

  test("a slow peer never holds up another", () => {
    const { transport, senders } = setup();
    senders.send(nodeId(2), [message(1)]);
    senders.send(nodeId(3), [message(2)]);
    senders.send(nodeId(3), [message(3)]);
    expect(transport.calls.map((call) => call.address)).toEqual(["slow:1", "fast:1"]);
  });

  test("a full queue drops the oldest messages and counts them", async () => {
    const { transport, senders } = setup(3);
    senders.send(nodeId(2), [message(0)]);
    senders.send(nodeId(2), [message(1), message(2), message(3), message(4), message(5)]);
    expect(senders.stats().droppedMessages).toBe(2);
    transport.calls[0]?.settle(true);
    await flush();
    expect(transport.calls[1]?.batch.messages).toEqual([message(3), message(4), message(5)]);
  });

  test("a large queue leaves in batches of at most BATCH_BYTES_MAX, in order", async () => {
    const { transport, senders } = setup();
    const forwards = Array.from({ length: 10 }, (_, k) => forwardOf(k, 1024 * 1024));
    senders.send(nodeId(2), [message(0)]);
    senders.send(nodeId(2), forwards);
    const delivered: PeerMessage[] = [];
    for (let call = 0; call < 20 && transport.calls[call] !== undefined; call++) {
      const batch = transport.calls[call]?.batch as PeerBatch;
      expect(batchBytes(batch)).toBeLessThanOrEqual(BATCH_BYTES_MAX);
      delivered.push(...batch.messages);
      transport.calls[call]?.settle(true);
      await flush();
    }
    expect(delivered).toEqual([message(0), ...forwards]);
    expect(transport.calls.length).toBeGreaterThanOrEqual(4);
    expect(senders.stats().droppedMessages).toBe(0);
  });

  test("a message larger than a batch goes alone", async () => {
    const { transport, senders } = setup();
    const large = forwardOf(1, BATCH_BYTES_MAX + 1);
    senders.send(nodeId(2), [message(0)]);
    senders.send(nodeId(2), [large, message(2)]);
    transport.calls[0]?.settle(true);
    await flush();
    expect(transport.calls[1]?.batch.messages).toEqual([large]);
    transport.calls[1]?.settle(true);
    await flush();
    expect(transport.calls[2]?.batch.messages).toEqual([message(2)]);
  });

  test("a queue over QUEUE_BYTES_MAX drops its oldest messages and counts them", async () => {
    const { transport, senders } = setup();
    senders.send(nodeId(2), [message(0)]);
    const mebibyte = 1024 * 1024;
    const forwards = Array.from({ length: 80 }, (_, k) => forwardOf(k, mebibyte));
    senders.send(nodeId(2), forwards);
    const kept = Math.floor(QUEUE_BYTES_MAX / peerMessageBytes(forwardOf(0, mebibyte)));
    expect(senders.stats().droppedMessages).toBe(80 - kept);
    expect(senders.perPeer().find((counts) => counts.peer === nodeId(2))?.queued).toBe(kept);
    transport.calls[0]?.settle(true);
    await flush();
    expect(transport.calls[1]?.batch.messages[0]).toEqual(forwards[80 - kept]);
  });

  test("after a failure the peer is reported unreachable and retried with backoff", async () => {
    const { transport, clock, unreachable, senders } = setup();
    senders.send(nodeId(2), [message(1)]);
    transport.calls[0]?.settle(false);
    await flush();
    expect(unreachable).toEqual([nodeId(2)]);
    senders.send(nodeId(2), [message(2)]);
    expect(transport.calls).toHaveLength(1);
    clock.advance(50);
    expect(transport.calls).toHaveLength(2);
    expect(transport.calls[1]?.batch.messages).toEqual([message(2)]);
  });

  test("hearing from a peer ends its backoff: what is queued leaves at once", async () => {
    const { transport, clock, senders } = setup();
    senders.send(nodeId(2), [message(1)]);
    transport.calls[0]?.settle(false);
    await flush();
    senders.send(nodeId(2), [message(2)]);
    expect(transport.calls).toHaveLength(1);
    senders.heardFrom(nodeId(2));
    expect(transport.calls).toHaveLength(2);
    expect(transport.calls[1]?.batch.messages).toEqual([message(2)]);
    // The transport's own reconnect backoff towards it ends too.
    expect(transport.retried).toEqual(["slow:1"]);
    // The old backoff's timer is gone: a later failure backs off from the minimum again.
    transport.calls[1]?.settle(false);
    await flush();
    senders.send(nodeId(2), [message(3)]);
    clock.advance(49);
    expect(transport.calls).toHaveLength(2);
    clock.advance(1);
    expect(transport.calls).toHaveLength(3);
  });

  test("failingMs counts from the first failed delivery to a peer until one arrives", async () => {
    const { transport, clock, senders } = setup();
    expect(senders.failingMs(nodeId(2))).toBe(0);
    senders.send(nodeId(2), [message(1)]);
    transport.calls[0]?.settle(false);
    await flush();
    clock.advance(3_000);
    senders.send(nodeId(2), [message(2)]);
    transport.calls[1]?.settle(false);
    await flush();
    clock.advance(3_000);
    // Counted from the first failure, not the latest; another peer is not affected.
    expect(senders.failingMs(nodeId(2))).toBe(6_000);
    expect(senders.failingMs(nodeId(3))).toBe(0);
    senders.send(nodeId(2), [message(3)]);
    transport.calls[2]?.settle(true);
    await flush();
    expect(senders.failingMs(nodeId(2))).toBe(0);
  });

  test("announce sends every peer a batch, empty when nothing is queued for it", async () => {
    const { transport, senders } = setup();
    senders.send(nodeId(3), [message(1)]);
    transport.calls[0]?.settle(true);
    await flush();
    senders.announce();
    expect(transport.calls.slice(1).map((call) => [call.address, call.batch.messages])).toEqual([
      ["slow:1", []],
      ["fast:1", []],
    ]);
    // Once: what follows goes only with messages.
    for (const call of transport.calls) call.settle(true);
    await flush();
    expect(transport.calls).toHaveLength(3);
  });

  test("announce again tells only the peers learned since, and never this node itself", () => {
    const { transport, senders } = setup();
    senders.announce();
    expect(transport.calls).toHaveLength(2);
    senders.setAddress(nodeId(1), "self:1");
    senders.setAddress(nodeId(4), "new:1");
    senders.announce();
    expect(transport.calls.map((call) => call.address)).toEqual(["slow:1", "fast:1", "new:1"]);
  });

  test("announce while a request is in flight goes with the next batch", async () => {
    const { transport, senders } = setup();
    senders.send(nodeId(2), [message(1)]);
    senders.announce();
    expect(transport.calls.map((call) => call.address)).toEqual(["slow:1", "fast:1"]);
    transport.calls[0]?.settle(true);
    await flush();
    expect(transport.calls[2]?.batch).toMatchObject({ to: nodeId(2), messages: [] });
  });

  test("messages for a peer without an address are dropped and reported", () => {
    const { transport, unreachable, senders } = setup();
    senders.send(nodeId(9), [message(1)]);
    expect(transport.calls).toHaveLength(0);
    expect(unreachable).toEqual([nodeId(9)]);
    expect(senders.stats().droppedMessages).toBe(1);
  });

  test("peers without an address cost no state and one log line per interval", () => {
    const lines: string[] = [];
    const senders = new PeerSenders({
      self: nodeId(1),
      transport: new ScriptedTransport(),
      clock: new VirtualClock(),
      logger: createLogger({ level: "warn", format: "text", write: (line) => lines.push(line) }),
      onUnreachable: () => undefined,
    });
    for (let k = 0; k < 1_000; k++) senders.send(nodeId(100 + k), [message(1)]);
    expect(senders.stats().droppedMessages).toBe(1_000);
    expect(senders.addressOf(nodeId(100))).toBeUndefined();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("address is not known");
  });
});
