// Codecs for messages whose fields are all scalars (uint32, uint64 up to 2^53 - 1, string,
// bool), encoded and decoded by hand from a table of their fields. A joining gRPC node's first
// calls (Discover, AddNode) and a client's workflow calls take them: with the general codec,
// the first such call of a process loaded protobufjs and parsed the .proto files, about 25 ms
// of a join or of a CLI command (docs/performance.md, "Start-up"). As for the peer batches'
// codecs, a message off the plain path (an unknown or repeated field, a number past the
// field's range, bad UTF-8, an odd boolean) goes to the general codec, which decodes it or
// names what is wrong; encoding refuses the numbers the general codec refuses, in its words.

import { assert, InvalidArgumentError } from "../../lib/index.ts";
import type { MessageCodec } from "./message-codec.ts";
import { readBytesField, readVarint, varintBytes, writeVarint } from "./protobuf-wire.ts";

export interface ScalarField<T> {
  /** 1 to 15: the tag takes one byte. */
  readonly number: number;
  readonly name: keyof T & string;
  readonly kind: "uint32" | "uint64" | "string" | "bool";
}

/** A codec and the table it codes by (which the tests hold against the .proto). */
export interface ScalarMessageCodec<T> extends MessageCodec<T> {
  readonly fields: readonly ScalarField<T>[];
}

const VARINT = 0;
const LENGTH_DELIMITED = 2;
/** The largest value of each integer kind, and the bytes of a varint that holds it. */
const INTEGER_LIMITS = {
  uint32: { max: 0xffff_ffff, varintBytesMax: 5 },
  // 8 bytes hold up to 2^56 - 1; the decoder takes only values up to 2^53 - 1.
  uint64: { max: Number.MAX_SAFE_INTEGER, varintBytesMax: 8 },
  bool: { max: 1, varintBytesMax: 1 },
} as const;
const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** `fields` in the order of their numbers; `general` decodes whatever the table does not. */
export function scalarMessageCodec<T>(
  general: MessageCodec<T>,
  fields: readonly ScalarField<T>[],
): ScalarMessageCodec<T> {
  fields.forEach((field, k) => {
    assert(field.number >= 1 && field.number <= 15, `${field.name}: field number past 15`);
    assert(k === 0 || (fields[k - 1]?.number ?? 0) < field.number, "fields out of order");
  });
  const byTag = new Map(fields.map((field) => [tagOf(field), field]));
  return {
    typeName: general.typeName,
    fields,
    encode: (value) => encodeFields(general.typeName, fields, value),
    decode: (bytes) => decodeFields(fields, byTag, bytes) ?? general.decode(bytes),
  };
}

function tagOf<T>(field: ScalarField<T>): number {
  return (field.number << 3) | (field.kind === "string" ? LENGTH_DELIMITED : VARINT);
}

/** proto3: fields at their defaults are left out, as protobufjs does. */
function encodeFields<T>(
  typeName: string,
  fields: readonly ScalarField<T>[],
  value: T,
): Uint8Array {
  const present: { tag: number; integer: number; text: Uint8Array | undefined }[] = [];
  let size = 0;
  for (const field of fields) {
    const item = (value as Record<string, unknown>)[field.name];
    const tag = tagOf(field);
    if (field.kind === "string") {
      const text = utf8.encode(typeof item === "string" ? item : "");
      if (text.byteLength === 0) continue;
      present.push({ tag, integer: text.byteLength, text });
      size += 1 + varintBytes(text.byteLength) + text.byteLength;
      continue;
    }
    const integer =
      field.kind === "bool"
        ? Number(item === true)
        : checkedInteger(typeName, field.name, field.kind, item);
    if (integer === 0) continue;
    present.push({ tag, integer, text: undefined });
    size += 1 + varintBytes(integer);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const { tag, integer, text } of present) {
    out[at] = tag;
    at = writeVarint(out, at + 1, integer);
    if (text !== undefined) {
      out.set(text, at);
      at += text.byteLength;
    }
  }
  return out;
}

function checkedInteger(
  typeName: string,
  name: string,
  kind: "uint32" | "uint64",
  item: unknown,
): number {
  const integer = item ?? 0;
  if (typeof integer !== "number" || !Number.isInteger(integer)) {
    throw new InvalidArgumentError(
      `${typeName}: field ${name} must be an integer, got ${String(item)}`,
    );
  }
  if (integer < 0 || integer > INTEGER_LIMITS[kind].max) {
    const limit = kind === "uint64" ? " (64-bit values must stay within 2^53 - 1)" : "";
    throw new InvalidArgumentError(
      `${typeName}: field ${name} ${integer} is out of range for ${kind}${limit}`,
    );
  }
  return integer;
}

/** The message, or undefined for anything the table does not take plainly. */
function decodeFields<T>(
  fields: readonly ScalarField<T>[],
  byTag: ReadonlyMap<number, ScalarField<T>>,
  bytes: Uint8Array,
): T | undefined {
  const value: Record<string, unknown> = {};
  for (const field of fields) {
    value[field.name] = field.kind === "string" ? "" : field.kind === "bool" ? false : 0;
  }
  let seen = 0;
  let at = 0;
  while (at < bytes.byteLength) {
    const tag = bytes[at++] ?? 0;
    const field = byTag.get(tag);
    const bit = 1 << (tag >> 3);
    if (field === undefined || (seen & bit) !== 0) return undefined;
    seen |= bit;
    if (field.kind === "string") {
      const read = readBytesField(bytes, at);
      if (read === undefined) return undefined;
      try {
        value[field.name] = strictUtf8.decode(read.value);
      } catch {
        // Handled: the general codec decodes or refuses it, as for any other odd message.
        return undefined;
      }
      at = read.end;
      continue;
    }
    const limits = INTEGER_LIMITS[field.kind];
    const read = readVarint(bytes, at, limits.varintBytesMax);
    if (read === undefined || read.value > limits.max) return undefined;
    value[field.name] = field.kind === "bool" ? read.value === 1 : read.value;
    at = read.end;
  }
  return value as T;
}
