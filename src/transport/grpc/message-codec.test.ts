import { describe, expect, test } from "bun:test";
import protobuf from "protobufjs";
import { InvalidArgumentError } from "../../lib/index.ts";
import { type MessageCodec, protoCodec } from "./message-codec.ts";
import { protoMethod } from "./method.ts";
import type { DiscoveryResponse, GenericMessage } from "./raftoral-messages.ts";
import { RaftServiceMethods, WorkflowManagementMethods } from "./raftoral-methods.ts";
import { GrpcStatus, GrpcStatusError } from "./status.ts";

const roundTrip = <T>(codec: MessageCodec<T>, value: T): T => codec.decode(codec.encode(value));

function grpcCodeOf(action: () => unknown): number | undefined {
  try {
    action();
  } catch (error) {
    if (error instanceof GrpcStatusError) return error.grpcCode;
    throw error;
  }
  return undefined;
}

/** Bytes as number arrays, so Buffer and Uint8Array compare equal. */
function plain(value: unknown): unknown {
  if (value instanceof Uint8Array) return [...value];
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, plain(item)]));
}

describe("raftoral message codecs", () => {
  const sendMessage = RaftServiceMethods.sendMessage.requestCodec;

  test.each<GenericMessage>([
    { clusterId: 7, message: "raftMessage", raftMessage: new Uint8Array([1, 2, 3]) },
    {
      clusterId: 1,
      message: "propose",
      propose: { commandJson: new TextEncoder().encode('{"a":1}'), syncId: 2 ** 53 - 1 },
    },
    {
      clusterId: 0,
      message: "confChange",
      confChange: { id: 4, changeBytes: new Uint8Array([9]) },
    },
    { clusterId: 2, message: "campaign", campaign: {} },
    {
      clusterId: 3,
      message: "addNode",
      addNode: { nodeId: 5, address: "10.0.0.5:7001", syncId: 8 },
    },
    { clusterId: 4, message: "removeNode", removeNode: { nodeId: 5, syncId: 9 } },
    { clusterId: 4 },
  ])("GenericMessage round-trips with oneof arm $message", (value) => {
    const decoded = roundTrip(sendMessage, value);
    expect(plain(decoded)).toEqual(plain(value));
  });

  test("every method's request and response type round-trips its defaults and values", () => {
    const discovery: DiscoveryResponse = {
      nodeId: 1,
      highestKnownNodeId: 3,
      address: "127.0.0.1:7001",
      managementLeaderNodeId: 2,
      managementLeaderAddress: "127.0.0.1:7002",
      shouldJoinAsVoter: true,
      currentVoterCount: 3,
      maxVoters: 5,
      faultTolerance: 1,
      founding: "candidate",
      instanceId: "5f3a9c01",
    };
    expect(roundTrip(RaftServiceMethods.discover.responseCodec, discovery)).toEqual(discovery);
    expect(roundTrip(RaftServiceMethods.discover.requestCodec, {})).toEqual({});
    const addNode = {
      nodeId: 9,
      address: "h:1",
      workflowFingerprint: "wf",
      instanceId: "i-9",
      rulesVersion: 1,
      securityProfile: "mtls=1;client=-;admin=-",
    };
    expect(roundTrip(RaftServiceMethods.addNode.requestCodec, addNode)).toEqual(addNode);
    const added = { success: true, error: "", nodeId: 2 ** 40 };
    expect(roundTrip(RaftServiceMethods.addNode.responseCodec, added)).toEqual(added);
    const result = { success: false, error: "no" };
    expect(roundTrip(RaftServiceMethods.sendMessage.responseCodec, result)).toEqual(result);
    const run = {
      workflowType: "ping_pong",
      version: 1,
      inputJson: '"ping"',
      executionClusterId: "2",
      workflowId: "order-1",
    };
    expect(roundTrip(WorkflowManagementMethods.runWorkflowSync.requestCodec, run)).toEqual(run);
    const asyncResult = {
      success: true,
      workflowId: "w",
      executionClusterId: "3",
      error: "",
      alreadyStarted: true,
    };
    expect(
      roundTrip(WorkflowManagementMethods.runWorkflowAsync.responseCodec, asyncResult),
    ).toEqual(asyncResult);
    const sync = {
      success: true,
      resultJson: '"pong"',
      error: "",
      errorCode: "",
      errorName: "",
    };
    expect(roundTrip(WorkflowManagementMethods.runWorkflowSync.responseCodec, sync)).toEqual(sync);
    const stop = { workflowId: "w", executionClusterId: "3", reason: "stuck" };
    const stopped = { success: true, workflowId: "w", executionClusterId: "3" };
    for (const method of ["cancelWorkflow", "terminateWorkflow"] as const) {
      const { requestCodec, responseCodec } = WorkflowManagementMethods[method];
      expect(roundTrip(requestCodec, stop)).toEqual(stop);
      const answer = { ...stopped, status: method, duplicate: true };
      expect(roundTrip(responseCodec, answer)).toEqual(answer);
    }
    const wait = { workflowId: "w", executionClusterId: "3", timeoutSeconds: 30 };
    expect(
      roundTrip(WorkflowManagementMethods.waitForWorkflowCompletion.requestCodec, wait),
    ).toEqual(wait);
  });

  test("empty bytes decode to every field's default", () => {
    expect(RaftServiceMethods.discover.responseCodec.decode(new Uint8Array())).toEqual({
      nodeId: 0,
      highestKnownNodeId: 0,
      address: "",
      managementLeaderNodeId: 0,
      managementLeaderAddress: "",
      shouldJoinAsVoter: false,
      currentVoterCount: 0,
      maxVoters: 0,
      faultTolerance: 0,
      founding: "",
      instanceId: "",
    });
  });

  test("a uint64 past 2^53 - 1 is refused with INVALID_ARGUMENT, not rounded", () => {
    const codec = RaftServiceMethods.discover.responseCodec;
    // DiscoveryResponse.node_id is field 1, varint: tag 0x08.
    const encode = (nodeId: number | string): Uint8Array =>
      protobuf.Writer.create().uint32(0x08).uint64(nodeId).finish();
    expect(codec.decode(encode(Number.MAX_SAFE_INTEGER)).nodeId).toBe(Number.MAX_SAFE_INTEGER);
    expect(grpcCodeOf(() => codec.decode(encode("9007199254740992")))).toBe(
      GrpcStatus.INVALID_ARGUMENT,
    );
    expect(grpcCodeOf(() => codec.decode(encode("18446744073709551615")))).toBe(
      GrpcStatus.INVALID_ARGUMENT,
    );
    // Named as the .proto names it, and never as the rounded number protobufjs read.
    expect(() => codec.decode(encode("18446744073709551615"))).toThrow(
      "raftoral.DiscoveryResponse: field node_id a value past 2^53 - 1 is out of range for uint64",
    );
  });

  test("a nested uint64 is checked too", () => {
    // GenericMessage.propose (field 1, length-delimited) holding sync_id (field 2) = 2^53 + 1.
    const writer = protobuf.Writer.create().uint32(0x0a).fork();
    const bytes = writer.uint32(0x10).uint64("9007199254740993").ldelim().finish();
    expect(grpcCodeOf(() => sendMessage.decode(bytes))).toBe(GrpcStatus.INVALID_ARGUMENT);
  });

  test("malformed bytes are INVALID_ARGUMENT", () => {
    for (const garbage of [[0xff, 0xff, 0xff], [0x0a, 0x05, 0x01], [0x3a]]) {
      expect(grpcCodeOf(() => sendMessage.decode(new Uint8Array(garbage)))).toBe(
        GrpcStatus.INVALID_ARGUMENT,
      );
    }
  });

  test("encoding refuses numbers the field cannot carry", () => {
    const discover = RaftServiceMethods.discover.responseCodec;
    const base = discover.decode(new Uint8Array());
    for (const nodeId of [2 ** 53, -1, 1.5, Number.NaN]) {
      expect(() => discover.encode({ ...base, nodeId })).toThrow(InvalidArgumentError);
    }
    const run = WorkflowManagementMethods.runWorkflowSync.requestCodec;
    expect(() => run.encode({ workflowType: "w", version: 2 ** 32, inputJson: "" })).toThrow(
      InvalidArgumentError,
    );
  });
});

describe("codecs are built at first use (start-up does not pay for them)", () => {
  test("a codec of a type the .proto files lack fails at its first use, naming the type", () => {
    const codec = protoCodec<Record<string, never>>("raftoral.NoSuchMessage");
    expect(codec.typeName).toBe("raftoral.NoSuchMessage");
    expect(() => codec.encode({})).toThrow("raftoral.NoSuchMessage");
  });

  test("a method the .proto files lack fails when its codecs are first read", () => {
    const method = protoMethod("raftoral.RaftService", "NoSuchMethod");
    expect(method.path).toBe("/raftoral.RaftService/NoSuchMethod");
    expect(() => method.requestCodec).toThrow("has no method NoSuchMethod");
  });
});
