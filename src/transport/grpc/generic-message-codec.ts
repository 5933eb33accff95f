// GenericMessage as every peer batch travels (SendMessage, StreamMessages), encoded and
// decoded by hand: cluster_id (field 7, varint) and raft_message (field 2, bytes) and nothing
// else. The general protobuf codec builds and checks an object tree per message, which on this
// path, a message per batch, cost more than the batch's own msgpack. Anything else (another
// arm, unknown or repeated fields, bad bytes) goes to the general codec, which decodes it or
// names what is wrong exactly as before.

import type { MessageCodec } from "./message-codec.ts";
import type { GenericMessage } from "./raftoral-messages.ts";

const RAFT_MESSAGE_TAG = (2 << 3) | 2;
const CLUSTER_ID_TAG = (7 << 3) | 0;

/** `general` for every message off the fast path. */
export function genericMessageCodec(
  general: MessageCodec<GenericMessage>,
): MessageCodec<GenericMessage> {
  return {
    typeName: general.typeName,
    encode(value) {
      if (value.message !== "raftMessage") return general.encode(value);
      return encodeRaftMessage(value.clusterId, value.raftMessage);
    },
    decode(bytes) {
      return decodeRaftMessage(bytes) ?? general.decode(bytes);
    },
  };
}

function encodeRaftMessage(clusterId: number, payload: Uint8Array): Uint8Array {
  const clusterBytes = clusterId === 0 ? 0 : 1 + varintBytes(clusterId);
  const size = 1 + varintBytes(payload.byteLength) + payload.byteLength + clusterBytes;
  const out = new Uint8Array(size);
  let at = 0;
  out[at++] = RAFT_MESSAGE_TAG;
  at = writeVarint(out, at, payload.byteLength);
  out.set(payload, at);
  at += payload.byteLength;
  if (clusterId !== 0) {
    out[at++] = CLUSTER_ID_TAG;
    writeVarint(out, at, clusterId);
  }
  return out;
}

/** The raft_message arm, or undefined for anything the fast path does not take. */
function decodeRaftMessage(bytes: Uint8Array): GenericMessage | undefined {
  let at = 0;
  let clusterId: number | undefined;
  let payload: Uint8Array | undefined;
  while (at < bytes.byteLength) {
    const tag = bytes[at++];
    if (tag === RAFT_MESSAGE_TAG && payload === undefined) {
      const length = readVarint(bytes, at);
      if (length === undefined || length.end + length.value > bytes.byteLength) return undefined;
      payload = bytes.subarray(length.end, length.end + length.value);
      at = length.end + length.value;
    } else if (tag === CLUSTER_ID_TAG && clusterId === undefined) {
      const value = readVarint(bytes, at);
      if (value === undefined || value.value > 0xffff_ffff) return undefined;
      clusterId = value.value;
      at = value.end;
    } else {
      return undefined;
    }
  }
  if (payload === undefined) return undefined;
  return { clusterId: clusterId ?? 0, message: "raftMessage", raftMessage: payload };
}

function varintBytes(value: number): number {
  let bytes = 1;
  for (let rest = value; rest >= 0x80; rest = Math.floor(rest / 128)) bytes++;
  return bytes;
}

function writeVarint(out: Uint8Array, start: number, value: number): number {
  let at = start;
  let rest = value;
  while (rest >= 0x80) {
    out[at++] = (rest % 128) | 0x80;
    rest = Math.floor(rest / 128);
  }
  out[at++] = rest;
  return at;
}

/** A varint of at most 5 bytes (lengths and uint32s), or undefined when malformed. */
function readVarint(bytes: Uint8Array, start: number): { value: number; end: number } | undefined {
  let value = 0;
  let scale = 1;
  for (let at = start; at < bytes.byteLength && at < start + 5; at++) {
    const byte = bytes[at] ?? 0;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return { value, end: at + 1 };
    scale *= 128;
  }
  return undefined;
}
