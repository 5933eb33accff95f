import { describe, expect, test } from "bun:test";
import { nodeId } from "../lib/index.ts";
import { decodeEnvelope, encodeEnvelope, ownProposalId } from "./command-envelope.ts";

describe("command envelope", () => {
  test("carries every field through, at the edges of their ranges", () => {
    const command = Uint8Array.of(7, 8, 9);
    for (const [origin, incarnation, proposalId, floor] of [
      [1, 0, 0, 0],
      [2 ** 32 - 1, 2 ** 32 - 1, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER - 1],
      [0x8000_0001, 0x7fff_ffff, 2 ** 32 + 5, 2 ** 31],
    ] as const) {
      const envelope = { origin: nodeId(origin), incarnation, proposalId, floor, command };
      expect(decodeEnvelope(encodeEnvelope(envelope))).toEqual(envelope);
    }
  });

  test("the layout is big endian: version, origin, incarnation, id and floor as doubles", () => {
    const bytes = encodeEnvelope({
      origin: nodeId(0x01020304),
      incarnation: 0x0a0b0c0d,
      proposalId: 1,
      floor: 2,
      command: Uint8Array.of(0xff),
    });
    expect([...bytes]).toEqual([
      1, 1, 2, 3, 4, 0x0a, 0x0b, 0x0c, 0x0d, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0, 0x40, 0, 0, 0, 0, 0, 0,
      0, 0xff,
    ]);
  });

  test("an entry's own proposal id is read only for its origin's incarnation", () => {
    const bytes = encodeEnvelope({
      origin: nodeId(0x8000_0002),
      incarnation: 0xffff_fff0,
      proposalId: 2 ** 40 + 3,
      floor: 1,
      command: Uint8Array.of(1, 2),
    });
    expect(ownProposalId(bytes, nodeId(0x8000_0002), 0xffff_fff0)).toBe(2 ** 40 + 3);
    expect(ownProposalId(bytes, nodeId(2), 0xffff_fff0)).toBeUndefined();
    expect(ownProposalId(bytes, nodeId(0x8000_0002), 0xffff_fff1)).toBeUndefined();
    expect(ownProposalId(bytes.subarray(0, 24), nodeId(0x8000_0002), 0xffff_fff0)).toBeUndefined();
  });

  test("what the host did not write is not an envelope", () => {
    const envelope = encodeEnvelope({
      origin: nodeId(3),
      incarnation: 9,
      proposalId: 4,
      floor: 1,
      command: new Uint8Array(0),
    });
    expect(decodeEnvelope(envelope.subarray(0, envelope.byteLength - 1))).toBeUndefined();
    expect(
      decodeEnvelope(Uint8Array.from(envelope, (byte, k) => (k === 0 ? 2 : byte))),
    ).toBeUndefined();
    const fractional = Uint8Array.from(envelope);
    new DataView(fractional.buffer).setFloat64(9, 1.5);
    expect(decodeEnvelope(fractional)).toBeUndefined();
    // A view into a larger buffer, as entries read back from storage are.
    const wider = new Uint8Array(envelope.byteLength + 10);
    wider.set(envelope, 10);
    expect(decodeEnvelope(wider.subarray(10))?.proposalId).toBe(4);
  });
});
