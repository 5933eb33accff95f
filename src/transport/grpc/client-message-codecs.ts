// The messages of the calls a client makes most (running, waiting for, signalling, cancelling
// and terminating a workflow; a node's health), coded by hand from their fields
// (scalar-message-codec.ts): a CLI command or an application's first call needs no protobufjs,
// and the nodes answer these calls without it too. The tables follow proto/raftoral.proto; the
// codec tests hold each against it, field by field.

import { protoCodec } from "./message-codec.ts";
import type {
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
import { type ScalarField, scalarMessageCodec } from "./scalar-message-codec.ts";

export const runWorkflowRequestCodec = scalarMessageCodec(
  protoCodec<RunWorkflowRequest>("raftoral.RunWorkflowRequest"),
  [
    { number: 1, name: "workflowType", kind: "string" },
    { number: 2, name: "version", kind: "uint32" },
    { number: 3, name: "inputJson", kind: "string" },
    { number: 4, name: "executionClusterId", kind: "string" },
    { number: 5, name: "workflowId", kind: "string" },
  ],
);

export const runWorkflowAsyncResponseCodec = scalarMessageCodec(
  protoCodec<RunWorkflowAsyncResponse>("raftoral.RunWorkflowAsyncResponse"),
  [
    { number: 1, name: "success", kind: "bool" },
    { number: 2, name: "workflowId", kind: "string" },
    { number: 3, name: "executionClusterId", kind: "string" },
    { number: 4, name: "error", kind: "string" },
  ],
);

export const runWorkflowResponseCodec = scalarMessageCodec(
  protoCodec<RunWorkflowResponse>("raftoral.RunWorkflowResponse"),
  [
    { number: 1, name: "success", kind: "bool" },
    { number: 2, name: "resultJson", kind: "string" },
    { number: 3, name: "error", kind: "string" },
    { number: 4, name: "errorCode", kind: "string" },
    { number: 5, name: "errorName", kind: "string" },
  ],
);

export const waitForWorkflowRequestCodec = scalarMessageCodec(
  protoCodec<WaitForWorkflowRequest>("raftoral.WaitForWorkflowRequest"),
  [
    { number: 1, name: "workflowId", kind: "string" },
    { number: 2, name: "executionClusterId", kind: "string" },
    { number: 3, name: "timeoutSeconds", kind: "uint32" },
  ],
);

export const signalWorkflowRequestCodec = scalarMessageCodec(
  protoCodec<SignalWorkflowRequest>("raftoral.SignalWorkflowRequest"),
  [
    { number: 1, name: "workflowId", kind: "string" },
    { number: 2, name: "executionClusterId", kind: "string" },
    { number: 3, name: "name", kind: "string" },
    { number: 4, name: "payloadJson", kind: "string" },
    { number: 5, name: "eventId", kind: "string" },
  ],
);

export const signalWorkflowResponseCodec = scalarMessageCodec(
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
const STOP_REQUEST_FIELDS: readonly ScalarField<StopWorkflowMessage>[] = [
  { number: 1, name: "workflowId", kind: "string" },
  { number: 2, name: "executionClusterId", kind: "string" },
  { number: 3, name: "reason", kind: "string" },
];

/** CancelWorkflowResponse and TerminateWorkflowResponse: the same fields under two names. */
const STOP_RESPONSE_FIELDS: readonly ScalarField<StopWorkflowResponse>[] = [
  { number: 1, name: "success", kind: "bool" },
  { number: 2, name: "workflowId", kind: "string" },
  { number: 3, name: "executionClusterId", kind: "string" },
  { number: 4, name: "status", kind: "string" },
  { number: 5, name: "duplicate", kind: "bool" },
];

export const cancelWorkflowRequestCodec = scalarMessageCodec(
  protoCodec<StopWorkflowMessage>("raftoral.CancelWorkflowRequest"),
  STOP_REQUEST_FIELDS,
);
export const cancelWorkflowResponseCodec = scalarMessageCodec(
  protoCodec<StopWorkflowResponse>("raftoral.CancelWorkflowResponse"),
  STOP_RESPONSE_FIELDS,
);
export const terminateWorkflowRequestCodec = scalarMessageCodec(
  protoCodec<StopWorkflowMessage>("raftoral.TerminateWorkflowRequest"),
  STOP_REQUEST_FIELDS,
);
export const terminateWorkflowResponseCodec = scalarMessageCodec(
  protoCodec<StopWorkflowResponse>("raftoral.TerminateWorkflowResponse"),
  STOP_RESPONSE_FIELDS,
);

export const nodeHealthRequestCodec = scalarMessageCodec(
  protoCodec<NodeHealthRequest>("raftoral.NodeHealthRequest"),
  [],
);

export const nodeHealthResponseCodec = scalarMessageCodec(
  protoCodec<NodeHealthResponse>("raftoral.NodeHealthResponse"),
  [
    { number: 1, name: "status", kind: "string" },
    { number: 2, name: "nodeId", kind: "uint64" },
    { number: 3, name: "isLeader", kind: "bool" },
    { number: 4, name: "reason", kind: "string" },
  ],
);
