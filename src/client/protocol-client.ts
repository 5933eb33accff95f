// One node's API as seen by a client, whatever the protocol. RaftoralClient builds on it
// (several nodes, retries); the node itself uses it to discover and join a cluster.

import type {
  CallCredentials,
  ClientTls,
  ClusterStatus,
  DescribeWorkflowRequest,
  DiscoveryInfo,
  HealthInfo,
  KeepaliveTiming,
  LeaveResult,
  ListWorkflowsRequest,
  ListWorkflowsResult,
  RecoverRequest,
  RecoverResult,
  RegisterRequest,
  RegisterResult,
  RetentionInfo,
  RetentionRequest,
  SignalWorkflowRequest,
  SignalWorkflowResult,
  StartWorkflowRequest,
  StartWorkflowResult,
  StopWorkflowRequest,
  StopWorkflowResult,
  TransportKind,
  WaitWorkflowRequest,
  WorkflowDescriptionInfo,
  WorkflowOutcome,
} from "../transport/index.ts";

export interface ClientCallOptions {
  readonly timeoutMs: number;
  /** Aborting cancels the call; the node then stops the work behind it (a wait, say). */
  readonly signal?: AbortSignal;
}

/** How a protocol client reaches its node and proves who it is. */
export interface ProtocolClientOptions {
  /** Call over TLS (grpcs://, https://); `{}` trusts the system's CAs. Absent: cleartext. */
  readonly tls?: ClientTls;
  /** Headers proving who calls (a bearer token, the cluster secret), added to every call. */
  readonly credentials?: CallCredentials;
  /**
   * How a node is checked on while calls to it are in flight (gRPC: pings on its connection;
   * HTTP: a health request): one silent this long fails them as UNAVAILABLE. Default
   * KEEPALIVE_DEFAULT (a second between checks, five of silence).
   */
  readonly keepalive?: KeepaliveTiming;
}

/** Calls to one node. Failures reject with a RaftoralError whose code says what happened. */
export interface ProtocolClient {
  readonly address: string;
  readonly transport: TransportKind;
  discover(options: ClientCallOptions): Promise<DiscoveryInfo>;
  register(request: RegisterRequest, options: ClientCallOptions): Promise<RegisterResult>;
  health(options: ClientCallOptions): Promise<HealthInfo>;
  startWorkflow(
    request: StartWorkflowRequest,
    options: ClientCallOptions,
  ): Promise<StartWorkflowResult>;
  waitWorkflow(request: WaitWorkflowRequest, options: ClientCallOptions): Promise<WorkflowOutcome>;
  runWorkflow(request: StartWorkflowRequest, options: ClientCallOptions): Promise<WorkflowOutcome>;
  signalWorkflow(
    request: SignalWorkflowRequest,
    options: ClientCallOptions,
  ): Promise<SignalWorkflowResult>;
  describeWorkflow(
    request: DescribeWorkflowRequest,
    options: ClientCallOptions,
  ): Promise<WorkflowDescriptionInfo>;
  /** A page of workflows, newest first (NodeApi.listWorkflows). */
  listWorkflows(
    request: ListWorkflowsRequest,
    options: ClientCallOptions,
  ): Promise<ListWorkflowsResult>;
  cancelWorkflow(
    request: StopWorkflowRequest,
    options: ClientCallOptions,
  ): Promise<StopWorkflowResult>;
  terminateWorkflow(
    request: StopWorkflowRequest,
    options: ClientCallOptions,
  ): Promise<StopWorkflowResult>;
  /** What a leaving node asks its peers, and operators ask any node. */
  clusterStatus(options: ClientCallOptions): Promise<ClusterStatus>;
  close(): Promise<void>;
}

/**
 * ProtocolClient plus the operator calls: what RaftoralClient and the CLI use. Kept apart so
 * that ProtocolClient stays what a joining node needs, and in-memory stand-ins (simulator,
 * tests) need not fake calls they never make.
 */
export interface OperatorProtocolClient extends ProtocolClient {
  /** Makes the node at `address` leave the cluster (it stops right after answering). */
  leave(options: ClientCallOptions): Promise<LeaveResult>;
  /** Operator recovery of groups that lost their majority, on the node at `address`. */
  recoverGroups(request: RecoverRequest, options: ClientCallOptions): Promise<RecoverResult>;
  /** Reads the cluster's retention setting, or changes the fields given. */
  clusterRetention(request: RetentionRequest, options: ClientCallOptions): Promise<RetentionInfo>;
}
