// genericMessageOfBatch / batchOfGenericMessage: the batch inside raft_message, and cluster_id.

import { describe, expect, test } from "bun:test";
import { numberedBatch } from "../../../test/contracts/transport-fixtures.ts";
import { groupId, InvalidArgumentError } from "../../lib/index.ts";
import { batchOfGenericMessage, genericMessageOfBatch } from "./peer-batch-message.ts";
import { RaftServiceMethods } from "./raftoral-methods.ts";

describe("PeerBatch in GenericMessage", () => {
  const codec = RaftServiceMethods.sendMessage.requestCodec;

  test("travels as msgpack in raft_message and survives the protobuf codec", () => {
    const batch = numberedBatch(2, 7);
    const decoded = codec.decode(codec.encode(genericMessageOfBatch(batch)));
    expect(decoded.message).toBe("raftMessage");
    expect(batchOfGenericMessage(decoded)).toEqual(batch);
  });

  test("cluster_id is the group of the first message", () => {
    const batch = numberedBatch(2, 7);
    const second = { type: "unknownGroup" as const, groupId: groupId(9) };
    const first = { type: "unknownGroup" as const, groupId: groupId(4) };
    expect(genericMessageOfBatch({ ...batch, messages: [first, second] }).clusterId).toBe(4);
    expect(genericMessageOfBatch(batch).clusterId).toBe(1);
  });

  test("cluster_id is 0 for an empty batch and for a group id past uint32", () => {
    const batch = numberedBatch(2, 7);
    expect(genericMessageOfBatch({ ...batch, messages: [] }).clusterId).toBe(0);
    const huge = { type: "unknownGroup" as const, groupId: groupId(2 ** 40) };
    expect(genericMessageOfBatch({ ...batch, messages: [huge] }).clusterId).toBe(0);
  });

  test("another oneof arm, or none, is refused with InvalidArgumentError", () => {
    expect(() =>
      batchOfGenericMessage({ clusterId: 1, message: "campaign", campaign: {} }),
    ).toThrow(InvalidArgumentError);
    expect(() =>
      batchOfGenericMessage({ clusterId: 1, message: "confChange", confChange: {} } as never),
    ).toThrow("got the 'conf_change' field of its oneof");
    expect(() => batchOfGenericMessage({ clusterId: 1 })).toThrow("no payload");
  });
});
