import { describe, expect, test } from "bun:test";
import { encodeFrame, FrameDecoder } from "./framing.ts";
import { GrpcStatus, GrpcStatusError } from "./status.ts";

const bytes = (...values: number[]): Uint8Array => new Uint8Array(values);

function header(flags: number, length: number): Uint8Array {
  const out = new Uint8Array(5);
  out[0] = flags;
  new DataView(out.buffer).setUint32(1, length);
  return out;
}

function statusOf(action: () => unknown): GrpcStatus | undefined {
  try {
    action();
  } catch (error) {
    if (error instanceof GrpcStatusError) return error.grpcCode;
    throw error;
  }
  return undefined;
}

describe("encodeFrame", () => {
  test("writes flag 0 and a big-endian length before the message", () => {
    expect([...encodeFrame(bytes(7, 8, 9))]).toEqual([0, 0, 0, 0, 3, 7, 8, 9]);
    expect([...encodeFrame(new Uint8Array(0x0102))].slice(0, 5)).toEqual([0, 0, 0, 1, 2]);
  });
});

describe("FrameDecoder", () => {
  const decoder = (max = 1024, encoding?: string) =>
    new FrameDecoder({ messageBytesMax: max, encoding });

  test("decodes one frame delivered byte by byte", () => {
    const frame = encodeFrame(bytes(1, 2, 3));
    const d = decoder();
    const out: Uint8Array[] = [];
    for (const [index, byte] of frame.entries()) {
      out.push(...d.push(bytes(byte)));
      expect(d.hasPartialFrame).toBe(index < frame.length - 1);
    }
    expect(out.map((m) => [...m])).toEqual([[1, 2, 3]]);
    expect(d.hasPartialFrame).toBe(false);
  });

  test("decodes several coalesced frames, including empty messages, from one chunk", () => {
    const chunk = new Uint8Array([
      ...encodeFrame(bytes(1)),
      ...encodeFrame(bytes()),
      ...encodeFrame(bytes(2, 3)),
    ]);
    expect(
      decoder()
        .push(chunk)
        .map((m) => [...m]),
    ).toEqual([[1], [], [2, 3]]);
  });

  test("splits at every boundary and gives the same messages", () => {
    const stream = new Uint8Array([...encodeFrame(bytes(9, 8, 7, 6)), ...encodeFrame(bytes(5))]);
    for (let cut = 0; cut <= stream.length; cut++) {
      const d = decoder();
      const out = [...d.push(stream.subarray(0, cut)), ...d.push(stream.subarray(cut))];
      expect(out.map((m) => [...m])).toEqual([[9, 8, 7, 6], [5]]);
    }
  });

  test("reports a partial frame so a stream end can be called a truncation", () => {
    const d = decoder();
    d.push(encodeFrame(bytes(1, 2, 3)).subarray(0, 6));
    expect(d.hasPartialFrame).toBe(true);
  });

  test("rejects a declared length over the maximum before any body arrives", () => {
    const d = decoder(10);
    expect(statusOf(() => d.push(header(0, 11)))).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
    expect(statusOf(() => decoder(10).push(header(0, 0xffffffff)))).toBe(
      GrpcStatus.RESOURCE_EXHAUSTED,
    );
    expect(
      decoder(10).push(new Uint8Array([...header(0, 10), ...new Uint8Array(10)])),
    ).toHaveLength(1);
  });

  test("rejects a compressed frame: INTERNAL under identity, UNIMPLEMENTED for a real codec", () => {
    expect(statusOf(() => decoder().push(header(1, 0)))).toBe(GrpcStatus.INTERNAL);
    expect(statusOf(() => decoder(1024, "identity").push(header(1, 0)))).toBe(GrpcStatus.INTERNAL);
    expect(statusOf(() => decoder(1024, "gzip").push(header(1, 0)))).toBe(GrpcStatus.UNIMPLEMENTED);
  });

  test("rejects reserved flag bits", () => {
    expect(statusOf(() => decoder().push(header(0x80, 0)))).toBe(GrpcStatus.INTERNAL);
  });
});
