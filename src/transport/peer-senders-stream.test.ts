// PeerSenders over a transport with streams, driven by hand: when batches use the stream,
// when they fall back to requests, and how a broken, full or silent stream is handled.

import { describe, expect, test } from "bun:test";
import { forwardOf } from "../../test/contracts/transport-fixtures.ts";
import {
  createLogger,
  groupId,
  type Logger,
  type NodeId,
  nodeId,
  RaftoralError,
  VirtualClock,
} from "../lib/index.ts";
import { PeerClocks } from "./access-policy.ts";
import { BATCH_BYTES_MAX } from "./peer-queue.ts";
import { PeerSenders, STREAM_BUFFERED_BYTES_MAX, STREAM_RETRY_MS } from "./peer-senders.ts";
import type { PeerStream, PeerStreamEvents, PeerTransport } from "./transport.ts";
import { batchBytes, type PeerBatch, type PeerMessage } from "./wire.ts";

const quiet = createLogger({ level: "error", format: "text", write: () => undefined });
const PEER = nodeId(2);
const DELIVER_TIMEOUT_MS = 5_000;

class ScriptedStream implements PeerStream {
  readonly sent: PeerBatch[] = [];
  buffered = 0;
  isClosed = false;

  constructor(
    readonly address: string,
    readonly events: PeerStreamEvents,
  ) {}

  send(batch: PeerBatch): void {
    this.sent.push(batch);
  }
  bufferedBytes(): number {
    return this.buffered;
  }
  close(): void {
    this.isClosed = true;
  }
}

/** Streams and requests, each settled by the test. */
class ScriptedStreamTransport implements PeerTransport {
  readonly streams: ScriptedStream[] = [];
  readonly requests: { batch: PeerBatch; settle: (ok: boolean) => void }[] = [];

  deliver(_address: string, batch: PeerBatch): Promise<void> {
    return new Promise((resolve, reject) => {
      this.requests.push({ batch, settle: (ok) => (ok ? resolve() : reject(new Error("down"))) });
    });
  }
  openStream(address: string, events: PeerStreamEvents): PeerStream {
    const stream = new ScriptedStream(address, events);
    this.streams.push(stream);
    return stream;
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
  latest(): ScriptedStream {
    const stream = this.streams.at(-1);
    if (stream === undefined) throw new Error("no stream was opened");
    return stream;
  }
}

const message = (n: number): PeerMessage => ({ type: "unknownGroup", groupId: groupId(n) });
const messagesOf = (batches: readonly PeerBatch[]) => batches.map((batch) => batch.messages);
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

function setup(options: { peerClocks?: PeerClocks; logger?: Logger } = {}) {
  const transport = new ScriptedStreamTransport();
  const clock = new VirtualClock();
  const unreachable: NodeId[] = [];
  const senders = new PeerSenders({
    self: nodeId(1),
    transport,
    clock,
    logger: options.logger ?? quiet,
    ...(options.peerClocks === undefined ? {} : { peerClocks: options.peerClocks }),
    onUnreachable: (peer) => unreachable.push(peer),
    deliverTimeoutMs: DELIVER_TIMEOUT_MS,
    backoffMinMs: 50,
    backoffMaxMs: 2_000,
  });
  senders.setAddress(PEER, "peer:1");
  return { transport, clock, unreachable, senders };
}

describe("peer senders over streams", () => {
  test("batches wait for the stream to open, then each leaves at once without waiting", () => {
    const { transport, senders } = setup();
    senders.send(PEER, [message(1)]);
    senders.send(PEER, [message(2)]);
    const stream = transport.latest();
    expect(transport.streams).toHaveLength(1);
    expect(stream.sent).toEqual([]);
    stream.events.onOpen();
    expect(messagesOf(stream.sent)).toEqual([[message(1), message(2)]]);
    senders.send(PEER, [message(3)]);
    senders.send(PEER, [message(4)]);
    expect(messagesOf(stream.sent)).toEqual([[message(1), message(2)], [message(3)], [message(4)]]);
    expect(transport.requests).toEqual([]);
    expect(senders.stats().sentBatches).toBe(3);
  });

  test("a stream refused for this node's clock: proofs for that peer carry its time from then on", () => {
    const lines: string[] = [];
    const logger = createLogger({
      level: "info",
      format: "text",
      write: (line) => lines.push(line),
    });
    const peerClocks = new PeerClocks(() => 1_000_000);
    const { transport, senders } = setup({ peerClocks, logger });
    senders.send(PEER, [message(1)]);
    // The peer's words for a proof 600 s behind its clock (peerProofProblem).
    const refusal =
      "peer:1 refused the batch: /raft/stream: the cluster secret proof is wrong: it is 600 s old";
    transport.latest().events.onClose(new RaftoralError("UNAUTHENTICATED", refusal));
    expect(peerClocks.nowFor("peer:1")).toBe(1_600_000);
    expect(peerClocks.nowFor("peer:3")).toBe(1_000_000);
    expect(lines.join("\n")).toContain("its clock is 600 s ahead of this node's");
  });

  test("a stream the peer never accepts: requests carry the batches for a while, then a stream is tried again", async () => {
    const { transport, clock, senders } = setup();
    senders.send(PEER, [message(1)]);
    transport.latest().events.onClose(new RaftoralError("NOT_FOUND", "unknown method"));
    expect(messagesOf(transport.requests.map((request) => request.batch))).toEqual([[message(1)]]);
    transport.requests[0]?.settle(true);
    await flush();
    senders.send(PEER, [message(2)]);
    expect(transport.requests).toHaveLength(2);
    expect(transport.streams).toHaveLength(1);
    transport.requests[1]?.settle(true);
    await flush();
    clock.advance(STREAM_RETRY_MS);
    senders.send(PEER, [message(3)]);
    expect(transport.streams).toHaveLength(2);
    transport.latest().events.onOpen();
    expect(messagesOf(transport.latest().sent)).toEqual([[message(3)]]);
  });

  test("a peer that cannot be reached at all: after a failed request, a stream is tried again", async () => {
    const { transport, clock, senders } = setup();
    senders.send(PEER, [message(1)]);
    transport.latest().events.onClose(new RaftoralError("UNAVAILABLE", "connection refused"));
    transport.requests[0]?.settle(false);
    await flush();
    // After the backoff: a stream, not a request, although the retry time has not run out.
    clock.advance(50);
    senders.send(PEER, [message(2)]);
    expect(transport.streams).toHaveLength(2);
    expect(transport.requests).toHaveLength(1);
    transport.latest().events.onClose(new RaftoralError("UNAVAILABLE", "connection refused"));
    transport.requests[1]?.settle(false);
    await flush();
    // The peer is heard from (it is back): a stream at once, before the backoff ends.
    senders.heardFrom(PEER);
    senders.send(PEER, [message(3)]);
    expect(transport.streams).toHaveLength(3);
    expect(transport.requests).toHaveLength(2);
    transport.latest().events.onOpen();
    expect(messagesOf(transport.latest().sent)).toEqual([[message(3)]]);
  });

  test("a stream that breaks after opening: the peer is unreachable, and a new stream follows the backoff", () => {
    const { transport, clock, unreachable, senders } = setup();
    senders.send(PEER, [message(1)]);
    transport.latest().events.onOpen();
    transport.latest().events.onClose(new RaftoralError("UNAVAILABLE", "connection reset"));
    expect(unreachable).toEqual([PEER]);
    senders.send(PEER, [message(2)]);
    expect(transport.streams).toHaveLength(1);
    expect(transport.requests).toEqual([]);
    clock.advance(50);
    expect(transport.streams).toHaveLength(2);
    transport.latest().events.onOpen();
    expect(messagesOf(transport.latest().sent)).toEqual([[message(2)]]);
  });

  test("a full stream holds batches in the queue until it has room", () => {
    const { transport, clock, senders } = setup();
    senders.send(PEER, [message(1)]);
    const stream = transport.latest();
    stream.events.onOpen();
    stream.buffered = STREAM_BUFFERED_BYTES_MAX + 1;
    senders.send(PEER, [message(2)]);
    senders.send(PEER, [message(3)]);
    expect(stream.sent).toHaveLength(1);
    stream.buffered = 0;
    clock.advance(10);
    expect(messagesOf(stream.sent)).toEqual([[message(1)], [message(2), message(3)]]);
  });

  test("a queue larger than a batch is written as several batches, in order, at once", () => {
    const { transport, senders } = setup();
    const forwards = Array.from({ length: 10 }, (_, k) => forwardOf(k, 1024 * 1024));
    senders.send(PEER, forwards);
    const stream = transport.latest();
    stream.events.onOpen();
    expect(stream.sent.length).toBeGreaterThanOrEqual(4);
    for (const batch of stream.sent) expect(batchBytes(batch)).toBeLessThanOrEqual(BATCH_BYTES_MAX);
    expect(messagesOf(stream.sent).flat()).toEqual(forwards);
  });

  test("a stream that stays full for the delivery timeout is dropped as unreachable", () => {
    const { transport, clock, unreachable, senders } = setup();
    senders.send(PEER, [message(1)]);
    const stream = transport.latest();
    stream.events.onOpen();
    stream.buffered = STREAM_BUFFERED_BYTES_MAX + 1;
    senders.send(PEER, [message(2)]);
    clock.advance(DELIVER_TIMEOUT_MS + 20);
    expect(stream.isClosed).toBe(true);
    expect(unreachable).toEqual([PEER]);
    // Its close is ours: reporting it changes nothing.
    stream.events.onClose(undefined);
    expect(unreachable).toEqual([PEER]);
  });

  test("a stream that does not open within the delivery timeout is closed, and requests take over", () => {
    const { transport, clock, senders } = setup();
    senders.send(PEER, [message(1)]);
    clock.advance(DELIVER_TIMEOUT_MS);
    expect(transport.latest().isClosed).toBe(true);
    expect(messagesOf(transport.requests.map((request) => request.batch))).toEqual([[message(1)]]);
  });

  test("a new address closes the old stream; the next batch opens one to the new address", () => {
    const { transport, senders } = setup();
    senders.send(PEER, [message(1)]);
    transport.latest().events.onOpen();
    senders.setAddress(PEER, "peer:2");
    expect(transport.streams[0]?.isClosed).toBe(true);
    senders.send(PEER, [message(2)]);
    expect(transport.latest().address).toBe("peer:2");
  });

  test("close() closes every stream", () => {
    const { transport, senders } = setup();
    senders.send(PEER, [message(1)]);
    senders.close();
    expect(transport.latest().isClosed).toBe(true);
  });
});
