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
import { protoCodec } from "./message-codec.ts";
import { describedMethod, type MethodDescriptor } from "./method.ts";
import { genericMessageCodec, messageResponseCodec } from "./peer-message-codecs.ts";
import type { GenericMessage, MessageResponse } from "./raftoral-messages.ts";
import {
  clusterStatusRequestCodec,
  clusterStatusResponseCodec,
  recoverGroupsRequestCodec,
  recoverGroupsResponseCodec,
} from "./status-message-codecs.ts";
import {
  describeWorkflowRequestCodec,
  describeWorkflowResponseCodec,
  listWorkflowsRequestCodec,
  listWorkflowsResponseCodec,
} from "./workflow-view-codecs.ts";

export const RAFT_SERVICE = "raftoral.RaftService";
export const WORKFLOW_MANAGEMENT_SERVICE = "raftoral.WorkflowManagement";

/**
 * raftoral.RaftService: inter-node traffic, cluster discovery, status and leaving. Every
 * method is described and coded here, without the .proto.
 */
export const RaftServiceMethods = {
  // Every peer batch: their GenericMessage takes the hand-written codec's fast path.
  sendMessage: peerBatchMethod("SendMessage", false),
  streamMessages: peerBatchMethod("StreamMessages", true),
  // A joining node's first calls: coded by hand too, so that a join loads no protobufjs.
  discover: describedMethod(
    RAFT_SERVICE,
    "Discover",
    discoveryRequestCodec,
    discoveryResponseCodec,
  ),
  addNode: describedMethod(RAFT_SERVICE, "AddNode", addNodeRequestCodec, addNodeResponseCodec),
  getClusterStatus: describedMethod(
    RAFT_SERVICE,
    "GetClusterStatus",
    clusterStatusRequestCodec,
    clusterStatusResponseCodec,
  ),
  leaveCluster: describedMethod(
    RAFT_SERVICE,
    "LeaveCluster",
    leaveClusterRequestCodec,
    leaveClusterResponseCodec,
  ),
  recoverGroups: describedMethod(
    RAFT_SERVICE,
    "RecoverGroups",
    recoverGroupsRequestCodec,
    recoverGroupsResponseCodec,
  ),
  getNodeHealth: describedMethod(
    RAFT_SERVICE,
    "GetNodeHealth",
    nodeHealthRequestCodec,
    nodeHealthResponseCodec,
  ),
  clusterRetention: describedMethod(
    RAFT_SERVICE,
    "ClusterRetention",
    clusterRetentionRequestCodec,
    clusterRetentionResponseCodec,
  ),
} as const;

/**
 * raftoral.WorkflowManagement: the public workflow API, every call coded by hand
 * (client-message-codecs.ts, workflow-view-codecs.ts).
 */
export const WorkflowManagementMethods = {
  runWorkflowAsync: describedMethod(
    WORKFLOW_MANAGEMENT_SERVICE,
    "RunWorkflowAsync",
    runWorkflowRequestCodec,
    runWorkflowAsyncResponseCodec,
  ),
  runWorkflowSync: describedMethod(
    WORKFLOW_MANAGEMENT_SERVICE,
    "RunWorkflowSync",
    runWorkflowRequestCodec,
    runWorkflowResponseCodec,
  ),
  waitForWorkflowCompletion: describedMethod(
    WORKFLOW_MANAGEMENT_SERVICE,
    "WaitForWorkflowCompletion",
    waitForWorkflowRequestCodec,
    runWorkflowResponseCodec,
  ),
  signalWorkflow: describedMethod(
    WORKFLOW_MANAGEMENT_SERVICE,
    "SignalWorkflow",
    signalWorkflowRequestCodec,
    signalWorkflowResponseCodec,
  ),
  describeWorkflow: describedMethod(
    WORKFLOW_MANAGEMENT_SERVICE,
    "DescribeWorkflow",
    describeWorkflowRequestCodec,
    describeWorkflowResponseCodec,
  ),
  listWorkflows: describedMethod(
    WORKFLOW_MANAGEMENT_SERVICE,
    "ListWorkflows",
    listWorkflowsRequestCodec,
    listWorkflowsResponseCodec,
  ),
  cancelWorkflow: describedMethod(
    WORKFLOW_MANAGEMENT_SERVICE,
    "CancelWorkflow",
    cancelWorkflowRequestCodec,
    cancelWorkflowResponseCodec,
  ),
  terminateWorkflow: describedMethod(
    WORKFLOW_MANAGEMENT_SERVICE,
    "TerminateWorkflow",
    terminateWorkflowRequestCodec,
    terminateWorkflowResponseCodec,
  ),
} as const;

/**
 * A peer-batch method, described here rather than read from the .proto types, and coded by
 * hand (peer-message-codecs.ts): a node's batches need no protobufjs (the codec tests check
 * this against the .proto).
 */
function peerBatchMethod(
  name: string,
  isStream: boolean,
): MethodDescriptor<GenericMessage, MessageResponse> {
  return describedMethod(
    RAFT_SERVICE,
    name,
    genericMessageCodec(protoCodec<GenericMessage>("raftoral.GenericMessage")),
    messageResponseCodec(protoCodec<MessageResponse>("raftoral.MessageResponse")),
    { isRequestStream: isStream, isResponseStream: isStream },
  );
}
