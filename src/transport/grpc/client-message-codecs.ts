// The messages of every client call whose messages hold only scalars (running, waiting for,
// signalling, cancelling and terminating a workflow; a node's health, leaving, the cluster's
// retention), coded by hand from their fields (field-table-codec.ts): such a CLI command or
// an application's first such call needs no protobufjs, and the nodes answer these calls
// without it too. The tables follow proto/raftoral.proto; the codec tests hold each against
// it, field by field.

import { fieldTableCodec, type TableField } from "./field-table-codec.ts";
import { protoCodec } from "./message-codec.ts";
import type {
  ClusterRetentionRequest,
  ClusterRetentionResponse,
  LeaveClusterRequest,
  LeaveClusterResponse,
  NodeHealthRequest,
  NodeHealthResponse,
  RunWorkflowAsyncResponse,
  RunWorkflowRequest,
  RunWorkflowResponse,
  SignalWorkflowRequest,
  SignalWorkflowResponse,
  StopWorkflowMessage,
  StopWorkflowResponse,
  WaitForWorkflowRequest,
} from "./raftoral-messages.ts";

export const runWorkflowRequestCodec = fieldTableCodec(
  protoCodec<RunWorkflowRequest>("raftoral.RunWorkflowRequest"),
  [
    { number: 1, name: "workflowType", kind: "string" },
    { number: 2, name: "version", kind: "uint32" },
    { number: 3, name: "inputJson", kind: "string" },
    { number: 4, name: "executionClusterId", kind: "string" },
    { number: 5, name: "workflowId", kind: "string" },
  ],
);

export const runWorkflowAsyncResponseCodec = fieldTableCodec(
  protoCodec<RunWorkflowAsyncResponse>("raftoral.RunWorkflowAsyncResponse"),
  [
    { number: 1, name: "success", kind: "bool" },
    { number: 2, name: "workflowId", kind: "string" },
    { number: 3, name: "executionClusterId", kind: "string" },
    { number: 4, name: "error", kind: "string" },
    { number: 5, name: "alreadyStarted", kind: "bool" },
  ],
);

export const runWorkflowResponseCodec = fieldTableCodec(
  protoCodec<RunWorkflowResponse>("raftoral.RunWorkflowResponse"),
  [
    { number: 1, name: "success", kind: "bool" },
    { number: 2, name: "resultJson", kind: "string" },
    { number: 3, name: "error", kind: "string" },
    { number: 4, name: "errorCode", kind: "string" },
    { number: 5, name: "errorName", kind: "string" },
  ],
);

export const waitForWorkflowRequestCodec = fieldTableCodec(
  protoCodec<WaitForWorkflowRequest>("raftoral.WaitForWorkflowRequest"),
  [
    { number: 1, name: "workflowId", kind: "string" },
    { number: 2, name: "executionClusterId", kind: "string" },
    { number: 3, name: "timeoutSeconds", kind: "uint32" },
  ],
);

export const signalWorkflowRequestCodec = fieldTableCodec(
  protoCodec<SignalWorkflowRequest>("raftoral.SignalWorkflowRequest"),
  [
    { number: 1, name: "workflowId", kind: "string" },
    { number: 2, name: "executionClusterId", kind: "string" },
    { number: 3, name: "name", kind: "string" },
    { number: 4, name: "payloadJson", kind: "string" },
    { number: 5, name: "eventId", kind: "string" },
  ],
);

export const signalWorkflowResponseCodec = fieldTableCodec(
  protoCodec<SignalWorkflowResponse>("raftoral.SignalWorkflowResponse"),
  [
    { number: 1, name: "success", kind: "bool" },
    { number: 2, name: "workflowId", kind: "string" },
    { number: 3, name: "executionClusterId", kind: "string" },
    { number: 4, name: "eventId", kind: "string" },
    { number: 5, name: "duplicate", kind: "bool" },
  ],
);

/** CancelWorkflowRequest and TerminateWorkflowRequest: the same fields under two names. */
const STOP_REQUEST_FIELDS: readonly TableField<StopWorkflowMessage>[] = [
  { number: 1, name: "workflowId", kind: "string" },
  { number: 2, name: "executionClusterId", kind: "string" },
  { number: 3, name: "reason", kind: "string" },
];

/** CancelWorkflowResponse and TerminateWorkflowResponse: the same fields under two names. */
const STOP_RESPONSE_FIELDS: readonly TableField<StopWorkflowResponse>[] = [
  { number: 1, name: "success", kind: "bool" },
  { number: 2, name: "workflowId", kind: "string" },
  { number: 3, name: "executionClusterId", kind: "string" },
  { number: 4, name: "status", kind: "string" },
  { number: 5, name: "duplicate", kind: "bool" },
];

export const cancelWorkflowRequestCodec = fieldTableCodec(
  protoCodec<StopWorkflowMessage>("raftoral.CancelWorkflowRequest"),
  STOP_REQUEST_FIELDS,
);
export const cancelWorkflowResponseCodec = fieldTableCodec(
  protoCodec<StopWorkflowResponse>("raftoral.CancelWorkflowResponse"),
  STOP_RESPONSE_FIELDS,
);
export const terminateWorkflowRequestCodec = fieldTableCodec(
  protoCodec<StopWorkflowMessage>("raftoral.TerminateWorkflowRequest"),
  STOP_REQUEST_FIELDS,
);
export const terminateWorkflowResponseCodec = fieldTableCodec(
  protoCodec<StopWorkflowResponse>("raftoral.TerminateWorkflowResponse"),
  STOP_RESPONSE_FIELDS,
);

export const nodeHealthRequestCodec = fieldTableCodec(
  protoCodec<NodeHealthRequest>("raftoral.NodeHealthRequest"),
  [],
);

export const nodeHealthResponseCodec = fieldTableCodec(
  protoCodec<NodeHealthResponse>("raftoral.NodeHealthResponse"),
  [
    { number: 1, name: "status", kind: "string" },
    { number: 2, name: "nodeId", kind: "uint64" },
    { number: 3, name: "isLeader", kind: "bool" },
    { number: 4, name: "reason", kind: "string" },
  ],
);

export const leaveClusterRequestCodec = fieldTableCodec(
  protoCodec<LeaveClusterRequest>("raftoral.LeaveClusterRequest"),
  [],
);

export const leaveClusterResponseCodec = fieldTableCodec(
  protoCodec<LeaveClusterResponse>("raftoral.LeaveClusterResponse"),
  [
    { number: 1, name: "success", kind: "bool" },
    { number: 2, name: "error", kind: "string" },
    { number: 3, name: "nodeId", kind: "uint64" },
  ],
);

export const clusterRetentionRequestCodec = fieldTableCodec(
  protoCodec<ClusterRetentionRequest>("raftoral.ClusterRetentionRequest"),
  [
    { number: 1, name: "finishedMax", kind: "uint64" },
    { number: 2, name: "setRetainFor", kind: "bool" },
    { number: 3, name: "retainForMs", kind: "uint64" },
    { number: 4, name: "setRetainAtLeast", kind: "bool" },
    { number: 5, name: "retainAtLeastMs", kind: "uint64" },
  ],
);

export const clusterRetentionResponseCodec = fieldTableCodec(
  protoCodec<ClusterRetentionResponse>("raftoral.ClusterRetentionResponse"),
  [
    { number: 1, name: "finishedMax", kind: "uint64" },
    { number: 2, name: "retainForMs", kind: "uint64" },
    { number: 3, name: "retainAtLeastMs", kind: "uint64" },
    { number: 4, name: "isSet", kind: "bool" },
  ],
);
