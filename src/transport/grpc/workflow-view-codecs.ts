// The messages of the calls that show workflows (DescribeWorkflow, ListWorkflows), coded by
// hand from their fields (field-table-codec.ts): `workflow describe` and `workflow list` need
// no protobufjs. The tables follow proto/raftoral.proto; the codec tests hold each against
// it, field by field.

import { fieldTableCodec } from "./field-table-codec.ts";
import type {
  ListWorkflowsRequestMessage,
  ListWorkflowsResponseMessage,
  UnavailableExecutionClusterMessage,
  WorkflowSummaryMessage,
} from "./list-messages.ts";
import { protoCodec } from "./message-codec.ts";
import type {
  CheckpointSummaryMessage,
  DescribeWorkflowRequest,
  DescribeWorkflowResponse,
} from "./raftoral-messages.ts";

export const describeWorkflowRequestCodec = fieldTableCodec(
  protoCodec<DescribeWorkflowRequest>("raftoral.DescribeWorkflowRequest"),
  [
    { number: 1, name: "workflowId", kind: "string" },
    { number: 2, name: "executionClusterId", kind: "string" },
  ],
);

export const checkpointSummaryCodec = fieldTableCodec(
  protoCodec<CheckpointSummaryMessage>("raftoral.CheckpointSummary"),
  [
    { number: 1, name: "seq", kind: "uint64" },
    { number: 2, name: "kind", kind: "string" },
    { number: 3, name: "name", kind: "string" },
    { number: 4, name: "atMs", kind: "int64" },
    { number: 5, name: "error", kind: "string" },
    { number: 6, name: "attempts", kind: "uint32" },
    { number: 7, name: "durationMs", kind: "int64" },
    { number: 8, name: "childWorkflowId", kind: "string" },
    { number: 9, name: "childExecutionClusterId", kind: "string" },
  ],
);

export const describeWorkflowResponseCodec = fieldTableCodec(
  protoCodec<DescribeWorkflowResponse>("raftoral.DescribeWorkflowResponse"),
  [
    { number: 1, name: "workflowId", kind: "string" },
    { number: 2, name: "executionClusterId", kind: "string" },
    { number: 3, name: "name", kind: "string" },
    { number: 4, name: "version", kind: "uint32" },
    { number: 5, name: "status", kind: "string" },
    { number: 6, name: "inputJson", kind: "string" },
    { number: 7, name: "ownerNodeId", kind: "uint64" },
    { number: 8, name: "ownerEpoch", kind: "uint64" },
    { number: 9, name: "startedAtMs", kind: "int64" },
    { number: 10, name: "finishedAtMs", kind: "int64" },
    { number: 11, name: "resultJson", kind: "string" },
    { number: 12, name: "error", kind: "string" },
    { number: 13, name: "errorCode", kind: "string" },
    { number: 14, name: "wakeAtMs", kind: "int64" },
    { number: 15, name: "waitingFor", kind: "string" },
    { number: 16, name: "pendingEvents", kind: "uint32" },
    {
      number: 17,
      name: "checkpoints",
      kind: "message",
      message: checkpointSummaryCodec,
      repeated: true,
    },
    { number: 18, name: "traceId", kind: "string" },
    { number: 19, name: "cancelRequestedAtMs", kind: "int64" },
    { number: 20, name: "cancelReason", kind: "string" },
    { number: 21, name: "errorName", kind: "string" },
    { number: 22, name: "waitingForChild", kind: "string" },
    { number: 23, name: "held", kind: "string" },
  ],
);

export const listWorkflowsRequestCodec = fieldTableCodec(
  protoCodec<ListWorkflowsRequestMessage>("raftoral.ListWorkflowsRequest"),
  [
    { number: 1, name: "statuses", kind: "string", repeated: true },
    { number: 2, name: "name", kind: "string" },
    { number: 3, name: "startedAfterMs", kind: "int64" },
    { number: 4, name: "startedBeforeMs", kind: "int64" },
    { number: 5, name: "pageSize", kind: "uint32" },
    { number: 6, name: "pageToken", kind: "string" },
    { number: 7, name: "executionClusterId", kind: "string" },
  ],
);

export const workflowSummaryCodec = fieldTableCodec(
  protoCodec<WorkflowSummaryMessage>("raftoral.WorkflowSummary"),
  [
    { number: 1, name: "workflowId", kind: "string" },
    { number: 2, name: "executionClusterId", kind: "string" },
    { number: 3, name: "name", kind: "string" },
    { number: 4, name: "version", kind: "uint32" },
    { number: 5, name: "status", kind: "string" },
    { number: 6, name: "ownerNodeId", kind: "uint64" },
    { number: 7, name: "startedAtMs", kind: "int64" },
    { number: 8, name: "finishedAtMs", kind: "int64" },
  ],
);

export const unavailableExecutionClusterCodec = fieldTableCodec(
  protoCodec<UnavailableExecutionClusterMessage>("raftoral.UnavailableExecutionCluster"),
  [
    { number: 1, name: "executionClusterId", kind: "string" },
    { number: 2, name: "error", kind: "string" },
  ],
);

export const listWorkflowsResponseCodec = fieldTableCodec(
  protoCodec<ListWorkflowsResponseMessage>("raftoral.ListWorkflowsResponse"),
  [
    {
      number: 1,
      name: "workflows",
      kind: "message",
      message: workflowSummaryCodec,
      repeated: true,
    },
    { number: 2, name: "nextPageToken", kind: "string" },
    {
      number: 3,
      name: "unavailableClusters",
      kind: "message",
      message: unavailableExecutionClusterCodec,
      repeated: true,
    },
  ],
);
