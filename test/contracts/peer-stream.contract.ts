// The behaviour every transport with peer streams (HTTP, gRPC) must have: a stream opens,
// carries batches intact and in order without waiting for answers, ends with the receiver's
// typed error when it refuses a batch or goes away, and with no error when closed here.

import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { RaftoralError } from "../../src/lib/index.ts";
import type { PeerStream, PeerTransport } from "../../src/transport/index.ts";
import { FakeNodeApi, waitUntil } from "./fake-node-api.ts";
import { freezableRelay } from "./network-peers.ts";
import type { StartedServer, TransportUnderTest } from "./transport.contract.ts";
import { everythingBatch, numberedBatch, sequenceOf } from "./transport-fixtures.ts";

/** A stream and what it reported. */
export interface Recorded {
  readonly stream: PeerStream;
  readonly opened: Promise<void>;
  /** Resolves with the error onClose reported (undefined: closed here). */
  readonly closed: Promise<RaftoralError | undefined>;
  isOpen(): boolean;
}

export function openRecorded(peer: PeerTransport, address: string): Recorded {
  if (peer.openStream === undefined) throw new Error("this transport has no streams");
  let isOpen = false;
  let onOpen = (): void => undefined;
  let onClose = (_error: RaftoralError | undefined): void => undefined;
  const opened = new Promise<void>((resolve) => {
    onOpen = resolve;
  });
  const closed = new Promise<RaftoralError | undefined>((resolve) => {
    onClose = resolve;
  });
  const stream = peer.openStream(address, {
    onOpen: () => {
      isOpen = true;
      onOpen();
    },
    onClose: (error) => onClose(error),
  });
  return { stream, opened, closed, isOpen: () => isOpen };
}

/** Runs the stream contract against the transport `makeSubject` creates. */
export function runPeerStreamContract(
  name: string,
  makeSubject: () => Promise<TransportUnderTest>,
): void {
  describe(`peer stream contract: ${name}`, () => {
    const f = { cleanups: [] } as unknown as Fixture;
    beforeAll(async () => {
      f.subject = await makeSubject();
      f.api = new FakeNodeApi();
      f.started = await f.subject.startServer(f.api);
      f.peer = f.subject.newPeer();
    });
    afterEach(async () => {
      f.api.reset();
      for (const cleanup of f.cleanups.splice(0).reverse()) await cleanup();
    });
    afterAll(async () => {
      await f.peer.close();
      await f.started.server.close();
      await f.subject.dispose();
    });
    deliveryCases(f);
    endingCases(f);
  });
}

/** What the cases share; filled in by beforeAll. */
interface Fixture {
  subject: TransportUnderTest;
  api: FakeNodeApi;
  started: StartedServer;
  peer: PeerTransport;
  cleanups: (() => Promise<void>)[];
}

function deliveryCases(f: Fixture): void {
  test("batches written without waiting arrive intact and in order", async () => {
    const recorded = openRecorded(f.peer, f.started.address);
    await recorded.opened;
    const everything = everythingBatch();
    recorded.stream.send(everything);
    for (let sequence = 1; sequence <= 300; sequence++) {
      recorded.stream.send(numberedBatch(1, sequence));
    }
    await waitUntil(() => f.api.batches.length === 301, "301 batches");
    expect(f.api.batches[0]).toEqual(everything);
    expect(f.api.batches.slice(1).map(sequenceOf)).toEqual(range(300));
    recorded.stream.close();
    expect(await recorded.closed).toBeUndefined();
  });

  test("a refused batch ends the stream with the receiver's code; a new stream works", async () => {
    f.api.script.receivePeerBatch = () => {
      throw new RaftoralError("RESOURCE_EXHAUSTED", "inbox of node 2 is full; retry later");
    };
    const refused = openRecorded(f.peer, f.started.address);
    await refused.opened;
    refused.stream.send(numberedBatch(1, 1));
    const error = await refused.closed;
    expect(error?.code).toBe("RESOURCE_EXHAUSTED");
    expect(error?.message).toContain("inbox of node 2 is full");

    f.api.reset();
    const again = openRecorded(f.peer, f.started.address);
    await again.opened;
    again.stream.send(numberedBatch(1, 2));
    await waitUntil(() => f.api.batches.length === 1, "the batch on the new stream");
    expect(f.api.batches.map(sequenceOf)).toEqual([2]);
    again.stream.close();
    await again.closed;
  });
}

function endingCases(f: Fixture): void {
  test("a stream to an address where nothing listens ends with an error, never open", async () => {
    const recorded = openRecorded(f.peer, await f.subject.unreachableAddress());
    const error = await recorded.closed;
    expect(error).toBeInstanceOf(RaftoralError);
    expect(recorded.isOpen()).toBe(false);
  });

  test("a receiver that goes away ends its open streams with an error", async () => {
    const other = new FakeNodeApi();
    const leaving = await f.subject.startServer(other);
    const recorded = openRecorded(f.peer, leaving.address);
    await recorded.opened;
    recorded.stream.send(numberedBatch(1, 1));
    await waitUntil(() => other.batches.length === 1, "the first batch");
    await leaving.server.close();
    const error = await recorded.closed;
    expect(error).toBeInstanceOf(RaftoralError);
    expect(error?.code).toBe("UNAVAILABLE");
  });

  test("close() of the transport ends its streams", async () => {
    const own = f.subject.newPeer();
    f.cleanups.push(() => own.close());
    const recorded = openRecorded(own, f.started.address);
    await recorded.opened;
    await own.close();
    await recorded.closed;
    expect(recorded.isOpen()).toBe(true);
  });

  // TCP keeps such a connection open for minutes, and what is sent meanwhile goes nowhere.
  test("a stream whose receiver goes silent ends once a ping goes unanswered", async () => {
    const own = f.subject.newPeer({ intervalMs: 50, timeoutMs: SILENCE_TIMEOUT_MS });
    const relay = await freezableRelay(f.started.address);
    f.cleanups.push(
      () => own.close(),
      () => relay.close(),
    );
    const recorded = openRecorded(own, relay.address);
    await recorded.opened;
    recorded.stream.send(numberedBatch(1, 1));
    await waitUntil(() => f.api.batches.length === 1, "the batch before the silence");
    // Pings answered for a while: an open stream with nothing to say stays open.
    await Bun.sleep(4 * SILENCE_TIMEOUT_MS);
    expect(recorded.isOpen()).toBe(true);
    relay.freeze();
    const frozenAt = performance.now();
    recorded.stream.send(numberedBatch(2, 1));
    const error = await recorded.closed;
    expect(error?.code).toBe("UNAVAILABLE");
    expect(error?.message).toContain("stopped answering: no answer to a ping");
    expect(performance.now() - frozenAt).toBeGreaterThanOrEqual(SILENCE_TIMEOUT_MS);
    expect(f.api.batches).toHaveLength(1);
  });
}

/** The keepalive timeout of the silent-receiver case. */
const SILENCE_TIMEOUT_MS = 300;

/** 1..count. */
function range(count: number): number[] {
  return Array.from({ length: count }, (_, k) => k + 1);
}
