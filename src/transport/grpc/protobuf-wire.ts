// The protobuf wire format's pieces that the hand-written codecs share: varints and
// length-delimited fields with a one-byte tag (field numbers up to 15), and signed int64s.

import { assert } from "../../lib/index.ts";

/** The size of a length-delimited field (one-byte tag) holding `length` bytes. */
export function bytesFieldSize(length: number): number {
  return 1 + varintBytes(length) + length;
}

/** Writes a length-delimited field (its tag, its length, its bytes) at `start`; returns its end. */
export function writeBytesField(
  out: Uint8Array,
  start: number,
  tag: number,
  value: Uint8Array,
): number {
  out[start] = tag;
  const at = writeVarint(out, start + 1, value.byteLength);
  out.set(value, at);
  return at + value.byteLength;
}

/** The bytes of a length-delimited field whose length starts at `start`; undefined if cut off. */
export function readBytesField(
  bytes: Uint8Array,
  start: number,
): { value: Uint8Array; end: number } | undefined {
  const length = readVarint(bytes, start);
  if (length === undefined || length.end + length.value > bytes.byteLength) return undefined;
  const end = length.end + length.value;
  return { value: bytes.subarray(length.end, end), end };
}

export function varintBytes(value: number): number {
  let bytes = 1;
  for (let rest = value; rest >= 0x80; rest = Math.floor(rest / 128)) bytes++;
  return bytes;
}

export function writeVarint(out: Uint8Array, start: number, value: number): number {
  let at = start;
  let rest = value;
  while (rest >= 0x80) {
    out[at++] = (rest % 128) | 0x80;
    rest = Math.floor(rest / 128);
  }
  out[at++] = rest;
  return at;
}

/**
 * A varint of at most `bytesMax` bytes (5: lengths and uint32s; 8: integers up to 2^56, of which
 * only those up to 2^53 - 1 come out exact), or undefined when longer or cut off.
 */
export function readVarint(
  bytes: Uint8Array,
  start: number,
  bytesMax = 5,
): { value: number; end: number } | undefined {
  let value = 0;
  let scale = 1;
  for (let at = start; at < bytes.byteLength && at < start + bytesMax; at++) {
    const byte = bytes[at] ?? 0;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return { value, end: at + 1 };
    scale *= 128;
  }
  return undefined;
}

/** The bytes of a varint holding `value`; a negative one (an int64) takes ten. */
export function signedVarintBytes(value: number): number {
  return value < 0 ? 10 : varintBytes(value);
}

/**
 * Writes `value` as a varint at `start`; returns its end. A negative value is an int64 written
 * as protobuf does: its two's complement, ten bytes.
 */
export function writeSignedVarint(out: Uint8Array, start: number, value: number): number {
  if (value >= 0) return writeVarint(out, start, value);
  assert(Number.isSafeInteger(value), `${value} is not a safe integer`);
  let rest = BigInt.asUintN(64, BigInt(value));
  for (let at = start; at < start + 10; at++) {
    out[at] = Number(rest & 0x7fn) | (at < start + 9 ? 0x80 : 0);
    rest >>= 7n;
  }
  return start + 10;
}

/**
 * An int64 within 2^53 - 1 either way: up to 8 bytes for a positive one, the ten of a negative
 * one; undefined for anything else (longer, cut off, or out of that range).
 */
export function readInt64(
  bytes: Uint8Array,
  start: number,
): { value: number; end: number } | undefined {
  const short = readVarint(bytes, start, 8);
  if (short !== undefined) return short.value <= Number.MAX_SAFE_INTEGER ? short : undefined;
  const isTenBytes = (bytes[start + 8] ?? 0) >= 0x80 && bytes[start + 9] === 0x01;
  if (start + 10 > bytes.byteLength || !isTenBytes) return undefined;
  let bits = 0n;
  for (let at = start + 9; at >= start; at--) bits = (bits << 7n) | BigInt((bytes[at] ?? 0) & 0x7f);
  const value = Number(BigInt.asIntN(64, bits));
  return value < 0 && value >= Number.MIN_SAFE_INTEGER ? { value, end: start + 10 } : undefined;
}
