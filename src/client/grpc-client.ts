// ProtocolClient over gRPC (raftoral.RaftService and raftoral.WorkflowManagement), cleartext
// or TLS.

import { groupId, logIndex, nodeId, RaftoralError } from "../lib/index.ts";
import {
  CALLS_MAX_DEFAULT,
  CLIENT_MESSAGE_BYTES_MAX_DEFAULT,
  type ClusterStatusResponse,
  GrpcClient,
  type MethodDescriptor,
  RaftServiceMethods,
  type RunWorkflowRequest,
  type RunWorkflowResponse,
  type StopWorkflowMessage,
  type StopWorkflowResponse,
  WorkflowManagementMethods,
} from "../transport/grpc/index.ts";
import {
  type ClusterStatus,
  type DescribeWorkflowRequest,
  type DiscoveryInfo,
  foundingOf,
  HEALTH_STATUSES,
  type HealthInfo,
  type LeaveResult,
  type ListWorkflowsRequest,
  type ListWorkflowsResult,
  type RecoverRequest,
  type RecoverResult,
  type RegisterRequest,
  type RegisterResult,
  type RetentionInfo,
  type RetentionRequest,
  type SignalWorkflowRequest,
  type SignalWorkflowResult,
  type StartWorkflowRequest,
  type StartWorkflowResult,
  type StopWorkflowRequest,
  type StopWorkflowResult,
  TRACEPARENT_HEADER,
  traceparentOf,
  type WaitWorkflowRequest,
  type WorkflowDescriptionInfo,
  type WorkflowOutcome,
} from "../transport/index.ts";
import { listRequestMessage, listResultOfMessage } from "./list-conversion.ts";
import { CallSlots, inLongCallSlot, longCallSlotsOf, secondsLeft } from "./long-call-slots.ts";
import { managementRoleOf } from "./management-role.ts";
import type {
  ClientCallOptions,
  OperatorProtocolClient,
  ProtocolClientOptions,
} from "./protocol-client.ts";
import {
  childOfWire,
  clusterText,
  failureOfWire,
  groupOfWire,
  jsonOfWire,
  outcomeOfWire,
} from "./wire-values.ts";

/** Options of a gRPC client besides those every protocol client takes. */
export interface GrpcProtocolClientOptions extends ProtocolClientOptions {
  /**
   * Past the calls it sends a node at once (CALLS_MAX_DEFAULT), a call waits in the client for
   * one to end, within its own deadline, as calls over HTTP wait for a free request; one that
   * finds none in time fails as a NotSentError. Without it such a call fails at once
   * (RESOURCE_EXHAUSTED), which a node forwarding a call takes as "try the next member".
   */
  readonly isQueuedWhenBusy?: boolean;
}

export class GrpcProtocolClient implements OperatorProtocolClient {
  readonly transport = "grpc" as const;
  private readonly client: GrpcClient;
  /** Waits and runs hold a call until their workflow ends: they leave room for the others. */
  private readonly longCalls = longCallSlotsOf(CALLS_MAX_DEFAULT);
  /** Every call's slot, when calls past the limit wait (isQueuedWhenBusy). */
  private readonly calls: CallSlots | undefined;

  constructor(
    readonly address: string,
    options: GrpcProtocolClientOptions = {},
  ) {
    this.calls = options.isQueuedWhenBusy === true ? new CallSlots(CALLS_MAX_DEFAULT) : undefined;
    this.client = new GrpcClient({
      address,
      // A node takes a client's call up to this size: one limit, named in either refusal.
      sendMessageBytesMax: CLIENT_MESSAGE_BYTES_MAX_DEFAULT,
      ...(options.tls === undefined ? {} : { tls: options.tls }),
      ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
      ...(options.keepalive === undefined ? {} : { keepalive: options.keepalive }),
    });
  }

  async discover(options: ClientCallOptions): Promise<DiscoveryInfo> {
    const response = await this.unary(RaftServiceMethods.discover, {}, options);
    return {
      nodeId: nodeId(response.nodeId),
      highestKnownNodeId: nodeId(response.highestKnownNodeId),
      address: response.address,
      managementLeaderNodeId: nodeId(response.managementLeaderNodeId),
      managementLeaderAddress: response.managementLeaderAddress,
      shouldJoinAsVoter: response.shouldJoinAsVoter,
      currentVoterCount: response.currentVoterCount,
      maxVoters: response.maxVoters,
      transport: "grpc",
      faultTolerance: response.faultTolerance,
      ...foundingOf(response.founding),
      ...(response.instanceId === "" ? {} : { instanceId: response.instanceId }),
    };
  }

  async register(request: RegisterRequest, options: ClientCallOptions): Promise<RegisterResult> {
    const response = await this.unary(
      RaftServiceMethods.addNode,
      {
        nodeId: request.nodeId,
        address: request.address,
        workflowFingerprint: request.workflowFingerprint ?? "",
        instanceId: request.instanceId ?? "",
        rulesVersion: request.rulesVersion ?? 0,
        securityProfile: request.securityProfile ?? "",
      },
      options,
    );
    if (!response.success) {
      throw new RaftoralError(
        "UNAVAILABLE",
        `${this.address} refused the registration: ${response.error}`,
      );
    }
    return { nodeId: nodeId(response.nodeId) };
  }

  async health(options: ClientCallOptions): Promise<HealthInfo> {
    const response = await this.unary(RaftServiceMethods.getNodeHealth, {}, options);
    return {
      status: HEALTH_STATUSES.find((known) => known === response.status) ?? "unavailable",
      nodeId: nodeId(response.nodeId),
      isLeader: response.isLeader,
      ...(response.reason === "" ? {} : { reason: response.reason }),
    };
  }

  async startWorkflow(
    request: StartWorkflowRequest,
    options: ClientCallOptions,
  ): Promise<StartWorkflowResult> {
    const response = await this.unary(
      WorkflowManagementMethods.runWorkflowAsync,
      runRequest(request),
      withTrace(options, request),
    );
    if (!response.success) throw new RaftoralError("INVALID_ARGUMENT", response.error);
    return {
      workflowId: response.workflowId,
      executionClusterId: groupOfWire(response.executionClusterId),
      alreadyStarted: response.alreadyStarted === true,
    };
  }

  async waitWorkflow(
    request: WaitWorkflowRequest,
    options: ClientCallOptions,
  ): Promise<WorkflowOutcome> {
    // Its time is counted where it is sent, past both queues: queued for a call as well as
    // for a long-call slot, it asked the node for all of it and had its deadline end first.
    const response = await this.longCall("WaitForWorkflowCompletion", options, (left) =>
      this.unary(
        WorkflowManagementMethods.waitForWorkflowCompletion,
        (sent) => ({
          ...request,
          executionClusterId: clusterText(request.executionClusterId),
          timeoutSeconds: secondsLeft(request.timeoutSeconds, options, sent),
        }),
        left,
      ),
    );
    return outcomeOf(response);
  }

  async listWorkflows(
    request: ListWorkflowsRequest,
    options: ClientCallOptions,
  ): Promise<ListWorkflowsResult> {
    const response = await this.unary(
      WorkflowManagementMethods.listWorkflows,
      listRequestMessage(request),
      options,
    );
    return listResultOfMessage(response);
  }

  async describeWorkflow(
    request: DescribeWorkflowRequest,
    options: ClientCallOptions,
  ): Promise<WorkflowDescriptionInfo> {
    const response = await this.unary(
      WorkflowManagementMethods.describeWorkflow,
      {
        workflowId: request.workflowId,
        executionClusterId: clusterText(request.executionClusterId),
      },
      options,
    );
    return {
      workflowId: response.workflowId,
      executionClusterId: groupOfWire(response.executionClusterId),
      name: response.name,
      version: response.version,
      status: response.status,
      input: jsonOfWire(response.inputJson, "input_json"),
      ownerNodeId: nodeId(response.ownerNodeId),
      ownerEpoch: response.ownerEpoch,
      startedAtMs: response.startedAtMs,
      ...(response.traceId === "" ? {} : { traceId: response.traceId }),
      ...(response.finishedAtMs === 0 ? {} : { finishedAtMs: response.finishedAtMs }),
      ...(response.resultJson === ""
        ? {}
        : { output: jsonOfWire(response.resultJson, "result_json") }),
      ...(response.error === ""
        ? {}
        : {
            failure: failureOfWire(
              response.error,
              textOrAbsent(response.errorCode),
              textOrAbsent(response.errorName),
            ),
          }),
      ...(response.wakeAtMs === 0 ? {} : { wakeAtMs: response.wakeAtMs }),
      ...(response.waitingFor === "" ? {} : { waitingFor: response.waitingFor }),
      ...(response.waitingForChild === "" ? {} : { waitingForChild: response.waitingForChild }),
      ...(response.held === "" ? {} : { held: response.held }),
      pendingEvents: response.pendingEvents,
      ...(response.cancelRequestedAtMs === 0
        ? {}
        : {
            cancelRequestedAtMs: response.cancelRequestedAtMs,
            cancelReason: response.cancelReason,
          }),
      checkpoints: response.checkpoints.map((checkpoint) => ({
        seq: checkpoint.seq,
        kind: checkpoint.kind,
        name: checkpoint.name,
        atMs: checkpoint.atMs,
        ...(checkpoint.error === "" ? {} : { error: checkpoint.error }),
        ...(checkpoint.attempts === 0
          ? {}
          : { attempts: checkpoint.attempts, durationMs: checkpoint.durationMs }),
        ...childOfWire(checkpoint.childWorkflowId, checkpoint.childExecutionClusterId),
      })),
    };
  }

  async signalWorkflow(
    request: SignalWorkflowRequest,
    options: ClientCallOptions,
  ): Promise<SignalWorkflowResult> {
    const response = await this.unary(
      WorkflowManagementMethods.signalWorkflow,
      {
        workflowId: request.workflowId,
        executionClusterId: clusterText(request.executionClusterId),
        name: request.name,
        payloadJson: JSON.stringify(request.payload),
        eventId: request.eventId ?? "",
      },
      options,
    );
    return {
      workflowId: response.workflowId,
      executionClusterId: groupOfWire(response.executionClusterId),
      eventId: response.eventId,
      isDuplicate: response.duplicate,
    };
  }

  async cancelWorkflow(
    request: StopWorkflowRequest,
    options: ClientCallOptions,
  ): Promise<StopWorkflowResult> {
    const response = await this.unary(
      WorkflowManagementMethods.cancelWorkflow,
      stopMessage(request),
      options,
    );
    return stopResultOf(response);
  }

  async terminateWorkflow(
    request: StopWorkflowRequest,
    options: ClientCallOptions,
  ): Promise<StopWorkflowResult> {
    const response = await this.unary(
      WorkflowManagementMethods.terminateWorkflow,
      stopMessage(request),
      options,
    );
    return stopResultOf(response);
  }

  async runWorkflow(
    request: StartWorkflowRequest,
    options: ClientCallOptions,
  ): Promise<WorkflowOutcome> {
    return outcomeOf(
      await this.longCall("RunWorkflowSync", options, (left) =>
        this.unary(
          WorkflowManagementMethods.runWorkflowSync,
          runRequest(request),
          withTrace(left, request),
        ),
      ),
    );
  }

  /**
   * One call to the node; past CALLS_MAX_DEFAULT at once, it waits its turn if so told. A
   * `request` made of the options it is sent with sees what waiting left of its time.
   */
  private unary<Request extends object, Response>(
    method: MethodDescriptor<Request, Response>,
    request: Request | ((sent: ClientCallOptions) => Request),
    options: ClientCallOptions,
  ): Promise<Response> {
    const send = (sent: ClientCallOptions) =>
      this.client.unary(method, typeof request === "function" ? request(sent) : request, sent);
    if (this.calls === undefined) return send(options);
    const notSent = () =>
      `${method.path} to ${this.address} was not sent: ${CALLS_MAX_DEFAULT} calls of this client to it were in flight (the most it sends a node at once) and none ended within its deadline of ${options.timeoutMs} ms`;
    return inLongCallSlot(this.calls, options, notSent, send);
  }

  /** A call that lasts as long as a workflow, once a long-call slot is free (long-call-slots.ts). */
  private longCall<T>(
    method: string,
    options: ClientCallOptions,
    call: (options: ClientCallOptions) => Promise<T>,
  ): Promise<T> {
    const notSent = () =>
      `${method} to ${this.address} was not sent: ${this.longCalls.max} waits and runs of this client were in flight (it sends at most ${CALLS_MAX_DEFAULT} calls to a node at once) and none ended within its deadline of ${options.timeoutMs} ms`;
    return inLongCallSlot(this.longCalls, options, notSent, call);
  }

  async clusterStatus(options: ClientCallOptions): Promise<ClusterStatus> {
    const response = await this.unary(RaftServiceMethods.getClusterStatus, {}, options);
    return clusterStatusOf(response);
  }

  async leave(options: ClientCallOptions): Promise<LeaveResult> {
    const response = await this.unary(RaftServiceMethods.leaveCluster, {}, options);
    if (!response.success) {
      throw new RaftoralError("INTERNAL", `${this.address} did not leave: ${response.error}`);
    }
    return { nodeId: nodeId(response.nodeId) };
  }

  async clusterRetention(
    request: RetentionRequest,
    options: ClientCallOptions,
  ): Promise<RetentionInfo> {
    const response = await this.unary(
      RaftServiceMethods.clusterRetention,
      {
        finishedMax: request.finishedMax ?? 0,
        setRetainFor: request.retainForMs !== undefined,
        retainForMs: request.retainForMs ?? 0,
        setRetainAtLeast: request.retainAtLeastMs !== undefined,
        retainAtLeastMs: request.retainAtLeastMs ?? 0,
      },
      options,
    );
    const { finishedMax, retainForMs, retainAtLeastMs, isSet } = response;
    return { retention: { finishedMax, retainForMs, retainAtLeastMs }, isSet };
  }

  async recoverGroups(request: RecoverRequest, options: ClientCallOptions): Promise<RecoverResult> {
    const response = await this.unary(
      RaftServiceMethods.recoverGroups,
      { clusterIds: request.groupIds ?? [], dryRun: request.dryRun },
      options,
    );
    return {
      groups: response.groups.map((group) => ({
        groupId: groupId(group.clusterId),
        leaderlessMs: group.leaderlessMs,
        lastIndex: logIndex(group.lastIndex),
        commitIndex: logIndex(group.commitIndex),
        droppedVoters: group.droppedVoters.map(nodeId),
        isRecovered: group.recovered,
      })),
    };
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

function clusterStatusOf(response: ClusterStatusResponse): ClusterStatus {
  return {
    clusterId: response.clusterId,
    transport: response.transport === "http" ? "http" : "grpc",
    nodeId: nodeId(response.nodeId),
    managementLeaderNodeId: nodeId(response.managementLeaderNodeId),
    nodes: response.nodes.map((node) => ({
      nodeId: nodeId(node.nodeId),
      address: node.address,
      managementRole: managementRoleOf(node.managementRole),
      isManagementLeader: node.isManagementLeader,
    })),
    groups: response.executionClusters.map((group) => ({
      groupId: groupOfWire(group.executionClusterId),
      members: group.members.map(nodeId),
      voters: group.voters.map(nodeId),
      learners: group.learners.map(nodeId),
      draining: group.draining,
      runningWorkflows: group.runningWorkflows,
      leaderId: nodeId(group.leaderNodeId),
      configIndex: logIndex(group.configIndex),
      faultTolerance: group.faultTolerance,
      ...(group.leaderlessMs < 0 ? {} : { leaderlessMs: group.leaderlessMs }),
    })),
    managementFaultTolerance: response.managementFaultTolerance,
    faultTolerance: response.faultTolerance,
    lostNodeIds: response.lostNodeIds.map(nodeId),
    managementVoterIds: response.managementVoterIds.map(nodeId),
  };
}

function runRequest(request: StartWorkflowRequest): RunWorkflowRequest {
  return {
    workflowType: request.workflowType,
    version: request.version,
    inputJson: JSON.stringify(request.input),
    executionClusterId: clusterText(request.executionClusterId),
    workflowId: request.workflowId ?? "",
  };
}

function stopMessage(request: StopWorkflowRequest): StopWorkflowMessage {
  return {
    workflowId: request.workflowId,
    executionClusterId: clusterText(request.executionClusterId),
    reason: request.reason ?? "",
  };
}

function stopResultOf(response: StopWorkflowResponse): StopWorkflowResult {
  return {
    workflowId: response.workflowId,
    executionClusterId: groupOfWire(response.executionClusterId),
    status: response.status,
    isDuplicate: response.duplicate,
  };
}

/** A proto3 string field, which is "" when unset. */
function textOrAbsent(text: string): string | undefined {
  return text === "" ? undefined : text;
}

function outcomeOf(response: RunWorkflowResponse): WorkflowOutcome {
  return outcomeOfWire({
    success: response.success,
    resultJson: textOrAbsent(response.resultJson),
    error: textOrAbsent(response.error),
    errorCode: textOrAbsent(response.errorCode),
    errorName: textOrAbsent(response.errorName),
  });
}

/** The call's options, carrying the start's trace as `traceparent` metadata if it has one. */
function withTrace(options: ClientCallOptions, request: StartWorkflowRequest) {
  if (request.traceId === undefined) return options;
  return { ...options, metadata: { [TRACEPARENT_HEADER]: traceparentOf(request.traceId) } };
}
