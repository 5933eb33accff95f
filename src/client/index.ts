// Public surface of src/client: talking to Raftoral nodes over gRPC or HTTP.

export {
  defineEvent,
  type EventType,
  type ResultOf,
  type WorkflowType,
  workflowType,
} from "../lib/index.ts";
// The HTTP API's JSON bodies: the CLI prints the same shapes with --json.
export {
  clusterStatusJson,
  describedJson,
  leftJson,
  listedJson,
  outcomeJson,
  recoveredJson,
  signaledJson,
  startedJson,
  stoppedJson,
} from "../transport/http/index.ts";
export type {
  CheckpointInfo,
  ClientTls,
  ClusterNodeStatus,
  ClusterStatus,
  DiscoveryInfo,
  ExecutionGroupStatus,
  HealthInfo,
  LeaveResult,
  ListWorkflowsRequest,
  ListWorkflowsResult,
  ManagementRole,
  RecoveredGroup,
  RecoverRequest,
  RecoverResult,
  RetentionInfo,
  RetentionRequest,
  UnavailableClusterInfo,
  WorkflowDescriptionInfo,
  WorkflowSummaryInfo,
} from "../transport/index.ts";
export { healthJson, LIST_PAGE_SIZE_DEFAULT, LIST_PAGE_SIZE_MAX } from "../transport/index.ts";
export { GrpcProtocolClient } from "./grpc-client.ts";
export { HttpProtocolClient } from "./http-client.ts";
// What does not depend on a wire protocol (addresses, errors, the in-process client).
export * from "./index-core.ts";
export { type ListOptions, RaftoralClient, type RaftoralClientOptions } from "./raftoral-client.ts";
export type {
  CallTimeout,
  RunOptions,
  SignaledEvent,
  SignalOptions,
  StartedWorkflow,
  StartOptions,
  StopOptions,
  StoppedWorkflow,
  WaitOptions,
  WorkflowRef,
  WorkflowResult,
} from "./workflow-calls.ts";
