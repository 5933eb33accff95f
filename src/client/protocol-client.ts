// One node's API as seen by a client, whatever the protocol. RaftoralClient builds on it
// (several nodes, retries); the node itself uses it to discover and join a cluster.

import type {
  DiscoveryInfo,
  HealthInfo,
  RegisterRequest,
  RegisterResult,
  StartWorkflowRequest,
  StartWorkflowResult,
  TransportKind,
  WaitWorkflowRequest,
  WorkflowOutcome,
} from "../transport/index.ts";

export interface ClientCallOptions {
  readonly timeoutMs: number;
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
  close(): Promise<void>;
}
