// Method descriptors of the two `raftoral` services (docs: /work/shared/spec/GRPC_API.md).
// Servers register handlers for these; clients call them.

import {
  cancelWorkflowRequestCodec,
  cancelWorkflowResponseCodec,
  clusterRetentionRequestCodec,
  clusterRetentionResponseCodec,
  leaveClusterRequestCodec,
  leaveClusterResponseCodec,
  nodeHealthRequestCodec,
  nodeHealthResponseCodec,
  runWorkflowAsyncResponseCodec,
  runWorkflowRequestCodec,
  runWorkflowResponseCodec,
  signalWorkflowRequestCodec,
  signalWorkflowResponseCodec,
  terminateWorkflowRequestCodec,
  terminateWorkflowResponseCodec,
  waitForWorkflowRequestCodec,
} from "./client-message-codecs.ts";
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
  ClusterStatusRequest,
  ClusterStatusResponse,
  DescribeWorkflowRequest,
  DescribeWorkflowResponse,
  GenericMessage,
  MessageResponse,
  RecoverGroupsRequest,
  RecoverGroupsResponse,
} from "./raftoral-messages.ts";

export const RAFT_SERVICE = "raftoral.RaftService";
export const WORKFLOW_MANAGEMENT_SERVICE = "raftoral.WorkflowManagement";

/**
 * raftoral.RaftService: inter-node traffic, cluster discovery, status and leaving. Every
 * method whose messages hold only scalars is described and coded here, without the .proto.
 */
export const RaftServiceMethods = {
  // Every peer batch: their GenericMessage takes the hand-written codec's fast path.
  sendMessage: peerBatchMethod("SendMessage", false),
  streamMessages: peerBatchMethod("StreamMessages", true),
  // A joining node's first calls: coded by hand too, so that a join loads no protobufjs.
  discover: unaryMethod(RAFT_SERVICE, "Discover", discoveryRequestCodec, discoveryResponseCodec),
  addNode: unaryMethod(RAFT_SERVICE, "AddNode", addNodeRequestCodec, addNodeResponseCodec),
  getClusterStatus: protoMethod<ClusterStatusRequest, ClusterStatusResponse>(
    RAFT_SERVICE,
    "GetClusterStatus",
  ),
  leaveCluster: unaryMethod(
    RAFT_SERVICE,
    "LeaveCluster",
    leaveClusterRequestCodec,
    leaveClusterResponseCodec,
  ),
  recoverGroups: protoMethod<RecoverGroupsRequest, RecoverGroupsResponse>(
    RAFT_SERVICE,
    "RecoverGroups",
  ),
  getNodeHealth: unaryMethod(
    RAFT_SERVICE,
    "GetNodeHealth",
    nodeHealthRequestCodec,
    nodeHealthResponseCodec,
  ),
  clusterRetention: unaryMethod(
    RAFT_SERVICE,
    "ClusterRetention",
    clusterRetentionRequestCodec,
    clusterRetentionResponseCodec,
  ),
} as const;

/**
 * raftoral.WorkflowManagement: the public workflow API. The calls whose messages hold only
 * scalars are coded by hand (client-message-codecs.ts); describing and listing, whose answers
 * nest, use protobufjs.
 */
export const WorkflowManagementMethods = {
  runWorkflowAsync: unaryMethod(
    WORKFLOW_MANAGEMENT_SERVICE,
    "RunWorkflowAsync",
    runWorkflowRequestCodec,
    runWorkflowAsyncResponseCodec,
  ),
  runWorkflowSync: unaryMethod(
    WORKFLOW_MANAGEMENT_SERVICE,
    "RunWorkflowSync",
    runWorkflowRequestCodec,
    runWorkflowResponseCodec,
  ),
  waitForWorkflowCompletion: unaryMethod(
    WORKFLOW_MANAGEMENT_SERVICE,
    "WaitForWorkflowCompletion",
    waitForWorkflowRequestCodec,
    runWorkflowResponseCodec,
  ),
  signalWorkflow: unaryMethod(
    WORKFLOW_MANAGEMENT_SERVICE,
    "SignalWorkflow",
    signalWorkflowRequestCodec,
    signalWorkflowResponseCodec,
  ),
  describeWorkflow: protoMethod<DescribeWorkflowRequest, DescribeWorkflowResponse>(
    WORKFLOW_MANAGEMENT_SERVICE,
    "DescribeWorkflow",
  ),
  listWorkflows: protoMethod<ListWorkflowsRequestMessage, ListWorkflowsResponseMessage>(
    WORKFLOW_MANAGEMENT_SERVICE,
    "ListWorkflows",
  ),
  cancelWorkflow: unaryMethod(
    WORKFLOW_MANAGEMENT_SERVICE,
    "CancelWorkflow",
    cancelWorkflowRequestCodec,
    cancelWorkflowResponseCodec,
  ),
  terminateWorkflow: unaryMethod(
    WORKFLOW_MANAGEMENT_SERVICE,
    "TerminateWorkflow",
    terminateWorkflowRequestCodec,
    terminateWorkflowResponseCodec,
  ),
} as const;

/** A unary method described here rather than read from the .proto types. */
function unaryMethod<Request, Response>(
  service: string,
  name: string,
  requestCodec: MessageCodec<Request>,
  responseCodec: MessageCodec<Response>,
): MethodDescriptor<Request, Response> {
  return {
    path: `/${service}/${name}`,
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
