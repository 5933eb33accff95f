// TypeScript shapes of the `raftoral` protobuf messages (proto/raftoral.proto), as the codecs
// produce and accept them: camelCase fields, uint64 as number (checked to be exact), bytes
// as Uint8Array, and the GenericMessage oneof named by its `message` field. Declarative only.

export interface ProposeMessage {
  readonly commandJson: Uint8Array;
  readonly syncId: number;
}

export interface ConfChangeV2Message {
  readonly id: number;
  readonly changeBytes: Uint8Array;
}

export type CampaignMessage = Readonly<Record<string, never>>;

export interface AddNodeMessage {
  readonly nodeId: number;
  readonly address: string;
  readonly syncId: number;
}

export interface RemoveNodeMessage {
  readonly nodeId: number;
  readonly syncId: number;
}

/** The `message` oneof: `message` names the arm that is set, or is absent when none is. */
export type GenericMessageBody =
  | { readonly message: "propose"; readonly propose: ProposeMessage }
  | { readonly message: "raftMessage"; readonly raftMessage: Uint8Array }
  | { readonly message: "confChange"; readonly confChange: ConfChangeV2Message }
  | { readonly message: "campaign"; readonly campaign: CampaignMessage }
  | { readonly message: "addNode"; readonly addNode: AddNodeMessage }
  | { readonly message: "removeNode"; readonly removeNode: RemoveNodeMessage }
  | { readonly message?: undefined };

export type GenericMessage = { readonly clusterId: number } & GenericMessageBody;

export interface MessageResponse {
  readonly success: boolean;
  readonly error: string;
}

export type DiscoveryRequest = Readonly<Record<string, never>>;

export interface DiscoveryResponse {
  readonly nodeId: number;
  readonly highestKnownNodeId: number;
  readonly address: string;
  readonly managementLeaderNodeId: number;
  readonly managementLeaderAddress: string;
  readonly shouldJoinAsVoter: boolean;
  readonly currentVoterCount: number;
  readonly maxVoters: number;
  readonly faultTolerance: number;
  readonly founding: string;
  readonly instanceId: string;
}

export interface AddNodeRequest {
  readonly nodeId: number;
  readonly address: string;
  /** Fingerprint of the joining node's workflow set ("" skips the check). */
  readonly workflowFingerprint: string;
  /** The joining process ("" when the client does not say). */
  readonly instanceId: string;
  /** The management rules the joining node's build applies (0: an older build). */
  readonly rulesVersion: number;
  /** The joining node's security profile ("" from older builds: not checked). */
  readonly securityProfile: string;
}

export interface AddNodeResponse {
  readonly success: boolean;
  readonly error: string;
  /** The node's id (allocated when the request's was 0); 0 when success is false. */
  readonly nodeId: number;
}

export interface RunWorkflowRequest {
  readonly workflowType: string;
  readonly version: number;
  readonly inputJson: string;
  /** "" (or absent) lets the node choose the execution cluster. */
  readonly executionClusterId?: string;
  /** "" (or absent) lets the node choose the workflow id. */
  readonly workflowId?: string;
}

export interface RunWorkflowAsyncResponse {
  readonly success: boolean;
  readonly workflowId: string;
  readonly executionClusterId: string;
  readonly error: string;
  /** Absent (false) from a node older than the field. */
  readonly alreadyStarted?: boolean;
}

export interface SignalWorkflowRequest {
  readonly workflowId: string;
  /** "" asks every execution cluster. */
  readonly executionClusterId: string;
  readonly name: string;
  /** "" is the payload null. */
  readonly payloadJson: string;
  /** "" lets the node make one up. */
  readonly eventId: string;
}

export interface SignalWorkflowResponse {
  readonly success: boolean;
  readonly workflowId: string;
  readonly executionClusterId: string;
  readonly eventId: string;
  readonly duplicate: boolean;
}

/** CancelWorkflowRequest and TerminateWorkflowRequest: the same fields. */
export interface StopWorkflowMessage {
  readonly workflowId: string;
  /** "" asks every execution cluster. */
  readonly executionClusterId: string;
  /** "" gives none. */
  readonly reason: string;
}

/** CancelWorkflowResponse and TerminateWorkflowResponse: the same fields. */
export interface StopWorkflowResponse {
  readonly success: boolean;
  readonly workflowId: string;
  readonly executionClusterId: string;
  readonly status: string;
  readonly duplicate: boolean;
}

export interface DescribeWorkflowRequest {
  readonly workflowId: string;
  /** "" asks every execution cluster. */
  readonly executionClusterId: string;
}

export interface CheckpointSummaryMessage {
  readonly seq: number;
  readonly kind: string;
  readonly name: string;
  readonly atMs: number;
  readonly error: string;
  /** 0 for calls that are not steps (and steps recorded before attempts were kept). */
  readonly attempts: number;
  readonly durationMs: number;
  /** "" for calls that are not a started child. */
  readonly childWorkflowId: string;
  readonly childExecutionClusterId: string;
}

export interface DescribeWorkflowResponse {
  readonly workflowId: string;
  readonly executionClusterId: string;
  readonly name: string;
  readonly version: number;
  readonly status: string;
  readonly inputJson: string;
  readonly ownerNodeId: number;
  readonly ownerEpoch: number;
  readonly startedAtMs: number;
  /** 0 while it runs. */
  readonly finishedAtMs: number;
  readonly resultJson: string;
  readonly error: string;
  readonly errorCode: string;
  /** 0 when neither sleeping nor waiting with a timeout. */
  readonly wakeAtMs: number;
  readonly waitingFor: string;
  /** "" unless it waits for a child workflow's result. */
  readonly waitingForChild: string;
  /** "" unless it runs without code on the node that answered (WorkflowDescriptionInfo.held). */
  readonly held: string;
  readonly pendingEvents: number;
  /** 0 when no cancel was asked. */
  readonly cancelRequestedAtMs: number;
  readonly cancelReason: string;
  /** "" unless it failed. */
  readonly errorName: string;
  readonly checkpoints: readonly CheckpointSummaryMessage[];
  /** "" when the start carried no trace. */
  readonly traceId: string;
}

export interface RunWorkflowResponse {
  readonly success: boolean;
  readonly resultJson: string;
  readonly error: string;
  /** The failure's stable code; "" when it had none (or the workflow completed). */
  readonly errorCode: string;
  /** The failure's error class name; "" when it completed. */
  readonly errorName: string;
}

export interface WaitForWorkflowRequest {
  readonly workflowId: string;
  /** "" asks every execution cluster. */
  readonly executionClusterId: string;
  readonly timeoutSeconds: number;
}

export type ClusterStatusRequest = Readonly<Record<string, never>>;

export interface ClusterNodeStatusMessage {
  readonly nodeId: number;
  readonly address: string;
  readonly managementRole: string;
  readonly isManagementLeader: boolean;
}

export interface ExecutionClusterStatusMessage {
  readonly executionClusterId: string;
  readonly members: readonly number[];
  readonly voters: readonly number[];
  readonly learners: readonly number[];
  readonly draining: boolean;
  readonly runningWorkflows: number;
  readonly leaderNodeId: number;
  readonly configIndex: number;
  readonly faultTolerance: number;
  /** -1: not known to the answering node. */
  readonly leaderlessMs: number;
}

export interface ClusterStatusResponse {
  readonly clusterId: string;
  readonly transport: string;
  readonly nodeId: number;
  readonly managementLeaderNodeId: number;
  readonly nodes: readonly ClusterNodeStatusMessage[];
  readonly executionClusters: readonly ExecutionClusterStatusMessage[];
  readonly managementFaultTolerance: number;
  readonly faultTolerance: number;
  readonly lostNodeIds: readonly number[];
  readonly managementVoterIds: readonly number[];
}

export type LeaveClusterRequest = Readonly<Record<string, never>>;

export interface LeaveClusterResponse {
  readonly success: boolean;
  readonly error: string;
  readonly nodeId: number;
}

export interface RecoverGroupsRequest {
  readonly clusterIds: readonly number[];
  readonly dryRun: boolean;
}

export interface RecoveredGroupMessage {
  readonly clusterId: number;
  readonly leaderlessMs: number;
  readonly lastIndex: number;
  readonly commitIndex: number;
  readonly droppedVoters: readonly number[];
  readonly recovered: boolean;
}

export interface RecoverGroupsResponse {
  readonly groups: readonly RecoveredGroupMessage[];
}

export interface ClusterRetentionRequest {
  readonly finishedMax: number;
  readonly setRetainFor: boolean;
  readonly retainForMs: number;
  readonly setRetainAtLeast: boolean;
  readonly retainAtLeastMs: number;
}

export interface ClusterRetentionResponse {
  readonly finishedMax: number;
  readonly retainForMs: number;
  readonly retainAtLeastMs: number;
  readonly isSet: boolean;
}

export type NodeHealthRequest = Readonly<Record<string, never>>;

export interface NodeHealthResponse {
  readonly status: string;
  readonly nodeId: number;
  readonly isLeader: boolean;
  readonly reason: string;
}
