import { describe, expect, test } from "bun:test";
import { HEALTH_SERVICE, HealthMethods } from "./health.ts";
import { protoCodec } from "./message-codec.ts";
import { type MethodDescriptor, protoMethod } from "./method.ts";
import { genericMessageCodec, messageResponseCodec } from "./peer-message-codecs.ts";
import type { GenericMessage, MessageResponse } from "./raftoral-messages.ts";
import {
  RAFT_SERVICE,
  RaftServiceMethods,
  WORKFLOW_MANAGEMENT_SERVICE,
  WorkflowManagementMethods,
} from "./raftoral-methods.ts";
import { GrpcStatusError } from "./status.ts";

const general = protoCodec<GenericMessage>("raftoral.GenericMessage");
const fast = genericMessageCodec(general);

function payload(length: number): Uint8Array {
  return Uint8Array.from({ length }, (_, k) => (k * 31 + 7) % 256);
}

describe("the hand-written GenericMessage codec of peer batches", () => {
  const cases: [number, number][] = [
    [0, 0],
    [1, 1],
    [300, 127],
    [2 ** 32 - 1, 128],
    [7, 70_000],
  ];

  test.each(cases)(
    "cluster_id %i with %i payload bytes: the same bytes as protobuf, both ways",
    (clusterId, length) => {
      const value: GenericMessage = {
        clusterId,
        message: "raftMessage",
        raftMessage: payload(length),
      };
      const bytes = fast.encode(value);
      expect(bytes).toEqual(general.encode(value));
      expect(fast.decode(bytes)).toEqual(general.decode(bytes));
      expect(fast.decode(bytes)).toEqual(value);
    },
  );

  test("fields in the other order decode the same", () => {
    // cluster_id = 5 (tag 0x38), then raft_message = [1, 2, 3] (tag 0x12).
    const bytes = Uint8Array.from([0x38, 5, 0x12, 3, 1, 2, 3]);
    expect(fast.decode(bytes)).toEqual({
      clusterId: 5,
      message: "raftMessage",
      raftMessage: Uint8Array.from([1, 2, 3]),
    });
  });

  test("other arms, repeated and unknown fields take the general codec", () => {
    const campaign: GenericMessage = { clusterId: 3, message: "campaign", campaign: {} };
    expect(fast.decode(fast.encode(campaign))).toEqual(general.decode(general.encode(campaign)));
    // raft_message twice: protobuf keeps the last.
    const twice = Uint8Array.from([0x12, 1, 9, 0x12, 1, 8]);
    expect(fast.decode(twice)).toEqual(general.decode(twice));
    // An unknown field 15 (varint) before the payload is skipped, as protobuf does.
    const unknown = Uint8Array.from([0x78, 1, 0x12, 1, 4]);
    expect(fast.decode(unknown)).toEqual(general.decode(unknown));
  });

  test("truncated bytes fail as the general codec says", () => {
    const truncated = Uint8Array.from([0x12, 10, 1, 2]);
    const error = (() => {
      try {
        fast.decode(truncated);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(GrpcStatusError);
    expect((error as GrpcStatusError).code).toBe("INVALID_ARGUMENT");
  });
});

describe("the hand-written MessageResponse codec", () => {
  const general = protoCodec<MessageResponse>("raftoral.MessageResponse");
  const fast = messageResponseCodec(general);
  const cases: MessageResponse[] = [
    { success: true, error: "" },
    { success: false, error: "" },
    { success: false, error: "node 3 refused the batch: not a member of the group" },
    { success: true, error: "é ✓ ".repeat(40) },
  ];

  test.each(cases)("%o: the same bytes as protobuf, both ways", (value) => {
    const bytes = fast.encode(value);
    expect(bytes).toEqual(general.encode(value));
    expect(fast.decode(bytes)).toEqual(general.decode(bytes));
    expect(fast.decode(bytes)).toEqual(value);
  });

  test("unknown fields, odd booleans and bad UTF-8 take the general codec", () => {
    for (const bytes of [
      Uint8Array.from([0x18, 1, 0x08, 1]),
      Uint8Array.from([0x08, 2]),
      Uint8Array.from([0x12, 2, 0xc3, 0x28]),
    ]) {
      expect(outcome(() => fast.decode(bytes))).toEqual(outcome(() => general.decode(bytes)));
    }
  });
});

/** What `decode` returns, or the message it throws. */
function outcome(decode: () => unknown): unknown {
  try {
    return decode();
  } catch (error) {
    return (error as Error).message;
  }
}

describe("every method described in code", () => {
  // Our two services and the health service, every method coded by hand.
  const described = [
    ...Object.entries(RaftServiceMethods).map(([key, method]) => [RAFT_SERVICE, key, method]),
    ...Object.entries(WorkflowManagementMethods).map(([key, method]) => [
      WORKFLOW_MANAGEMENT_SERVICE,
      key,
      method,
    ]),
    ...Object.entries(HealthMethods).map(([key, method]) => [HEALTH_SERVICE, key, method]),
  ] as [string, string, MethodDescriptor<unknown, unknown>][];

  test.each(described)("%s %s is described as the .proto says", (service, key, method) => {
    const name = key.charAt(0).toUpperCase() + key.slice(1);
    const proto = protoMethod<unknown, unknown>(service, name);
    expect(method.path).toBe(proto.path);
    expect(method.isRequestStream).toBe(proto.isRequestStream);
    expect(method.isResponseStream).toBe(proto.isResponseStream);
    expect(method.requestCodec.typeName).toBe(proto.requestCodec.typeName);
    expect(method.responseCodec.typeName).toBe(proto.responseCodec.typeName);
  });
});
