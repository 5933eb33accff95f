// Both encodings of a PeerBatch give back the batch, whatever kind of byte array its binary
// fields are: a batch that came in over a WebSocket or HTTP/2 holds Buffers (views of the
// received chunk), and a node sends such entries on, for instance to a follower catching up.

import { describe, expect, test } from "bun:test";
import { everythingBatch } from "../../test/contracts/transport-fixtures.ts";
import {
  batchFromJson,
  batchToJson,
  decodeBatchMsgpack,
  encodeBatchMsgpack,
} from "./wire-codec.ts";

describe("peer batch encodings", () => {
  test("a batch decoded from a Buffer (as a WebSocket delivers it) goes out as JSON intact", () => {
    const batch = everythingBatch();
    const received = decodeBatchMsgpack(Buffer.from(encodeBatchMsgpack(batch)));
    const sentOn = batchFromJson(JSON.parse(batchToJson(received)));
    expect(sentOn).toEqual(batch);
  });

  test("Buffer and Uint8Array fields encode to the same JSON", () => {
    const batch = everythingBatch();
    const withBuffers = decodeBatchMsgpack(Buffer.from(encodeBatchMsgpack(batch)));
    expect(batchToJson(withBuffers)).toBe(batchToJson(batch));
  });

  test("the shared encoder hands out copies, and bad bytes leave the decoder sound", () => {
    const batch = everythingBatch();
    const first = encodeBatchMsgpack(batch);
    const kept = Uint8Array.from(first);
    encodeBatchMsgpack({ from: batch.to, to: batch.from, messages: [] });
    expect(first).toEqual(kept);
    const cut = first.subarray(0, first.byteLength - 3);
    expect(() => decodeBatchMsgpack(cut)).toThrow("is not valid msgpack");
    expect(() => decodeBatchMsgpack(new Uint8Array([0xc1]))).toThrow("is not valid msgpack");
    expect(decodeBatchMsgpack(first)).toEqual(batch);
  });
});
