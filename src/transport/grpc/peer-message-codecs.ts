// The messages of the peer-batch methods (SendMessage, StreamMessages), encoded and decoded
// by hand. GenericMessage as every batch travels: cluster_id (field 7, varint) and
// raft_message (field 2, bytes) and nothing else; MessageResponse: success (field 1, bool)
// and error (field 2, string). The general protobuf codec builds and checks an object tree per
// message, which on this path, a message per batch, cost more than the batch's own msgpack;
// and it needs protobufjs and the .proto types, which a node that starts again would load
// before its first batch could leave. Anything else (another arm, unknown or repeated fields,
// bad bytes) goes to the general codec, which decodes it or names what is wrong as before.

import type { MessageCodec } from "./message-codec.ts";
import {
  bytesFieldSize,
  readBytesField,
  readVarint,
  varintBytes,
  writeBytesField,
  writeVarint,
} from "./protobuf-wire.ts";
import type { GenericMessage, MessageResponse } from "./raftoral-messages.ts";

const RAFT_MESSAGE_TAG = (2 << 3) | 2;
const CLUSTER_ID_TAG = (7 << 3) | 0;
const SUCCESS_TAG = (1 << 3) | 0;
const ERROR_TAG = (2 << 3) | 2;
const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

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

/** `general` for every MessageResponse off the fast path (it is built only then). */
export function messageResponseCodec(
  general: MessageCodec<MessageResponse>,
): MessageCodec<MessageResponse> {
  return {
    typeName: general.typeName,
    encode(value) {
      // proto3 leaves out fields at their defaults, as protobufjs does.
      const error = utf8.encode(value.error);
      const out = new Uint8Array(
        (value.success ? 2 : 0) + (error.byteLength === 0 ? 0 : bytesFieldSize(error.byteLength)),
      );
      let at = 0;
      if (value.success) {
        out[at++] = SUCCESS_TAG;
        out[at++] = 1;
      }
      if (error.byteLength > 0) writeBytesField(out, at, ERROR_TAG, error);
      return out;
    },
    decode(bytes) {
      return decodeMessageResponse(bytes) ?? general.decode(bytes);
    },
  };
}

function decodeMessageResponse(bytes: Uint8Array): MessageResponse | undefined {
  let at = 0;
  let success: boolean | undefined;
  let error: string | undefined;
  while (at < bytes.byteLength) {
    const tag = bytes[at++];
    if (tag === SUCCESS_TAG && success === undefined && at < bytes.byteLength) {
      const value = bytes[at++];
      if (value !== 0 && value !== 1) return undefined;
      success = value === 1;
    } else if (tag === ERROR_TAG && error === undefined) {
      const field = readBytesField(bytes, at);
      if (field === undefined) return undefined;
      try {
        error = strictUtf8.decode(field.value);
      } catch {
        // Handled: the general codec decodes or refuses it, as for any other odd message.
        return undefined;
      }
      at = field.end;
    } else {
      return undefined;
    }
  }
  return { success: success ?? false, error: error ?? "" };
}

function encodeRaftMessage(clusterId: number, payload: Uint8Array): Uint8Array {
  const clusterBytes = clusterId === 0 ? 0 : 1 + varintBytes(clusterId);
  const out = new Uint8Array(bytesFieldSize(payload.byteLength) + clusterBytes);
  const at = writeBytesField(out, 0, RAFT_MESSAGE_TAG, payload);
  if (clusterId !== 0) {
    out[at] = CLUSTER_ID_TAG;
    writeVarint(out, at + 1, clusterId);
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
      const field = readBytesField(bytes, at);
      if (field === undefined) return undefined;
      payload = field.value;
      at = field.end;
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
