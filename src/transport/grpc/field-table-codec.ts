// Codecs for messages coded by hand from a table of their fields: scalars (uint32, uint64 and
// int64 within 2^53 - 1, enums, strings, bools), repeated scalars (packed, as proto3 writes
// them; either form read) and repeated messages, each coded by its own table. Every message of
// a node's services but the peer batches' takes one: with the general codec, the first such
// call of a process loaded protobufjs and parsed the .proto files, about 25 ms of a join or of
// a CLI command (docs/performance.md, "Start-up"). As for the peer batches' codecs, a message
// off the plain path (an unknown field, a singular field twice, a number past the field's
// range, bad UTF-8, an odd boolean) goes to the general codec, which decodes it or names what
// is wrong; encoding refuses the numbers the general codec refuses, in its words.

import { assert, InvalidArgumentError } from "../../lib/index.ts";
import { shownInteger } from "./field-wording.ts";
import type { MessageCodec } from "./message-codec.ts";
import {
  readBytesField,
  readInt64,
  readVarint,
  signedVarintBytes,
  varintBytes,
  writeSignedVarint,
  writeVarint,
} from "./protobuf-wire.ts";

export type ScalarKind = "uint32" | "uint64" | "int64" | "enum" | "string" | "bool";

/** One field of a table. A message field is repeated: none of our messages has a singular one. */
export type TableField<T> = {
  /** 1 to 31: a tag takes at most two bytes, and a bit of a number marks a field as seen. */
  readonly number: number;
  readonly name: keyof T & string;
} & (
  | { readonly kind: ScalarKind; readonly repeated?: true }
  // biome-ignore lint/suspicious/noExplicitAny: a nested table codes its own message type.
  | { readonly kind: "message"; readonly message: FieldTableCodec<any>; readonly repeated: true }
);

/** A codec and the table it codes by (which the tests hold against the .proto). */
export interface FieldTableCodec<T> extends MessageCodec<T> {
  readonly fields: readonly TableField<T>[];
  /** The message as the table reads it, or undefined for what it leaves to the general codec. */
  readonly decodePlain: (bytes: Uint8Array) => T | undefined;
}

const VARINT = 0;
const LENGTH_DELIMITED = 2;
/** The largest value of each unsigned kind, and the bytes of a varint that holds it. */
const UNSIGNED_LIMITS = {
  uint32: { max: 0xffff_ffff, varintBytesMax: 5 },
  // 8 bytes hold up to 2^56 - 1; the decoder takes only values up to 2^53 - 1.
  uint64: { max: Number.MAX_SAFE_INTEGER, varintBytesMax: 8 },
  // An enum value is an int32; ours are never negative, so a negative one is left to protobufjs.
  enum: { max: 0x7fff_ffff, varintBytesMax: 5 },
  bool: { max: 1, varintBytesMax: 1 },
} as const;
const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

interface TagEntry<T> {
  readonly field: TableField<T>;
  /** A repeated number written packed, all in one length-delimited field. */
  readonly isPacked: boolean;
}

/** `fields` in the order of their numbers; `general` decodes whatever the table does not. */
export function fieldTableCodec<T>(
  general: MessageCodec<T>,
  fields: readonly TableField<T>[],
): FieldTableCodec<T> {
  fields.forEach((field, k) => {
    assert(field.number >= 1 && field.number <= 31, `${field.name}: field number past 31`);
    assert(k === 0 || (fields[k - 1]?.number ?? 0) < field.number, "fields out of order");
  });
  const byTag = new Map<number, TagEntry<T>>();
  for (const field of fields) {
    const isLengthDelimited = field.kind === "string" || field.kind === "message";
    byTag.set((field.number << 3) | (isLengthDelimited ? LENGTH_DELIMITED : VARINT), {
      field,
      isPacked: false,
    });
    if (field.repeated === true && !isLengthDelimited) {
      byTag.set((field.number << 3) | LENGTH_DELIMITED, { field, isPacked: true });
    }
  }
  const decodePlain = (bytes: Uint8Array) => decodeFields(fields, byTag, bytes);
  return {
    typeName: general.typeName,
    fields,
    decodePlain,
    encode: (value) => encodeFields(general.typeName, fields, value),
    decode: (bytes) => decodePlain(bytes) ?? general.decode(bytes),
  };
}

/** A field as it goes on the wire: its tag, then a varint, or a length and its bytes. */
interface Part {
  readonly tag: number;
  /** A varint's value (negative for an int64 below zero), or the length of `bytes`. */
  readonly integer: number;
  readonly bytes: Uint8Array | undefined;
}

/** proto3, as protobufjs writes it: fields at their defaults and empty lists are left out. */
function encodeFields<T>(typeName: string, fields: readonly TableField<T>[], value: T): Uint8Array {
  const parts: Part[] = [];
  for (const field of fields) {
    const item = (value as Record<string, unknown>)[field.name];
    if (field.repeated === true) encodeRepeated(typeName, field, item, parts);
    else encodeSingular(typeName, field, item, parts);
  }
  let size = 0;
  for (const part of parts) {
    size += varintBytes(part.tag) + signedVarintBytes(part.integer) + (part.bytes?.byteLength ?? 0);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const part of parts) {
    at = writeVarint(out, at, part.tag);
    at = writeSignedVarint(out, at, part.integer);
    if (part.bytes !== undefined) {
      out.set(part.bytes, at);
      at += part.bytes.byteLength;
    }
  }
  return out;
}

function encodeSingular<T>(
  typeName: string,
  field: TableField<T>,
  item: unknown,
  parts: Part[],
): void {
  assert(field.kind !== "message", `${field.name}: a message field must be repeated`);
  if (field.kind === "string") {
    const text = utf8.encode(typeof item === "string" ? item : "");
    if (text.byteLength > 0) parts.push(bytesPart(field.number, text));
    return;
  }
  const integer =
    field.kind === "bool"
      ? Number(item === true)
      : checkedInteger(typeName, field.name, field.kind, item);
  if (integer !== 0) parts.push({ tag: field.number << 3, integer, bytes: undefined });
}

function encodeRepeated<T>(
  typeName: string,
  field: TableField<T>,
  item: unknown,
  parts: Part[],
): void {
  const items: readonly unknown[] = Array.isArray(item) ? item : [];
  if (field.kind === "message") {
    for (const element of items) {
      const fields = field.message.fields as readonly TableField<unknown>[];
      parts.push(bytesPart(field.number, encodeFields(typeName, fields, element)));
    }
    return;
  }
  if (field.kind === "string") {
    for (const element of items) {
      parts.push(bytesPart(field.number, utf8.encode(typeof element === "string" ? element : "")));
    }
    return;
  }
  if (items.length === 0) return;
  // Packed: one length-delimited field holding every value's varint.
  const { kind } = field;
  const values = items.map((element) =>
    kind === "bool"
      ? Number(element === true)
      : checkedInteger(typeName, field.name, kind, element),
  );
  const packed = new Uint8Array(values.reduce((sum, value) => sum + signedVarintBytes(value), 0));
  let at = 0;
  for (const value of values) at = writeSignedVarint(packed, at, value);
  parts.push(bytesPart(field.number, packed));
}

function bytesPart(fieldNumber: number, bytes: Uint8Array): Part {
  return { tag: (fieldNumber << 3) | LENGTH_DELIMITED, integer: bytes.byteLength, bytes };
}

type IntegerKind = "uint32" | "uint64" | "int64" | "enum";

/** The ranges protobufjs's codec (message-codec.ts) allows, refused in its words. */
function checkedInteger(typeName: string, name: string, kind: IntegerKind, item: unknown): number {
  const integer = item ?? 0;
  if (typeof integer !== "number" || !Number.isInteger(integer)) {
    throw new InvalidArgumentError(
      `${typeName}: field ${name} must be an integer, got ${String(item)}`,
    );
  }
  const [min, max] =
    kind === "int64"
      ? [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER]
      : [0, UNSIGNED_LIMITS[kind].max];
  if (integer >= min && integer <= max) return integer;
  if (kind === "enum") {
    throw new InvalidArgumentError(
      `${typeName}: field ${name} ${integer} is not a value of its enum`,
    );
  }
  const limit = kind === "uint32" ? "" : " (64-bit values must stay within 2^53 - 1)";
  throw new InvalidArgumentError(
    `${typeName}: field ${name} ${shownInteger(integer)} is out of range for ${kind}${limit}`,
  );
}

/** The message, or undefined for anything the table does not take plainly. */
function decodeFields<T>(
  fields: readonly TableField<T>[],
  byTag: ReadonlyMap<number, TagEntry<T>>,
  bytes: Uint8Array,
): T | undefined {
  const value: Record<string, unknown> = {};
  for (const field of fields) value[field.name] = defaultOf(field);
  let seen = 0;
  let at = 0;
  while (at < bytes.byteLength) {
    const tag = readVarint(bytes, at, 2);
    const entry = tag === undefined ? undefined : byTag.get(tag.value);
    if (tag === undefined || entry === undefined) return undefined;
    const { field } = entry;
    const bit = 1 << field.number;
    if (field.repeated !== true && (seen & bit) !== 0) return undefined;
    seen |= bit;
    const end = entry.isPacked
      ? readPacked(field, bytes, tag.end, value[field.name] as unknown[])
      : readOne(field, bytes, tag.end, value);
    if (end === undefined) return undefined;
    at = end;
  }
  return value as T;
}

function defaultOf<T>(field: TableField<T>): unknown {
  if (field.repeated === true) return [];
  return field.kind === "string" ? "" : field.kind === "bool" ? false : 0;
}

/** Reads one occurrence of `field` into `value`; returns its end, or undefined. */
function readOne<T>(
  field: TableField<T>,
  bytes: Uint8Array,
  start: number,
  value: Record<string, unknown>,
): number | undefined {
  if (field.kind === "message") {
    const read = readBytesField(bytes, start);
    const message = read === undefined ? undefined : field.message.decodePlain(read.value);
    if (read === undefined || message === undefined) return undefined;
    (value[field.name] as unknown[]).push(message);
    return read.end;
  }
  const read = readScalar(field.kind, bytes, start);
  if (read === undefined) return undefined;
  if (field.repeated === true) (value[field.name] as unknown[]).push(read.value);
  else value[field.name] = read.value;
  return read.end;
}

function readPacked<T>(
  field: TableField<T>,
  bytes: Uint8Array,
  start: number,
  into: unknown[],
): number | undefined {
  const read = readBytesField(bytes, start);
  if (read === undefined || field.kind === "message" || field.kind === "string") return undefined;
  for (let at = 0; at < read.value.byteLength; ) {
    const element = readScalar(field.kind, read.value, at);
    if (element === undefined) return undefined;
    into.push(element.value);
    at = element.end;
  }
  return read.end;
}

function readScalar(
  kind: ScalarKind,
  bytes: Uint8Array,
  start: number,
): { value: unknown; end: number } | undefined {
  if (kind === "string") {
    const read = readBytesField(bytes, start);
    if (read === undefined) return undefined;
    try {
      return { value: strictUtf8.decode(read.value), end: read.end };
    } catch {
      // Handled: the general codec decodes or refuses it, as for any other odd message.
      return undefined;
    }
  }
  if (kind === "int64") return readInt64(bytes, start);
  const limits = UNSIGNED_LIMITS[kind];
  const read = readVarint(bytes, start, limits.varintBytesMax);
  if (read === undefined || read.value > limits.max) return undefined;
  return kind === "bool" ? { value: read.value === 1, end: read.end } : read;
}
