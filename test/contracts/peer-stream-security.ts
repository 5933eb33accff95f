// What a peer stream must refuse, on every transport that has streams: a caller without the
// cluster secret (or with a proof made for another path), a batch beyond the receiver's
// limit, and bytes that are not a batch. Nothing refused reaches the node, which keeps serving.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { RaftoralError } from "../../src/lib/index.ts";
import {
  type AccessSecrets,
  bearerCredentials,
  type CallCredentials,
  createPeerProof,
  PEER_PROOF_HEADER,
  PeerClocks,
  type PeerTransport,
  peerCredentials,
} from "../../src/transport/index.ts";
import { FakeNodeApi, waitUntil } from "./fake-node-api.ts";
import { openRecorded } from "./peer-stream.contract.ts";
import type { StartedServer } from "./transport.contract.ts";
import { everythingBatch, numberedBatch } from "./transport-fixtures.ts";

/** The receiver's batch limit in these cases. */
export const STREAM_BATCH_BYTES_MAX = 256 * 1024;

export interface SecuredStreamSubject {
  /** A server demanding `secrets`, taking batches up to STREAM_BATCH_BYTES_MAX. */
  startServer(api: FakeNodeApi, secrets: AccessSecrets): Promise<StartedServer>;
  newPeer(credentials?: CallCredentials): PeerTransport;
  /** Opens a stream with `credentials`, writes bytes that are not a batch; the error it ended with. */
  sendGarbage(address: string, credentials: CallCredentials): Promise<RaftoralError>;
}

const SECRETS = {
  clusterSecret: "cluster-secret-for-stream-tests-01",
  clientToken: "client-token-for-stream-tests-001",
  adminToken: "admin-token-for-stream-tests-0001",
};
const PEER = peerCredentials(SECRETS.clusterSecret);

export function runPeerStreamSecurity(name: string, subject: SecuredStreamSubject): void {
  describe(`peer stream security: ${name}`, () => {
    const api = new FakeNodeApi();
    let started: StartedServer;
    const peers: PeerTransport[] = [];
    const peerWith = (credentials?: CallCredentials): PeerTransport => {
      const peer = subject.newPeer(credentials);
      peers.push(peer);
      return peer;
    };

    beforeAll(async () => {
      started = await subject.startServer(api, SECRETS);
    });
    afterAll(async () => {
      for (const peer of peers) await peer.close();
      await started.server.close();
    });

    test.each([
      ["no credentials", undefined],
      ["the client token", bearerCredentials(SECRETS.clientToken)],
      ["the admin token", bearerCredentials(SECRETS.adminToken)],
      [
        "a proof made for another path",
        () => ({ [PEER_PROOF_HEADER]: createPeerProof(SECRETS.clusterSecret, "/x", Date.now()) }),
      ],
    ])("%s opens no stream, and nothing reaches the node", async (_what, credentials) => {
      api.reset();
      const recorded = openRecorded(peerWith(credentials), started.address);
      try {
        // Written before the receiver accepted anything: it must not get through either.
        recorded.stream.send(numberedBatch(1, 1));
      } catch (error) {
        // A transport that cannot hold a batch until the stream opens refuses it instead.
        if (!(error instanceof RaftoralError)) throw error;
      }
      expect(await recorded.closed).toBeInstanceOf(RaftoralError);
      expect(recorded.isOpen()).toBe(false);
      expect(api.batches).toEqual([]);
    });

    limitCases(api, () => started, peerWith, subject);
  });
}

function limitCases(
  api: FakeNodeApi,
  server: () => StartedServer,
  peerWith: (credentials?: CallCredentials) => PeerTransport,
  subject: SecuredStreamSubject,
): void {
  test("the cluster secret opens a stream", async () => {
    api.reset();
    const recorded = openRecorded(peerWith(PEER), server().address);
    await recorded.opened;
    recorded.stream.send(numberedBatch(1, 7));
    await waitUntil(() => api.batches.length === 1, "the batch");
    recorded.stream.close();
  });

  test("a peer whose clock is 10 minutes behind is refused, and from the refusal makes proofs the node takes", async () => {
    api.reset();
    const clocks = new PeerClocks(() => Date.now() - 600_000);
    const credentials = peerCredentials(SECRETS.clusterSecret, clocks);
    const peer = peerWith(credentials);
    // A refused stream may say nothing (a WebSocket's refused upgrade); the request that
    // PeerSenders sends meanwhile says why.
    const error = await peer.deliver(server().address, numberedBatch(1, 8), 5_000).then(
      () => undefined,
      (refusal: unknown) => refusal as RaftoralError,
    );
    expect(error?.code).toBe("UNAUTHENTICATED");
    expect(api.batches).toEqual([]);
    // The refusal, as this transport carries it, says how far off the proof's time was.
    expect(clocks.learnFrom(server().address, error?.message ?? "")).toBeGreaterThan(590_000);
    const recorded = openRecorded(peer, server().address);
    await recorded.opened;
    recorded.stream.send(numberedBatch(1, 9));
    await waitUntil(() => api.batches.length === 1, "the batch");
    recorded.stream.close();
  });

  test("a batch beyond the receiver's limit ends the stream; the node got nothing", async () => {
    api.reset();
    const recorded = openRecorded(peerWith(PEER), server().address);
    await recorded.opened;
    recorded.stream.send(everythingBatch()); // About 2 MiB.
    const error = await recorded.closed;
    expect(error?.code).toBe("RESOURCE_EXHAUSTED");
    expect(api.batches).toEqual([]);
  });

  test("bytes that are not a batch end the stream as INVALID_ARGUMENT; streams still work", async () => {
    api.reset();
    const error = await subject.sendGarbage(server().address, PEER);
    expect(error.code).toBe("INVALID_ARGUMENT");
    expect(api.batches).toEqual([]);
    const recorded = openRecorded(peerWith(PEER), server().address);
    await recorded.opened;
    recorded.stream.send(numberedBatch(1, 8));
    await waitUntil(() => api.batches.length === 1, "the batch after the garbage");
    recorded.stream.close();
  });
}
