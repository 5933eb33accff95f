// Method descriptors of the two `raftoral` services (docs: /work/shared/spec/GRPC_API.md).
// Servers register handlers for these; clients call them.

import {
  addNodeRequestCodec,
  addNodeResponseCodec,
  discoveryRequestCodec,
  discoveryResponseCodec,
} from "./join-message-codecs.ts";
import type { ListWorkflowsRequestMessage, ListWorkflowsResponseMessage } from "./list-messages.ts";
import { type MessageCodec, protoCodec } from "./message-codec.ts";
import { type MethodDescriptor, protoMethod } from "./method.ts";
import { genericMessageCodec, messageResponseCodec } from "./peer-message-codecs.ts";
import type {
  ClusterRetentionRequest,
  ClusterRetentionResponse,
  ClusterStatusRequest,
  ClusterStatusResponse,
  DescribeWorkflowRequest,
  DescribeWorkflowResponse,
  GenericMessage,
  LeaveClusterRequest,
  LeaveClusterResponse,
  MessageResponse,
  NodeHealthRequest,
  NodeHealthResponse,
  RecoverGroupsRequest,
  RecoverGroupsResponse,
  RunWorkflowAsyncResponse,
  RunWorkflowRequest,
  RunWorkflowResponse,
  SignalWorkflowRequest,
  SignalWorkflowResponse,
  StopWorkflowMessage,
  StopWorkflowResponse,
  WaitForWorkflowRequest,
} from "./raftoral-messages.ts";

export const RAFT_SERVICE = "raftoral.RaftService";
export const WORKFLOW_MANAGEMENT_SERVICE = "raftoral.WorkflowManagement";

/** raftoral.RaftService: inter-node traffic, cluster discovery, status and leaving. */
export const RaftServiceMethods = {
  // Every peer batch: their GenericMessage takes the hand-written codec's fast path.
  sendMessage: peerBatchMethod("SendMessage", false),
  streamMessages: peerBatchMethod("StreamMessages", true),
  // A joining node's first calls: coded by hand too, so that a join loads no protobufjs.
  discover: unaryMethod("Discover", discoveryRequestCodec, discoveryResponseCodec),
  addNode: unaryMethod("AddNode", addNodeRequestCodec, addNodeResponseCodec),
  getClusterStatus: protoMethod<ClusterStatusRequest, ClusterStatusResponse>(
    RAFT_SERVICE,
    "GetClusterStatus",
  ),
  leaveCluster: protoMethod<LeaveClusterRequest, LeaveClusterResponse>(
    RAFT_SERVICE,
    "LeaveCluster",
  ),
  recoverGroups: protoMethod<RecoverGroupsRequest, RecoverGroupsResponse>(
    RAFT_SERVICE,
    "RecoverGroups",
  ),
  getNodeHealth: protoMethod<NodeHealthRequest, NodeHealthResponse>(RAFT_SERVICE, "GetNodeHealth"),
  clusterRetention: protoMethod<ClusterRetentionRequest, ClusterRetentionResponse>(
    RAFT_SERVICE,
    "ClusterRetention",
  ),
} as const;

/** raftoral.WorkflowManagement: the public workflow API. */
export const WorkflowManagementMethods = {
  runWorkflowAsync: protoMethod<RunWorkflowRequest, RunWorkflowAsyncResponse>(
    WORKFLOW_MANAGEMENT_SERVICE,
    "RunWorkflowAsync",
  ),
  runWorkflowSync: protoMethod<RunWorkflowRequest, RunWorkflowResponse>(
    WORKFLOW_MANAGEMENT_SERVICE,
    "RunWorkflowSync",
  ),
  waitForWorkflowCompletion: protoMethod<WaitForWorkflowRequest, RunWorkflowResponse>(
    WORKFLOW_MANAGEMENT_SERVICE,
    "WaitForWorkflowCompletion",
  ),
  signalWorkflow: protoMethod<SignalWorkflowRequest, SignalWorkflowResponse>(
    WORKFLOW_MANAGEMENT_SERVICE,
    "SignalWorkflow",
  ),
  describeWorkflow: protoMethod<DescribeWorkflowRequest, DescribeWorkflowResponse>(
    WORKFLOW_MANAGEMENT_SERVICE,
    "DescribeWorkflow",
  ),
  listWorkflows: protoMethod<ListWorkflowsRequestMessage, ListWorkflowsResponseMessage>(
    WORKFLOW_MANAGEMENT_SERVICE,
    "ListWorkflows",
  ),
  cancelWorkflow: protoMethod<StopWorkflowMessage, StopWorkflowResponse>(
    WORKFLOW_MANAGEMENT_SERVICE,
    "CancelWorkflow",
  ),
  terminateWorkflow: protoMethod<StopWorkflowMessage, StopWorkflowResponse>(
    WORKFLOW_MANAGEMENT_SERVICE,
    "TerminateWorkflow",
  ),
} as const;

/** A unary RaftService method described here rather than read from the .proto types. */
function unaryMethod<Request, Response>(
  name: string,
  requestCodec: MessageCodec<Request>,
  responseCodec: MessageCodec<Response>,
): MethodDescriptor<Request, Response> {
  return {
    path: `/${RAFT_SERVICE}/${name}`,
    requestCodec,
    responseCodec,
    isRequestStream: false,
    isResponseStream: false,
  };
}

/**
 * A peer-batch method, described here rather than read from the .proto types, and coded by
 * hand (peer-message-codecs.ts): a node's batches need no protobufjs (the codec tests check
 * this against the .proto).
 */
function peerBatchMethod(
  name: string,
  isStream: boolean,
): MethodDescriptor<GenericMessage, MessageResponse> {
  return {
    path: `/${RAFT_SERVICE}/${name}`,
    requestCodec: genericMessageCodec(protoCodec<GenericMessage>("raftoral.GenericMessage")),
    responseCodec: messageResponseCodec(protoCodec<MessageResponse>("raftoral.MessageResponse")),
    isRequestStream: isStream,
    isResponseStream: isStream,
  };
}
