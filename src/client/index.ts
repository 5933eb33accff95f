// Public surface of src/client: talking to Raftoral nodes over gRPC or HTTP.

// The HTTP API's JSON bodies: the CLI prints the same shapes with --json.
export {
  clusterStatusJson,
  describedJson,
  healthJson,
  leftJson,
  listedJson,
  outcomeJson,
  recoveredJson,
  signaledJson,
  startedJson,
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
  UnavailableClusterInfo,
  WorkflowDescriptionInfo,
  WorkflowSummaryInfo,
} from "../transport/index.ts";
export {
  LIST_PAGE_SIZE_DEFAULT,
  LIST_PAGE_SIZE_MAX,
} from "../transport/index.ts";
export {
  type NodeTarget,
  parseNodeTarget,
  parseNodeTargets,
  schemeOf,
  type TargetDefaults,
} from "./client-address.ts";
export {
  type FailedAttempt,
  isWorthAnotherNode,
  TransportMismatchError,
  UnreachableError,
} from "./client-errors.ts";
export { GrpcProtocolClient } from "./grpc-client.ts";
export { HttpProtocolClient } from "./http-client.ts";
export type {
  ClientCallOptions,
  OperatorProtocolClient,
  ProtocolClient,
  ProtocolClientOptions,
} from "./protocol-client.ts";
export {
  type CallTimeout,
  type ListOptions,
  RaftoralClient,
  type RaftoralClientOptions,
  type SignaledEvent,
  type SignalOptions,
  type StartedWorkflow,
  type StartOptions,
  type WaitOptions,
  type WorkflowRef,
  type WorkflowResult,
} from "./raftoral-client.ts";
