// The NodeApi a node serves from the moment it listens. While it is still finding out who it
// is (resuming, bootstrapping, or joining, which needs it to be reachable already), it serves
// a starting API: health and discovery answer, everything else is refused as "starting". Once
// the node is assembled, the switch forwards every call to the node's full service.

import { nodeId, RaftoralError } from "../lib/index.ts";
import type {
  CallOptions,
  ClusterStatus,
  DescribeWorkflowRequest,
  DiscoveryInfo,
  FoundingState,
  HealthInfo,
  LeaveResult,
  ListWorkflowsRequest,
  ListWorkflowsResult,
  NodeApi,
  NodeProbe,
  PeerBatch,
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
import { batchBytes } from "../transport/index.ts";

/** Peer batches held until the first switch: at most this many, and this many bytes. */
const HELD_BATCHES_MAX = 64;
const HELD_BYTES_MAX = 4 * 1024 * 1024;

export class ApiSwitch implements NodeApi {
  private target: NodeApi;
  /** Peer batches that came before the first switch; undefined once switched. */
  private held: PeerBatch[] | undefined = [];
  private heldBytes = 0;

  constructor(initial: NodeApi) {
    this.target = initial;
  }

  /** Serves `api` from now on; the peer batches held meanwhile go to it first. */
  switchTo(api: NodeApi): void {
    this.target = api;
    const held = this.held ?? [];
    this.held = undefined;
    for (const batch of held) {
      try {
        api.receivePeerBatch(batch);
      } catch (error) {
        // Handled: refused as a batch arriving now would be (a full inbox); Raft resends.
        if (!(error instanceof RaftoralError)) throw error;
      }
    }
  }

  /**
   * Until the first switch a peer's batch (the management leader adding this joining node)
   * is held rather than refused: a refusal makes the sender back off, 50 ms and then longer,
   * just when the node becomes able to take it. Raft takes messages late, and the node checks
   * them at the switch as it checks any batch. Past the bounds the starting API refuses them.
   */
  receivePeerBatch(batch: PeerBatch): void {
    const bytes = batchBytes(batch);
    const held = this.held;
    if (
      held !== undefined &&
      held.length < HELD_BATCHES_MAX &&
      this.heldBytes + bytes <= HELD_BYTES_MAX
    ) {
      held.push(batch);
      this.heldBytes += bytes;
      return;
    }
    this.target.receivePeerBatch(batch);
  }
  discover(): Promise<DiscoveryInfo> {
    return this.target.discover();
  }
  register(request: RegisterRequest, options?: CallOptions): Promise<RegisterResult> {
    return this.target.register(request, options);
  }
  health(): HealthInfo {
    return this.target.health();
  }
  startWorkflow(
    request: StartWorkflowRequest,
    options?: CallOptions,
  ): Promise<StartWorkflowResult> {
    return this.target.startWorkflow(request, options);
  }
  waitWorkflow(request: WaitWorkflowRequest, options?: CallOptions): Promise<WorkflowOutcome> {
    return this.target.waitWorkflow(request, options);
  }
  runWorkflow(request: StartWorkflowRequest, options?: CallOptions): Promise<WorkflowOutcome> {
    return this.target.runWorkflow(request, options);
  }
  signalWorkflow(
    request: SignalWorkflowRequest,
    options?: CallOptions,
  ): Promise<SignalWorkflowResult> {
    return this.target.signalWorkflow(request, options);
  }
  cancelWorkflow(request: StopWorkflowRequest, options?: CallOptions): Promise<StopWorkflowResult> {
    return this.target.cancelWorkflow(request, options);
  }
  terminateWorkflow(
    request: StopWorkflowRequest,
    options?: CallOptions,
  ): Promise<StopWorkflowResult> {
    return this.target.terminateWorkflow(request, options);
  }
  describeWorkflow(
    request: DescribeWorkflowRequest,
    options?: CallOptions,
  ): Promise<WorkflowDescriptionInfo> {
    return this.target.describeWorkflow(request, options);
  }
  listWorkflows(
    request: ListWorkflowsRequest,
    options?: CallOptions,
  ): Promise<ListWorkflowsResult> {
    return this.target.listWorkflows(request, options);
  }
  clusterStatus(): Promise<ClusterStatus> {
    return this.target.clusterStatus();
  }
  metrics(): string {
    return this.target.metrics();
  }
  probeNodes(options?: CallOptions): Promise<readonly NodeProbe[]> {
    return this.target.probeNodes(options);
  }
  healthDetails(): ReturnType<NodeApi["healthDetails"]> {
    return this.target.healthDetails();
  }
  leave(options?: CallOptions): Promise<LeaveResult> {
    return this.target.leave(options);
  }
  recoverGroups(request: RecoverRequest, options?: CallOptions): Promise<RecoverResult> {
    return this.target.recoverGroups(request, options);
  }
  clusterRetention(request: RetentionRequest, options?: CallOptions): Promise<RetentionInfo> {
    return this.target.clusterRetention(request, options);
  }
}

/** The API of a node that has no identity yet: it is not part of any cluster to anyone. */
export function startingApi(options: {
  readonly address: string;
  /** Names this run of the program (DiscoveryInfo.instanceId). */
  readonly instance: string;
  readonly transport: TransportKind;
  readonly maxVoters: number;
  /** Why it is not ready: what it is doing now. */
  readonly reason: () => string;
  /** The node's metrics: a starting node has some too (process, storage). */
  readonly metrics: () => string;
  /** Whether it is settling who founds the cluster with its peers (founding.ts). */
  readonly founding?: () => FoundingState | undefined;
}): NodeApi {
  const starting = <T>(): Promise<T> =>
    Promise.reject(
      new RaftoralError(
        "UNAVAILABLE",
        `this node is still starting (${options.reason()}); retry shortly or ask another node`,
        { isNotDone: true },
      ),
    );
  const health = (): HealthInfo => ({
    status: "starting",
    nodeId: nodeId(0),
    isLeader: false,
    reason: options.reason(),
  });
  return {
    receivePeerBatch: () => {
      throw new RaftoralError("UNAVAILABLE", "this node is still starting; retry shortly");
    },
    discover: async () => {
      const founding = options.founding?.();
      return {
        nodeId: nodeId(0),
        highestKnownNodeId: nodeId(0),
        address: options.address,
        managementLeaderNodeId: nodeId(0),
        managementLeaderAddress: "",
        shouldJoinAsVoter: false,
        currentVoterCount: 0,
        maxVoters: options.maxVoters,
        transport: options.transport,
        faultTolerance: 0,
        ...(founding === undefined ? {} : { founding }),
        instanceId: options.instance,
      };
    },
    register: starting,
    health,
    startWorkflow: starting,
    waitWorkflow: starting,
    runWorkflow: starting,
    signalWorkflow: starting,
    cancelWorkflow: starting,
    terminateWorkflow: starting,
    describeWorkflow: starting,
    listWorkflows: starting,
    clusterStatus: starting,
    metrics: options.metrics,
    probeNodes: starting,
    healthDetails: () => ({ ...health(), groups: [] }),
    leave: () =>
      Promise.reject(
        new RaftoralError(
          "NOT_FOUND",
          "this node is still starting and not a member of a cluster; stop it instead",
        ),
      ),
    recoverGroups: starting,
    clusterRetention: starting,
  };
}
