// A NodeApi for transport tests: records every call with its request and signal, and answers
// from a script the test may replace per method (return a value, throw a typed error, or wait
// for the signal). Transports are thin adapters, so this is all their tests need behind them.

import { groupId, logIndex, nodeId } from "../../src/lib/index.ts";
import type {
  CallOptions,
  ClusterStatus,
  DescribeWorkflowRequest,
  DiscoveryInfo,
  HealthInfo,
  LeaveResult,
  ListWorkflowsRequest,
  ListWorkflowsResult,
  NodeApi,
  NodeProbe,
  PeerBatch,
  RecoveredGroup,
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
  WaitWorkflowRequest,
  WorkflowDescriptionInfo,
  WorkflowOutcome,
} from "../../src/transport/index.ts";

/** One recorded call: which method, with what, and the signal the transport passed. */
export interface RecordedCall {
  readonly method: keyof NodeApi;
  readonly request: unknown;
  readonly signal: AbortSignal | undefined;
}

/** What each method does; replace an entry to script an answer or a failure. */
export interface FakeScript {
  receivePeerBatch(batch: PeerBatch): void;
  discover(): Promise<DiscoveryInfo>;
  register(request: RegisterRequest, options: CallOptions): Promise<RegisterResult>;
  metrics(): string;
  probeNodes(options: CallOptions): Promise<readonly NodeProbe[]>;
  healthDetails(): ReturnType<NodeApi["healthDetails"]>;
  health(): HealthInfo;
  startWorkflow(request: StartWorkflowRequest, options: CallOptions): Promise<StartWorkflowResult>;
  waitWorkflow(request: WaitWorkflowRequest, options: CallOptions): Promise<WorkflowOutcome>;
  runWorkflow(request: StartWorkflowRequest, options: CallOptions): Promise<WorkflowOutcome>;
  signalWorkflow(
    request: SignalWorkflowRequest,
    options: CallOptions,
  ): Promise<SignalWorkflowResult>;
  cancelWorkflow(request: StopWorkflowRequest, options: CallOptions): Promise<StopWorkflowResult>;
  terminateWorkflow(
    request: StopWorkflowRequest,
    options: CallOptions,
  ): Promise<StopWorkflowResult>;
  describeWorkflow(
    request: DescribeWorkflowRequest,
    options: CallOptions,
  ): Promise<WorkflowDescriptionInfo>;
  listWorkflows(request: ListWorkflowsRequest, options: CallOptions): Promise<ListWorkflowsResult>;
  clusterStatus(): Promise<ClusterStatus>;
  leave(options: CallOptions): Promise<LeaveResult>;
  recoverGroups(request: RecoverRequest, options: CallOptions): Promise<RecoverResult>;
  clusterRetention(request: RetentionRequest, options: CallOptions): Promise<RetentionInfo>;
}

export const DISCOVERY: DiscoveryInfo = {
  nodeId: nodeId(1),
  highestKnownNodeId: nodeId(3),
  address: "127.0.0.1:7001",
  managementLeaderNodeId: nodeId(2),
  managementLeaderAddress: "127.0.0.1:7002",
  shouldJoinAsVoter: true,
  currentVoterCount: 3,
  maxVoters: 5,
  transport: "http",
  faultTolerance: 1,
  instanceId: "5f3a9c01",
};

export const CLUSTER_STATUS: ClusterStatus = {
  clusterId: "5e1f6a52-0000-4000-8000-000000000001",
  transport: "http",
  nodeId: nodeId(1),
  managementLeaderNodeId: nodeId(2),
  nodes: [
    {
      nodeId: nodeId(1),
      address: "127.0.0.1:7001",
      managementRole: "voter",
      isManagementLeader: false,
    },
    {
      nodeId: nodeId(2),
      address: "127.0.0.1:7002",
      managementRole: "voter",
      isManagementLeader: true,
    },
    {
      nodeId: nodeId(6),
      address: "127.0.0.1:7006",
      managementRole: "learner",
      isManagementLeader: false,
    },
  ],
  groups: [
    {
      groupId: groupId(1),
      members: [nodeId(1), nodeId(2), nodeId(6)],
      voters: [nodeId(1), nodeId(2)],
      learners: [nodeId(6)],
      draining: false,
      runningWorkflows: 4,
      leaderId: nodeId(2),
      configIndex: logIndex(17),
      faultTolerance: 0,
      leaderlessMs: 0,
    },
  ],
  managementFaultTolerance: 1,
  faultTolerance: 0,
  lostNodeIds: [nodeId(4)],
  managementVoterIds: [nodeId(1), nodeId(2)],
};

export const RECOVERED: RecoveredGroup = {
  groupId: groupId(1),
  leaderlessMs: 12_000,
  lastIndex: logIndex(40),
  commitIndex: logIndex(38),
  droppedVoters: [nodeId(2), nodeId(6)],
  isRecovered: true,
};

export const DESCRIPTION: WorkflowDescriptionInfo = {
  workflowId: "order-1",
  executionClusterId: groupId(1),
  name: "await_payment",
  version: 1,
  status: "waiting",
  input: { order: "A-7" },
  ownerNodeId: nodeId(2),
  ownerEpoch: 1,
  startedAtMs: 1_700_000_000_000,
  wakeAtMs: 1_700_086_400_000,
  waitingFor: "paid",
  waitingForChild: "order-1:3",
  held: "paid_order@1 is not registered on the node that answered",
  pendingEvents: 0,
  checkpoints: [{ seq: 0, kind: "event-wait", name: "paid", atMs: 1_700_000_000_000 }],
};

/** A page of two workflows, one finished, with one cluster that did not answer. */
export const WORKFLOW_LIST: ListWorkflowsResult = {
  workflows: [
    {
      workflowId: "order-2",
      executionClusterId: groupId(2),
      name: "await_payment",
      version: 1,
      status: "waiting",
      ownerNodeId: nodeId(1),
      startedAtMs: 1_700_000_000_500,
    },
    {
      workflowId: "order-1",
      executionClusterId: groupId(1),
      name: "await_payment",
      version: 1,
      status: "completed",
      ownerNodeId: nodeId(2),
      startedAtMs: 1_700_000_000_000,
      finishedAtMs: 1_700_000_000_900,
    },
  ],
  nextPageToken: "MS4xNzAwMDAwMDAwMDAwLm9yZGVyLTE",
  unavailableClusters: [
    { executionClusterId: groupId(3), error: "execution cluster 3 has no leader" },
  ],
};

export function defaultScript(): FakeScript {
  return {
    receivePeerBatch: () => undefined,
    discover: async () => DISCOVERY,
    register: async (request) => ({ nodeId: request.nodeId === 0 ? nodeId(4) : request.nodeId }),
    health: () => ({ status: "ok", nodeId: nodeId(1), isLeader: true }),
    startWorkflow: async () => ({
      workflowId: "550e8400-e29b-41d4-a716-446655440000",
      executionClusterId: groupId(1),
      alreadyStarted: false,
    }),
    waitWorkflow: async () => ({ success: true, output: "pong" }),
    runWorkflow: async () => ({ success: true, output: "pong" }),
    signalWorkflow: async (request) => ({
      workflowId: request.workflowId,
      executionClusterId: groupId(1),
      eventId: request.eventId ?? "event-1",
      isDuplicate: false,
    }),
    cancelWorkflow: async (request) => ({
      workflowId: request.workflowId,
      executionClusterId: groupId(1),
      status: "running",
      isDuplicate: false,
    }),
    terminateWorkflow: async (request) => ({
      workflowId: request.workflowId,
      executionClusterId: groupId(1),
      status: "terminated",
      isDuplicate: false,
    }),
    describeWorkflow: async (request) => ({ ...DESCRIPTION, workflowId: request.workflowId }),
    listWorkflows: async () => WORKFLOW_LIST,
    clusterStatus: async () => CLUSTER_STATUS,
    metrics: () => "# TYPE raftoral_fake_total counter\nraftoral_fake_total 1\n",
    healthDetails: () => ({
      status: "unavailable",
      nodeId: nodeId(1),
      isLeader: false,
      reason: "group 1 has had no leader for 12 s",
      groups: [
        {
          groupId: groupId(1),
          role: "follower",
          leaderId: nodeId(0),
          term: 7,
          commitIndex: 40,
          appliedIndex: 40,
          unappliedEntries: 0,
          leaderlessMs: 12_000,
        },
      ],
    }),
    probeNodes: async () => [
      { nodeId: nodeId(1), address: "127.0.0.1:7001", status: "ok", latencyMs: 1 },
      { nodeId: nodeId(2), address: "127.0.0.1:7002", status: "unreachable" },
    ],
    leave: async () => ({ nodeId: nodeId(1) }),
    recoverGroups: async () => ({ groups: [RECOVERED] }),
    clusterRetention: async (request) => ({
      retention: { finishedMax: 10_000, retainForMs: 0, retainAtLeastMs: 3_600_000, ...request },
      isSet: true,
    }),
  };
}

/** Records calls, answers from `script`. */
export class FakeNodeApi implements NodeApi {
  readonly calls: RecordedCall[] = [];
  /** Batches receivePeerBatch accepted (it did not throw), in arrival order. */
  readonly batches: PeerBatch[] = [];
  script: FakeScript = defaultScript();

  receivePeerBatch(batch: PeerBatch): void {
    this.record("receivePeerBatch", batch, undefined);
    this.script.receivePeerBatch(batch);
    this.batches.push(batch);
  }

  discover(): Promise<DiscoveryInfo> {
    this.record("discover", undefined, undefined);
    return this.script.discover();
  }

  register(request: RegisterRequest, options: CallOptions = {}): Promise<RegisterResult> {
    this.record("register", request, options.signal);
    return this.script.register(request, options);
  }

  health(): HealthInfo {
    this.record("health", undefined, undefined);
    return this.script.health();
  }

  startWorkflow(
    request: StartWorkflowRequest,
    options: CallOptions = {},
  ): Promise<StartWorkflowResult> {
    this.record("startWorkflow", request, options.signal);
    return this.script.startWorkflow(request, options);
  }

  waitWorkflow(request: WaitWorkflowRequest, options: CallOptions = {}): Promise<WorkflowOutcome> {
    this.record("waitWorkflow", request, options.signal);
    return this.script.waitWorkflow(request, options);
  }

  signalWorkflow(
    request: SignalWorkflowRequest,
    options: CallOptions = {},
  ): Promise<SignalWorkflowResult> {
    this.record("signalWorkflow", request, options.signal);
    return this.script.signalWorkflow(request, options);
  }

  cancelWorkflow(
    request: StopWorkflowRequest,
    options: CallOptions = {},
  ): Promise<StopWorkflowResult> {
    this.record("cancelWorkflow", request, options.signal);
    return this.script.cancelWorkflow(request, options);
  }

  terminateWorkflow(
    request: StopWorkflowRequest,
    options: CallOptions = {},
  ): Promise<StopWorkflowResult> {
    this.record("terminateWorkflow", request, options.signal);
    return this.script.terminateWorkflow(request, options);
  }

  describeWorkflow(
    request: DescribeWorkflowRequest,
    options: CallOptions = {},
  ): Promise<WorkflowDescriptionInfo> {
    this.record("describeWorkflow", request, options.signal);
    return this.script.describeWorkflow(request, options);
  }

  listWorkflows(
    request: ListWorkflowsRequest,
    options: CallOptions = {},
  ): Promise<ListWorkflowsResult> {
    this.record("listWorkflows", request, options.signal);
    return this.script.listWorkflows(request, options);
  }

  runWorkflow(request: StartWorkflowRequest, options: CallOptions = {}): Promise<WorkflowOutcome> {
    this.record("runWorkflow", request, options.signal);
    return this.script.runWorkflow(request, options);
  }

  clusterStatus(): Promise<ClusterStatus> {
    this.record("clusterStatus", undefined, undefined);
    return this.script.clusterStatus();
  }

  metrics(): string {
    this.record("metrics", undefined, undefined);
    return this.script.metrics();
  }

  healthDetails(): ReturnType<NodeApi["healthDetails"]> {
    this.record("healthDetails", undefined, undefined);
    return this.script.healthDetails();
  }

  probeNodes(options: CallOptions = {}): Promise<readonly NodeProbe[]> {
    this.record("probeNodes", undefined, options.signal);
    return this.script.probeNodes(options);
  }

  leave(options: CallOptions = {}): Promise<LeaveResult> {
    this.record("leave", undefined, options.signal);
    return this.script.leave(options);
  }

  recoverGroups(request: RecoverRequest, options: CallOptions = {}): Promise<RecoverResult> {
    this.record("recoverGroups", request, options.signal);
    return this.script.recoverGroups(request, options);
  }

  clusterRetention(request: RetentionRequest, options: CallOptions = {}): Promise<RetentionInfo> {
    this.record("clusterRetention", request, options.signal);
    return this.script.clusterRetention(request, options);
  }

  /** The calls of one method, oldest first. */
  callsOf(method: keyof NodeApi): RecordedCall[] {
    return this.calls.filter((call) => call.method === method);
  }

  /** The last call of `method`; throws when there was none, so a test fails clearly. */
  lastCall(method: keyof NodeApi): RecordedCall {
    const call = this.callsOf(method).at(-1);
    if (call === undefined) throw new Error(`no call of ${method} was recorded`);
    return call;
  }

  /** Forgets recorded calls and restores the default script. */
  reset(): void {
    this.calls.length = 0;
    this.batches.length = 0;
    this.script = defaultScript();
  }

  private record(method: keyof NodeApi, request: unknown, signal: AbortSignal | undefined): void {
    this.calls.push({ method, request, signal });
  }
}

/** A script entry that waits until the caller's signal aborts, then rejects with its reason. */
export function untilAborted<T>(): (request: unknown, options: CallOptions) => Promise<T> {
  return (_request, options) =>
    new Promise<T>((_resolve, reject) => {
      const signal = options.signal;
      if (signal === undefined) return; // Never settles: the test checks the signal instead.
      signal.addEventListener("abort", () => reject(signal.reason), { once: true });
    });
}

/** Polls until `predicate` holds; throws after `timeoutMs`. No fixed sleeps in tests. */
export async function waitUntil(
  predicate: () => boolean,
  what: string,
  timeoutMs = 3_000,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(2);
  }
}
