// Encodings of a PeerBatch: msgpack (binary fields stay binary) for both transports' peer
// streams and gRPC's requests, and JSON (binary fields as base64) for HTTP's request per
// batch. Decoding always goes through parsePeerBatch.

import { Encoder } from "@msgpack/msgpack";
import { MsgpackDecoder } from "./msgpack-decode.ts";
import type { PeerBatch } from "./wire.ts";
import { type BytesDecoder, parsePeerBatch, WireFormatError } from "./wire-parse.ts";

export const msgpackBytes: BytesDecoder = (value, path) => {
  if (!(value instanceof Uint8Array)) throw new WireFormatError(path, "must be binary");
  return value;
};

/**
 * One of each for the process: the library's encode() builds an encoder, with a fresh 2 KiB
 * buffer, for every call, and a batch is encoded per peer per turn. encode() on an instance
 * returns a copy of what it wrote, so nothing refers to the shared buffer. The decoder is our
 * own (msgpack-decode.ts), which keeps the short strings every message repeats.
 */
const encoder = new Encoder({ ignoreUndefined: true });
const decoder = new MsgpackDecoder();

export function encodeBatchMsgpack(batch: PeerBatch): Uint8Array {
  return encoder.encode(batch);
}

/** Decodes and validates; throws WireFormatError for anything malformed. */
export function decodeBatchMsgpack(bytes: Uint8Array): PeerBatch {
  let value: unknown;
  try {
    value = decoder.decode(bytes);
  } catch (error) {
    throw new WireFormatError("batch", `is not valid msgpack (${(error as Error).message})`);
  }
  return parsePeerBatch(value, msgpackBytes);
}

const base64Bytes: BytesDecoder = (value, path) => {
  if (typeof value !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) {
    throw new WireFormatError(path, "must be base64 text");
  }
  return new Uint8Array(Buffer.from(value, "base64"));
};

/**
 * The JSON form: every Uint8Array becomes base64 text. The replacer looks at the value as it
 * is in its holder, before toJSON: a Buffer (what a WebSocket or HTTP/2 chunk decodes into)
 * would otherwise reach it already turned into {type: "Buffer", data: [...]}.
 */
export function batchToJson(batch: PeerBatch): string {
  return JSON.stringify(batch, function (this: Record<string, unknown>, key, value: unknown) {
    const original = this[key];
    return original instanceof Uint8Array ? Buffer.from(original).toString("base64") : value;
  });
}

export function batchFromJson(value: unknown): PeerBatch {
  return parsePeerBatch(value, base64Bytes);
}
