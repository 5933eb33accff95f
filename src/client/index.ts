// Public surface of src/client: talking to Raftoral nodes over gRPC or HTTP.

// The HTTP API's JSON bodies: the CLI prints the same shapes with --json.
export {
  clusterStatusJson,
  describedJson,
  healthJson,
  leftJson,
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
  ManagementRole,
  RecoveredGroup,
  RecoverRequest,
  RecoverResult,
  WorkflowDescriptionInfo,
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
  RaftoralClient,
  type RaftoralClientOptions,
  type SignaledEvent,
  type SignalOptions,
  type StartedWorkflow,
  type StartOptions,
  type StopOptions,
  type StoppedWorkflow,
  type WaitOptions,
  type WorkflowRef,
  type WorkflowResult,
} from "./raftoral-client.ts";
