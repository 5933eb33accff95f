import { describe, expect, test } from "bun:test";
import {
  addNodeRequestCodec,
  addNodeResponseCodec,
  discoveryRequestCodec,
  discoveryResponseCodec,
} from "./join-message-codecs.ts";
import { type MessageCodec, protoCodec } from "./message-codec.ts";
import type { AddNodeRequest, DiscoveryResponse } from "./raftoral-messages.ts";

/** What `run` returns, or the type and message of what it throws. */
function outcome(run: () => unknown): unknown {
  try {
    return run();
  } catch (error) {
    return `${(error as Error).name}: ${(error as Error).message}`;
  }
}

/** The hand-written codec and the .proto's, for the same type. */
function pair<T>(fast: MessageCodec<T>): [MessageCodec<T>, MessageCodec<T>] {
  return [fast, protoCodec<T>(fast.typeName)];
}

const discoveries: DiscoveryResponse[] = [
  // Every field at its default: what protobuf makes of no bytes.
  protoCodec<DiscoveryResponse>("raftoral.DiscoveryResponse").decode(new Uint8Array()),
  {
    nodeId: 3,
    highestKnownNodeId: 300,
    address: "127.0.0.1:7003",
    managementLeaderNodeId: 1,
    managementLeaderAddress: "[::1]:7001",
    shouldJoinAsVoter: true,
    currentVoterCount: 3,
    maxVoters: 5,
    faultTolerance: 1,
  },
  {
    nodeId: Number.MAX_SAFE_INTEGER,
    highestKnownNodeId: 2 ** 32,
    address: "nœud-é.example:1",
    managementLeaderNodeId: 127,
    managementLeaderAddress: "x".repeat(300),
    shouldJoinAsVoter: false,
    currentVoterCount: 128,
    maxVoters: 16_384,
    faultTolerance: 2,
  },
];

const registrations: AddNodeRequest[] = [
  { nodeId: 0, address: "127.0.0.1:7002", workflowFingerprint: "", instanceId: "" },
  { nodeId: 9, address: "10.0.1.12:7001", workflowFingerprint: "ab".repeat(32), instanceId: "i-1" },
];

describe("the join's hand-written codecs", () => {
  test.each(discoveries)("DiscoveryResponse %#: the same bytes as protobuf, both ways", (value) => {
    const [fast, general] = pair(discoveryResponseCodec);
    const bytes = fast.encode(value);
    expect(bytes).toEqual(general.encode(value));
    expect(fast.decode(bytes)).toEqual(general.decode(bytes));
    expect(fast.decode(bytes)).toEqual(value);
  });

  test.each(registrations)("AddNodeRequest %#: the same bytes as protobuf, both ways", (value) => {
    const [fast, general] = pair(addNodeRequestCodec);
    const bytes = fast.encode(value);
    expect(bytes).toEqual(general.encode(value));
    expect(fast.decode(bytes)).toEqual(value);
  });

  test("AddNodeResponse and the empty DiscoveryRequest: the same bytes as protobuf", () => {
    const [fast, general] = pair(addNodeResponseCodec);
    for (const value of [
      { success: true, error: "", nodeId: 4 },
      { success: false, error: "node 4 runs other workflows", nodeId: 0 },
    ]) {
      expect(fast.encode(value)).toEqual(general.encode(value));
      expect(fast.decode(general.encode(value))).toEqual(value);
    }
    const [request, generalRequest] = pair(discoveryRequestCodec);
    expect(request.encode({})).toEqual(generalRequest.encode({}));
    expect(request.decode(new Uint8Array())).toEqual(generalRequest.decode(new Uint8Array()));
  });

  test("fields in another order decode the same", () => {
    // max_voters = 5 (tag 0x40), then node_id = 2 (tag 0x08).
    const bytes = Uint8Array.from([0x40, 5, 0x08, 2]);
    const [fast, general] = pair(discoveryResponseCodec);
    expect(fast.decode(bytes)).toEqual(general.decode(bytes));
    expect(fast.decode(bytes)).toMatchObject({ nodeId: 2, maxVoters: 5 });
  });

  test("what the table does not take plainly is the general codec's to decode or refuse", () => {
    const [fast, general] = pair(discoveryResponseCodec);
    const cases = [
      Uint8Array.from([0x78, 1, 0x08, 2]), // unknown field 15 first
      Uint8Array.from([0x08, 2, 0x08, 3]), // node_id twice: protobuf keeps the last
      Uint8Array.from([0x30, 2]), // should_join_as_voter = 2
      Uint8Array.from([0x1a, 2, 0xc3, 0x28]), // address in bad UTF-8
      Uint8Array.from([0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10]), // node_id = 2^53
      Uint8Array.from([0x1a, 10, 0x31]), // address cut off
      Uint8Array.from([0x10]), // highest_known_node_id without its value
    ];
    for (const bytes of cases) {
      expect(outcome(() => fast.decode(bytes))).toEqual(outcome(() => general.decode(bytes)));
    }
  });

  test("numbers the general codec refuses are refused with its words", () => {
    const [fast, general] = pair(addNodeRequestCodec);
    for (const nodeId of [2 ** 53, -1, 1.5, Number.NaN]) {
      const value = { nodeId, address: "a", workflowFingerprint: "", instanceId: "" };
      const refused = outcome(() => fast.encode(value));
      expect(refused).toStartWith("InvalidArgumentError: raftoral.AddNodeRequest: field nodeId");
      expect(refused).toEqual(outcome(() => general.encode(value)));
    }
  });
});
