// How a PeerBatch travels over gRPC: msgpack bytes in GenericMessage.raft_message, the one arm
// of the original oneof that carries opaque bytes. The other arms still decode (wire
// compatibility) but are refused: this implementation speaks only batches between nodes.

import { InvalidArgumentError } from "../../lib/index.ts";
import { decodeBatchMsgpack, encodeBatchMsgpack, type PeerBatch } from "../index.ts";
import { protoFieldName } from "./field-wording.ts";
import type { GenericMessage } from "./raftoral-messages.ts";

const UINT32_MAX = 2 ** 32 - 1;

/**
 * The request that carries `batch`. cluster_id is the group of the batch's first message (0
 * for an empty batch, or a group id past uint32): a hint for tools that read the original
 * field. Receivers route by the groupId inside each message, never by cluster_id.
 */
export function genericMessageOfBatch(batch: PeerBatch): GenericMessage {
  const first = batch.messages[0]?.groupId ?? 0;
  return {
    clusterId: first <= UINT32_MAX ? first : 0,
    message: "raftMessage",
    raftMessage: encodeBatchMsgpack(batch),
  };
}

/**
 * The batch inside a received GenericMessage, decoded and validated. Throws
 * InvalidArgumentError (a WireFormatError for bad bytes) naming what is wrong.
 */
export function batchOfGenericMessage(request: GenericMessage): PeerBatch {
  if (request.message !== "raftMessage") {
    const arm = request.message === undefined ? undefined : protoFieldName(request.message);
    const got = arm === undefined ? "no payload" : `the '${arm}' field of its oneof`;
    throw new InvalidArgumentError(
      `SendMessage takes a msgpack peer batch in raft_message (field 2); got ${got}`,
    );
  }
  return decodeBatchMsgpack(request.raftMessage);
}
