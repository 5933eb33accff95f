// The messages a joining node exchanges first (RaftService.Discover and AddNode), coded by
// hand from their fields (field-table-codec.ts), so that a join needs no protobufjs. The
// tables follow proto/raftoral.proto; the codec tests check them against it, value by value.

import { fieldTableCodec } from "./field-table-codec.ts";
import { protoCodec } from "./message-codec.ts";
import type {
  AddNodeRequest,
  AddNodeResponse,
  DiscoveryRequest,
  DiscoveryResponse,
} from "./raftoral-messages.ts";

export const discoveryRequestCodec = fieldTableCodec(
  protoCodec<DiscoveryRequest>("raftoral.DiscoveryRequest"),
  [],
);

export const discoveryResponseCodec = fieldTableCodec(
  protoCodec<DiscoveryResponse>("raftoral.DiscoveryResponse"),
  [
    { number: 1, name: "nodeId", kind: "uint64" },
    { number: 2, name: "highestKnownNodeId", kind: "uint64" },
    { number: 3, name: "address", kind: "string" },
    { number: 4, name: "managementLeaderNodeId", kind: "uint64" },
    { number: 5, name: "managementLeaderAddress", kind: "string" },
    { number: 6, name: "shouldJoinAsVoter", kind: "bool" },
    { number: 7, name: "currentVoterCount", kind: "uint64" },
    { number: 8, name: "maxVoters", kind: "uint64" },
    { number: 9, name: "faultTolerance", kind: "uint64" },
    { number: 10, name: "founding", kind: "string" },
    { number: 11, name: "instanceId", kind: "string" },
  ],
);

export const addNodeRequestCodec = fieldTableCodec(
  protoCodec<AddNodeRequest>("raftoral.AddNodeRequest"),
  [
    { number: 1, name: "nodeId", kind: "uint64" },
    { number: 2, name: "address", kind: "string" },
    { number: 3, name: "workflowFingerprint", kind: "string" },
    { number: 4, name: "instanceId", kind: "string" },
    { number: 5, name: "rulesVersion", kind: "uint32" },
    { number: 6, name: "securityProfile", kind: "string" },
  ],
);

export const addNodeResponseCodec = fieldTableCodec(
  protoCodec<AddNodeResponse>("raftoral.AddNodeResponse"),
  [
    { number: 1, name: "success", kind: "bool" },
    { number: 2, name: "error", kind: "string" },
    { number: 3, name: "nodeId", kind: "uint64" },
  ],
);
