// Method descriptors of the two `raftoral` services (docs: /work/shared/spec/GRPC_API.md).
// Servers register handlers for these; clients call them.

import { genericMessageCodec } from "./generic-message-codec.ts";
import type { ListWorkflowsRequestMessage, ListWorkflowsResponseMessage } from "./list-messages.ts";
import { protoMethod, withRequestCodec } from "./method.ts";
import type {
  AddNodeRequest,
  AddNodeResponse,
  ClusterRetentionRequest,
  ClusterRetentionResponse,
  ClusterStatusRequest,
  ClusterStatusResponse,
  DescribeWorkflowRequest,
  DescribeWorkflowResponse,
  DiscoveryRequest,
  DiscoveryResponse,
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
  sendMessage: withRequestCodec(
    protoMethod<GenericMessage, MessageResponse>(RAFT_SERVICE, "SendMessage"),
    genericMessageCodec,
  ),
  streamMessages: withRequestCodec(
    protoMethod<GenericMessage, MessageResponse>(RAFT_SERVICE, "StreamMessages"),
    genericMessageCodec,
  ),
  discover: protoMethod<DiscoveryRequest, DiscoveryResponse>(RAFT_SERVICE, "Discover"),
  addNode: protoMethod<AddNodeRequest, AddNodeResponse>(RAFT_SERVICE, "AddNode"),
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
