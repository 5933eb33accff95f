// The behaviour every transport (memory, HTTP, gRPC) must have between a PeerTransport and a
// TransportServer: batches arrive intact and in order, failures reject promptly with a typed
// error, a failing receiver does not stop the server, and close() means closed.

import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { RaftoralError } from "../../src/lib/index.ts";
import type {
  KeepaliveTiming,
  PeerBatch,
  PeerTransport,
  TransportServer,
} from "../../src/transport/index.ts";
import { FakeNodeApi } from "./fake-node-api.ts";
import { everythingBatch, numberedBatch, sequenceOf } from "./transport-fixtures.ts";

/** A started server of the transport under test. */
export interface StartedServer {
  readonly server: TransportServer;
  /** The address a PeerTransport of the same kind reaches it at. */
  readonly address: string;
}

/** An address that accepts connections and never answers, for the timeout case. */
export interface SilentPeer {
  readonly address: string;
  close(): Promise<void>;
}

/** What one kind of transport gives the contract. */
export interface TransportUnderTest {
  /** Starts a server of this kind (127.0.0.1, port 0) serving `api`. */
  startServer(api: FakeNodeApi): Promise<StartedServer>;
  /** A new client half of this kind; its open streams and calls pinged as `keepalive` says. */
  newPeer(keepalive?: KeepaliveTiming): PeerTransport;
  /** An address where nothing listens. */
  unreachableAddress(): Promise<string>;
  /** A peer that accepts and never answers; required unless `skipSilentPeer` says why not. */
  readonly silentPeer?: () => Promise<SilentPeer>;
  /** Releases what the factory holds (networks, sockets). */
  dispose(): Promise<void>;
}

export interface TransportContractOptions {
  /** Why the silent-peer timeout case does not apply to this transport (it is left out). */
  readonly skipSilentPeer?: string;
}

const DELIVER_TIMEOUT_MS = 2_000;
/** Slack for a rejection "within the timeout": event-loop and CI jitter, not a sleep. */
const REJECT_SLACK_MS = 1_000;

/** What the cases share; filled in by beforeAll, so cases read it only inside tests. */
interface Fixture {
  name: string;
  subject: TransportUnderTest;
  api: FakeNodeApi;
  started: StartedServer;
  peer: PeerTransport;
  /** Run (newest first) after each test. */
  cleanups: (() => Promise<void>)[];
}

/** Runs the contract against the transport `makeSubject` creates. */
export function runTransportContract(
  name: string,
  makeSubject: () => Promise<TransportUnderTest>,
  options: TransportContractOptions = {},
): void {
  describe(`transport contract: ${name}`, () => {
    const fixture = { name, cleanups: [] } as unknown as Fixture;

    beforeAll(async () => {
      fixture.subject = await makeSubject();
      fixture.api = new FakeNodeApi();
      fixture.started = await fixture.subject.startServer(fixture.api);
      fixture.peer = fixture.subject.newPeer();
    });

    afterEach(async () => {
      fixture.api.reset();
      for (const cleanup of fixture.cleanups.splice(0).reverse()) await cleanup();
    });

    afterAll(async () => {
      await fixture.peer.close();
      await fixture.started.server.close();
      await fixture.subject.dispose();
    });

    deliveryCases(fixture);
    failureCases(fixture);
    timeoutCases(fixture, options);
  });
}

/** Batches arrive intact, in order, and under concurrency. */
function deliveryCases(f: Fixture): void {
  test("a batch with every message type and binary sizes arrives intact", async () => {
    const batch = everythingBatch();
    await f.peer.deliver(f.started.address, batch, DELIVER_TIMEOUT_MS);
    expect(f.api.batches).toHaveLength(1);
    expect(f.api.batches[0]).toEqual(batch);
  });

  test("an empty batch is delivered too", async () => {
    const batch: PeerBatch = { ...numberedBatch(1, 1), messages: [] };
    await f.peer.deliver(f.started.address, batch, DELIVER_TIMEOUT_MS);
    expect(f.api.batches).toEqual([batch]);
  });

  test("sequential deliveries arrive in order", async () => {
    for (let sequence = 1; sequence <= 50; sequence++) {
      await f.peer.deliver(f.started.address, numberedBatch(1, sequence), DELIVER_TIMEOUT_MS);
    }
    expect(f.api.batches.map(sequenceOf)).toEqual(range(50));
  });

  test("concurrent deliveries from several senders all arrive, each sender in order", async () => {
    const senders = [2, 3, 4, 5];
    const perSender = 20;
    await Promise.all(
      senders.map(async (sender) => {
        const own = f.subject.newPeer();
        f.cleanups.push(() => own.close());
        for (let sequence = 1; sequence <= perSender; sequence++) {
          await own.deliver(f.started.address, numberedBatch(sender, sequence), DELIVER_TIMEOUT_MS);
        }
      }),
    );
    expect(f.api.batches).toHaveLength(senders.length * perSender);
    for (const sender of senders) {
      const received = f.api.batches.filter((batch) => batch.from === sender).map(sequenceOf);
      expect(received).toEqual(range(perSender));
    }
  });

  test("many deliveries in flight at once from one transport all arrive", async () => {
    await Promise.all(
      range(40).map((sequence) =>
        f.peer.deliver(f.started.address, numberedBatch(6, sequence), DELIVER_TIMEOUT_MS),
      ),
    );
    expect(f.api.batches.map(sequenceOf).sort((a, b) => a - b)).toEqual(range(40));
  });
}

/** Refusals and closed ends reject with a RaftoralError, and nothing else breaks. */
function failureCases(f: Fixture): void {
  test("a receiver that throws a typed error makes deliver reject; the server keeps serving", async () => {
    f.api.script.receivePeerBatch = () => {
      throw new RaftoralError("RESOURCE_EXHAUSTED", "inbox of node 2 is full; retry later");
    };
    const error = await rejectionOf(
      f.peer.deliver(f.started.address, numberedBatch(1, 1), DELIVER_TIMEOUT_MS),
    );
    expect(error).toBeInstanceOf(RaftoralError);
    expect((error as RaftoralError).code).toBe("RESOURCE_EXHAUSTED");
    expect(error.message).toContain("inbox of node 2 is full");

    f.api.reset();
    await f.peer.deliver(f.started.address, numberedBatch(1, 2), DELIVER_TIMEOUT_MS);
    expect(f.api.batches.map(sequenceOf)).toEqual([2]);
  });

  test("after close() deliveries reject, and other transports still deliver", async () => {
    const own = f.subject.newPeer();
    await own.deliver(f.started.address, numberedBatch(1, 1), DELIVER_TIMEOUT_MS);
    await own.close();
    const error = await rejectionOf(
      own.deliver(f.started.address, numberedBatch(1, 2), DELIVER_TIMEOUT_MS),
    );
    expect(error).toBeInstanceOf(RaftoralError);
    await f.peer.deliver(f.started.address, numberedBatch(1, 3), DELIVER_TIMEOUT_MS);
    expect(f.api.batches.map(sequenceOf)).toEqual([1, 3]);
  });
}

/** Unreachable, closed and silent peers: deliver rejects within its timeout. */
function timeoutCases(f: Fixture, options: TransportContractOptions): void {
  test("delivery to an address where nothing listens rejects within the timeout", async () => {
    const address = await f.subject.unreachableAddress();
    const began = performance.now();
    const error = await rejectionOf(f.peer.deliver(address, numberedBatch(1, 1), 1_000));
    expect(error).toBeInstanceOf(RaftoralError);
    expect(performance.now() - began).toBeLessThan(1_000 + REJECT_SLACK_MS);
  });

  test("delivery to a server that was closed rejects within the timeout", async () => {
    const other = new FakeNodeApi();
    const closed = await f.subject.startServer(other);
    const own = f.subject.newPeer();
    f.cleanups.push(() => own.close());
    await own.deliver(closed.address, numberedBatch(1, 1), DELIVER_TIMEOUT_MS);
    await closed.server.close();
    const began = performance.now();
    const error = await rejectionOf(own.deliver(closed.address, numberedBatch(1, 2), 1_000));
    expect(error).toBeInstanceOf(RaftoralError);
    expect(performance.now() - began).toBeLessThan(1_000 + REJECT_SLACK_MS);
    expect(other.batches.map(sequenceOf)).toEqual([1]);
  });

  // Transports without sockets cannot hold a request open forever; they say why (skipSilentPeer).
  if (options.skipSilentPeer !== undefined) return;
  test("delivery to a peer that never answers rejects with TIMEOUT after the timeout", async () => {
    if (f.subject.silentPeer === undefined) throw new Error(`${f.name}: silentPeer is missing`);
    const silent = await f.subject.silentPeer();
    f.cleanups.push(() => silent.close());
    const began = performance.now();
    const error = await rejectionOf(f.peer.deliver(silent.address, numberedBatch(1, 1), 300));
    const elapsed = performance.now() - began;
    expect((error as RaftoralError).code).toBe("TIMEOUT");
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(300 + REJECT_SLACK_MS);
  });
}

/** 1..count. */
function range(count: number): number[] {
  return Array.from({ length: count }, (_, k) => k + 1);
}

/** The error `promise` rejects with; fails the test if it resolves. */
export function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => Promise.reject(new Error("expected a rejection, but the promise resolved")),
    (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
  );
}
