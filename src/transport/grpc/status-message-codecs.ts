// The messages of the operator's cluster calls whose answers nest (GetClusterStatus,
// RecoverGroups), coded by hand from their fields (field-table-codec.ts): `cluster status`
// and `cluster recover` need no protobufjs. The tables follow proto/raftoral.proto; the
// codec tests hold each against it, field by field.

import { fieldTableCodec } from "./field-table-codec.ts";
import { protoCodec } from "./message-codec.ts";
import type {
  ClusterNodeStatusMessage,
  ClusterStatusRequest,
  ClusterStatusResponse,
  ExecutionClusterStatusMessage,
  RecoveredGroupMessage,
  RecoverGroupsRequest,
  RecoverGroupsResponse,
} from "./raftoral-messages.ts";

export const clusterStatusRequestCodec = fieldTableCodec(
  protoCodec<ClusterStatusRequest>("raftoral.ClusterStatusRequest"),
  [],
);

export const clusterNodeStatusCodec = fieldTableCodec(
  protoCodec<ClusterNodeStatusMessage>("raftoral.ClusterNodeStatus"),
  [
    { number: 1, name: "nodeId", kind: "uint64" },
    { number: 2, name: "address", kind: "string" },
    { number: 3, name: "managementRole", kind: "string" },
    { number: 4, name: "isManagementLeader", kind: "bool" },
  ],
);

export const executionClusterStatusCodec = fieldTableCodec(
  protoCodec<ExecutionClusterStatusMessage>("raftoral.ExecutionClusterStatus"),
  [
    { number: 1, name: "executionClusterId", kind: "string" },
    { number: 2, name: "members", kind: "uint64", repeated: true },
    { number: 3, name: "voters", kind: "uint64", repeated: true },
    { number: 4, name: "learners", kind: "uint64", repeated: true },
    { number: 5, name: "draining", kind: "bool" },
    { number: 6, name: "runningWorkflows", kind: "uint64" },
    { number: 7, name: "leaderNodeId", kind: "uint64" },
    { number: 8, name: "configIndex", kind: "uint64" },
    { number: 9, name: "faultTolerance", kind: "uint64" },
    { number: 10, name: "leaderlessMs", kind: "int64" },
  ],
);

export const clusterStatusResponseCodec = fieldTableCodec(
  protoCodec<ClusterStatusResponse>("raftoral.ClusterStatusResponse"),
  [
    { number: 1, name: "clusterId", kind: "string" },
    { number: 2, name: "transport", kind: "string" },
    { number: 3, name: "nodeId", kind: "uint64" },
    { number: 4, name: "managementLeaderNodeId", kind: "uint64" },
    { number: 5, name: "nodes", kind: "message", message: clusterNodeStatusCodec, repeated: true },
    {
      number: 6,
      name: "executionClusters",
      kind: "message",
      message: executionClusterStatusCodec,
      repeated: true,
    },
    { number: 7, name: "managementFaultTolerance", kind: "uint64" },
    { number: 8, name: "faultTolerance", kind: "uint64" },
    { number: 9, name: "lostNodeIds", kind: "uint64", repeated: true },
    { number: 10, name: "managementVoterIds", kind: "uint64", repeated: true },
  ],
);

export const recoverGroupsRequestCodec = fieldTableCodec(
  protoCodec<RecoverGroupsRequest>("raftoral.RecoverGroupsRequest"),
  [
    { number: 1, name: "clusterIds", kind: "uint32", repeated: true },
    { number: 2, name: "dryRun", kind: "bool" },
  ],
);

export const recoveredGroupCodec = fieldTableCodec(
  protoCodec<RecoveredGroupMessage>("raftoral.RecoveredGroup"),
  [
    { number: 1, name: "clusterId", kind: "uint32" },
    { number: 2, name: "leaderlessMs", kind: "uint64" },
    { number: 3, name: "lastIndex", kind: "uint64" },
    { number: 4, name: "commitIndex", kind: "uint64" },
    { number: 5, name: "droppedVoters", kind: "uint64", repeated: true },
    { number: 6, name: "recovered", kind: "bool" },
  ],
);

export const recoverGroupsResponseCodec = fieldTableCodec(
  protoCodec<RecoverGroupsResponse>("raftoral.RecoverGroupsResponse"),
  [{ number: 1, name: "groups", kind: "message", message: recoveredGroupCodec, repeated: true }],
);
