// The peer batches' msgpack decoder against @msgpack/msgpack, which encodes them (and decoded
// them before): the same values back for everything a peer batch can hold, in every width
// msgpack has, and a clear refusal of everything else.

import { describe, expect, test } from "bun:test";
import { Decoder, Encoder } from "@msgpack/msgpack";
import { type Random, seededRandom } from "../lib/index.ts";
import { MsgpackDecoder, MsgpackError } from "./msgpack-decode.ts";

const encoder = new Encoder({ ignoreUndefined: true });
const library = new Decoder();

const NUMBERS = [
  0,
  1,
  127,
  128,
  255,
  256,
  65_535,
  65_536,
  2 ** 32 - 1,
  2 ** 32,
  2 ** 53 - 1,
  -1,
  -32,
  -33,
  -128,
  -129,
  -32_768,
  -32_769,
  -(2 ** 31),
  -(2 ** 31) - 1,
  -(2 ** 53) + 1,
  0.5,
  -1.25,
  1e300,
];
const TEXT_LENGTHS = [0, 1, 13, 31, 32, 33, 255, 256, 65_536];

function text(random: Random, length: number): string {
  const alphabet = ["a", "Z", "7", "_", "é", "→", "😀"];
  let out = "";
  while (out.length < length) out += alphabet[random.int(0, alphabet.length)];
  return out;
}

/** A random plain value of what msgpack can carry in a peer batch. */
function value(random: Random, depth: number): unknown {
  const kind = random.int(0, depth > 3 ? 5 : 7);
  switch (kind) {
    case 0:
      return NUMBERS[random.int(0, NUMBERS.length)];
    case 1:
      return text(random, TEXT_LENGTHS[random.int(0, TEXT_LENGTHS.length - 1)] as number);
    case 2:
      return new Uint8Array(random.int(0, 300)).map(() => random.int(0, 256));
    case 3:
      return random.chance(0.5);
    case 4:
      return random.chance(0.5) ? null : undefined;
    case 5:
      return Array.from({ length: random.int(0, 20) }, () => value(random, depth + 1));
    default: {
      const fields: Record<string, unknown> = {};
      for (let k = random.int(0, 20); k > 0; k--)
        fields[text(random, random.int(1, 40))] = value(random, depth + 1);
      return fields;
    }
  }
}

function refusal(bytes: Uint8Array): string {
  try {
    new MsgpackDecoder().decode(bytes);
  } catch (error) {
    expect(error).toBeInstanceOf(MsgpackError);
    return (error as Error).message;
  }
  throw new Error("decoded without an error");
}

describe("MsgpackDecoder", () => {
  test("decodes what the library encodes as the library does", () => {
    const random = seededRandom(20261204);
    const decoder = new MsgpackDecoder();
    for (let k = 0; k < 400; k++) {
      const bytes = encoder.encode(value(random, 0));
      expect(decoder.decode(bytes)).toEqual(library.decode(bytes) as never);
    }
  });

  test("takes every width of integer, string, binary, array and map", () => {
    const decoder = new MsgpackDecoder();
    const long = "x".repeat(70_000);
    const wide = Array.from({ length: 70_000 }, (_, k) => k % 3);
    const manyKeys = Object.fromEntries(Array.from({ length: 70_000 }, (_, k) => [`k${k}`, k]));
    const binary = new Uint8Array(70_000).fill(9);
    for (const sample of [...NUMBERS, long, wide, manyKeys, binary, { 7: "seven" }]) {
      const bytes = encoder.encode(sample);
      expect(decoder.decode(bytes)).toEqual(library.decode(bytes) as never);
    }
    // Widths the library's encoder does not choose for these values.
    const float32 = Uint8Array.of(0xca, 0x3f, 0xc0, 0x00, 0x00);
    expect(decoder.decode(float32)).toBe(1.5);
    const uint64 = Uint8Array.of(0xcf, 0, 0, 0, 1, 0, 0, 0, 2);
    expect(decoder.decode(uint64)).toBe(2 ** 32 + 2);
    const int64 = Uint8Array.of(0xd3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe);
    expect(decoder.decode(int64)).toBe(-2);
  });

  test("reads an input that starts inside a larger buffer, floats and 64-bit integers too", () => {
    const decoder = new MsgpackDecoder();
    const sample = { term: 6 * 2 ** 32 + 3, at: 1764950400123.25, low: -(2 ** 31) - 5, n: 40_000 };
    const encoded = encoder.encode(sample);
    const framed = new Uint8Array(encoded.byteLength + 7).fill(0xc1);
    framed.set(encoded, 5);
    expect(decoder.decode(framed.subarray(5, 5 + encoded.byteLength))).toEqual(sample);
    // The decoder's view of the last input does not leak into the next.
    expect(decoder.decode(encoder.encode({ at: 0.5 }))).toEqual({ at: 0.5 });
  });

  test("the same short strings over and over, past what it keeps, stay right", () => {
    const decoder = new MsgpackDecoder();
    // 100 distinct keys of one length: more than the 32 it keeps per length.
    const keys = Array.from({ length: 100 }, (_, k) => `key-${String(k).padStart(3, "0")}`);
    for (let round = 0; round < 3; round++) {
      const sample = Object.fromEntries(keys.map((key) => [key, key.toUpperCase()]));
      expect(decoder.decode(encoder.encode(sample))).toEqual(sample);
    }
  });

  test("binary values are views into the input, as the library's are", () => {
    const bytes = encoder.encode({ data: Uint8Array.of(1, 2, 3) });
    const decoded = new MsgpackDecoder().decode(bytes) as { data: Uint8Array };
    expect(decoded.data.buffer).toBe(bytes.buffer);
    expect([...decoded.data]).toEqual([1, 2, 3]);
  });

  test("every cut of a valid encoding is refused", () => {
    const bytes = encoder.encode({
      numbers: NUMBERS,
      texts: TEXT_LENGTHS.slice(0, -1).map((length) => "é".repeat(length)),
      data: [Uint8Array.of(), new Uint8Array(300)],
      flags: [true, false, null],
    });
    for (let end = 0; end < bytes.byteLength; end++) {
      expect(refusal(bytes.subarray(0, end))).toContain("inside a value");
    }
  });

  test("refuses what a peer batch never holds, naming it, and decodes on afterwards", () => {
    expect(refusal(Uint8Array.of(0xc1))).toBe("type byte 0xc1 at 0 is not taken");
    expect(refusal(Uint8Array.of(0xd4, 0x01, 0x00))).toContain("type byte 0xd4");
    expect(refusal(Uint8Array.of(0x01, 0x02))).toBe("1 bytes follow the value");
    expect(refusal(Uint8Array.of(0x81, 0xc3, 0x01))).toContain("neither text nor an integer");
    expect(refusal(encoder.encode(JSON.parse('{"__proto__": 1}')))).toBe("a map key is __proto__");
    // A length far past the input is refused before anything is allocated for it.
    expect(refusal(Uint8Array.of(0xdd, 0xff, 0xff, 0xff, 0xff))).toContain("inside a value");
    let nested: unknown = 1;
    for (let depth = 0; depth < 32; depth++) nested = [nested];
    const decoder = new MsgpackDecoder();
    expect(decoder.decode(encoder.encode(nested))).toEqual(nested as never);
    expect(refusal(encoder.encode([nested]))).toBe("nesting deeper than 32");
    expect(() => decoder.decode(Uint8Array.of(0x92, 0x01))).toThrow(MsgpackError);
    expect(decoder.decode(Uint8Array.of(0x92, 0x01, 0xa1, 0x62))).toEqual([1, "b"]);
  });
});
