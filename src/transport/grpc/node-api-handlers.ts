// raftoral.RaftService and raftoral.WorkflowManagement as thin adapters onto a NodeApi: decode
// and check the request, make one NodeApi call with the call's abort signal, shape the reply.
// Typed errors leave as gRPC statuses through statusOfError (the server does that); a
// workflow that itself failed is a normal reply with success = false and its error text.

import { groupId, nodeId } from "../../lib/index.ts";
import {
  type ClusterStatus,
  clusterHint,
  type DiscoveryInfo,
  type NodeApi,
  requiredText,
  TRACEPARENT_HEADER,
  type WorkflowDescriptionInfo,
  type WorkflowOutcome,
  withTraceOf,
} from "../index.ts";
import { signalRequestOf, startRequestOf, waitRequestOf } from "./grpc-request-fields.ts";
import { registerListWorkflows } from "./list-handler.ts";
import { batchOfGenericMessage } from "./peer-batch-message.ts";
import type {
  ClusterStatusResponse,
  DescribeWorkflowResponse,
  DiscoveryResponse,
  RunWorkflowResponse,
} from "./raftoral-messages.ts";
import { RaftServiceMethods, WorkflowManagementMethods } from "./raftoral-methods.ts";
import { registerClusterRetention } from "./retention-handler.ts";
import type { GrpcServer } from "./server.ts";
import { registerStopWorkflow } from "./stop-workflow-handlers.ts";

export interface RaftServiceOptions {
  /** Largest SendMessage request (a peer batch, with snapshot chunks). */
  readonly peerMessageBytesMax: number;
}

/** SendMessage (a batch per call) and StreamMessages (a stream of them per peer). */
function registerPeerTraffic(server: GrpcServer, api: NodeApi, options: RaftServiceOptions): void {
  server.addUnary(
    RaftServiceMethods.sendMessage,
    async (request) => {
      api.receivePeerBatch(batchOfGenericMessage(request));
      return { success: true, error: "" };
    },
    { receiveMessageBytesMax: options.peerMessageBytesMax, isPeerTraffic: true },
  );
  server.addBidiStreaming(
    RaftServiceMethods.streamMessages,
    async function* (requests) {
      // Accepted (the credentials were checked before the call began): the sender may write.
      yield { success: true, error: "" };
      // A batch the node refuses throws, which ends the stream with its status.
      for await (const request of requests) api.receivePeerBatch(batchOfGenericMessage(request));
    },
    { receiveMessageBytesMax: options.peerMessageBytesMax, isPeerTraffic: true },
  );
}

/** Registers RaftService's methods (peer traffic, discovery, status, leaving...) on `server`. */
export function registerRaftService(
  server: GrpcServer,
  api: NodeApi,
  options: RaftServiceOptions,
): void {
  registerPeerTraffic(server, api, options);
  server.addUnary(RaftServiceMethods.discover, async () => discoveryResponse(await api.discover()));
  server.addUnary(RaftServiceMethods.addNode, async (request, context) => {
    const address = requiredText(request.address, "address", 'the joining node\'s "host:port"');
    const fingerprint = request.workflowFingerprint;
    const result = await api.register(
      {
        nodeId: nodeId(request.nodeId),
        address,
        ...(fingerprint === "" ? {} : { workflowFingerprint: fingerprint }),
        ...(request.instanceId === "" ? {} : { instanceId: request.instanceId }),
        ...(request.rulesVersion === 0 ? {} : { rulesVersion: request.rulesVersion }),
        ...(request.securityProfile === "" ? {} : { securityProfile: request.securityProfile }),
      },
      { signal: context.signal },
    );
    return { success: true, error: "", nodeId: result.nodeId };
  });
  server.addUnary(RaftServiceMethods.getClusterStatus, async () =>
    clusterStatusResponse(await api.clusterStatus()),
  );
  server.addUnary(RaftServiceMethods.leaveCluster, async (_request, context) => {
    const left = await api.leave({ signal: context.signal });
    return { success: true, error: "", nodeId: left.nodeId };
  });
  server.addUnary(RaftServiceMethods.getNodeHealth, async () => {
    const health = api.health();
    return {
      status: health.status,
      nodeId: health.nodeId,
      isLeader: health.isLeader,
      reason: health.reason ?? "",
    };
  });
  server.addUnary(RaftServiceMethods.recoverGroups, async (request, context) => {
    const result = await api.recoverGroups(
      {
        ...(request.clusterIds.length === 0 ? {} : { groupIds: request.clusterIds.map(groupId) }),
        dryRun: request.dryRun,
      },
      { signal: context.signal },
    );
    return {
      groups: result.groups.map((group) => ({
        clusterId: group.groupId,
        leaderlessMs: group.leaderlessMs,
        lastIndex: group.lastIndex,
        commitIndex: group.commitIndex,
        droppedVoters: group.droppedVoters,
        recovered: group.isRecovered,
      })),
    };
  });
  registerClusterRetention(server, api);
}

export interface WorkflowManagementOptions {
  /** Largest input_json accepted, in UTF-8 bytes (RESOURCE_EXHAUSTED beyond). */
  readonly inputBytesMax: number;
}

/**
 * Registers RunWorkflowAsync, RunWorkflowSync, WaitForWorkflowCompletion, SignalWorkflow,
 * DescribeWorkflow, ListWorkflows, CancelWorkflow and TerminateWorkflow on `server`.
 */
export function registerWorkflowManagement(
  server: GrpcServer,
  api: NodeApi,
  options: WorkflowManagementOptions,
): void {
  server.addUnary(WorkflowManagementMethods.runWorkflowAsync, async (request, context) => {
    const start = withTraceOf(
      startRequestOf(request, options.inputBytesMax),
      context.metadata[TRACEPARENT_HEADER],
    );
    const started = await api.startWorkflow(start, { signal: context.signal });
    return {
      success: true,
      workflowId: started.workflowId,
      executionClusterId: String(started.executionClusterId),
      error: "",
      alreadyStarted: started.alreadyStarted,
    };
  });
  // No timeout field in the request: the call's deadline (its signal) bounds the run.
  server.addUnary(WorkflowManagementMethods.runWorkflowSync, async (request, context) => {
    const start = withTraceOf(
      startRequestOf(request, options.inputBytesMax),
      context.metadata[TRACEPARENT_HEADER],
    );
    return outcomeResponse(await api.runWorkflow(start, { signal: context.signal }));
  });
  server.addUnary(WorkflowManagementMethods.waitForWorkflowCompletion, async (request, context) => {
    const wait = waitRequestOf(request);
    return outcomeResponse(await api.waitWorkflow(wait, { signal: context.signal }));
  });
  server.addUnary(WorkflowManagementMethods.describeWorkflow, async (request, context) => {
    const workflowId = requiredText(request.workflowId, "workflow_id", "the workflow to describe");
    const described = await api.describeWorkflow(
      { workflowId, ...clusterHint(request.executionClusterId, "execution_cluster_id") },
      { signal: context.signal },
    );
    return describeResponse(described);
  });
  server.addUnary(WorkflowManagementMethods.signalWorkflow, async (request, context) => {
    const signal = signalRequestOf(request, options.inputBytesMax);
    const sent = await api.signalWorkflow(signal, { signal: context.signal });
    return {
      success: true,
      workflowId: sent.workflowId,
      executionClusterId: String(sent.executionClusterId),
      eventId: sent.eventId,
      duplicate: sent.isDuplicate,
    };
  });
  registerListWorkflows(server, api);
  registerStopWorkflow(server, api);
}

function describeResponse(info: WorkflowDescriptionInfo): DescribeWorkflowResponse {
  return {
    workflowId: info.workflowId,
    executionClusterId: String(info.executionClusterId),
    name: info.name,
    version: info.version,
    status: info.status,
    inputJson: JSON.stringify(info.input),
    ownerNodeId: info.ownerNodeId,
    ownerEpoch: info.ownerEpoch,
    startedAtMs: info.startedAtMs,
    traceId: info.traceId ?? "",
    finishedAtMs: info.finishedAtMs ?? 0,
    resultJson: info.output === undefined ? "" : JSON.stringify(info.output),
    error: info.failure?.message ?? "",
    errorCode: info.failure?.code ?? "",
    errorName: info.failure?.name ?? "",
    wakeAtMs: info.wakeAtMs ?? 0,
    waitingFor: info.waitingFor ?? "",
    waitingForChild: info.waitingForChild ?? "",
    held: info.held ?? "",
    pendingEvents: info.pendingEvents,
    cancelRequestedAtMs: info.cancelRequestedAtMs ?? 0,
    cancelReason: info.cancelReason ?? "",
    checkpoints: info.checkpoints.map((checkpoint) => ({
      seq: checkpoint.seq,
      kind: checkpoint.kind,
      name: checkpoint.name,
      atMs: checkpoint.atMs,
      error: checkpoint.error ?? "",
      attempts: checkpoint.attempts ?? 0,
      durationMs: checkpoint.durationMs ?? 0,
      childWorkflowId: checkpoint.childWorkflowId ?? "",
      childExecutionClusterId:
        checkpoint.childExecutionClusterId === undefined
          ? ""
          : String(checkpoint.childExecutionClusterId),
    })),
  };
}

function discoveryResponse(info: DiscoveryInfo): DiscoveryResponse {
  // `transport` has no field in the original DiscoveryResponse: a gRPC caller speaks gRPC.
  return {
    nodeId: info.nodeId,
    highestKnownNodeId: info.highestKnownNodeId,
    address: info.address,
    managementLeaderNodeId: info.managementLeaderNodeId,
    managementLeaderAddress: info.managementLeaderAddress,
    shouldJoinAsVoter: info.shouldJoinAsVoter,
    currentVoterCount: info.currentVoterCount,
    maxVoters: info.maxVoters,
    faultTolerance: info.faultTolerance,
    founding: info.founding ?? "",
    instanceId: info.instanceId ?? "",
  };
}

function clusterStatusResponse(status: ClusterStatus): ClusterStatusResponse {
  return {
    clusterId: status.clusterId,
    transport: status.transport,
    nodeId: status.nodeId,
    managementLeaderNodeId: status.managementLeaderNodeId,
    nodes: status.nodes.map((node) => ({
      nodeId: node.nodeId,
      address: node.address,
      managementRole: node.managementRole,
      isManagementLeader: node.isManagementLeader,
    })),
    executionClusters: status.groups.map((group) => ({
      executionClusterId: String(group.groupId),
      members: group.members,
      voters: group.voters,
      learners: group.learners,
      draining: group.draining,
      runningWorkflows: group.runningWorkflows,
      leaderNodeId: group.leaderId,
      configIndex: group.configIndex,
      faultTolerance: group.faultTolerance,
      leaderlessMs: group.leaderlessMs ?? -1,
    })),
    managementFaultTolerance: status.managementFaultTolerance,
    faultTolerance: status.faultTolerance,
    lostNodeIds: status.lostNodeIds,
    managementVoterIds: status.managementVoterIds ?? [],
  };
}

function outcomeResponse(outcome: WorkflowOutcome): RunWorkflowResponse {
  if (outcome.success) {
    return {
      success: true,
      resultJson: JSON.stringify(outcome.output),
      error: "",
      errorCode: "",
      errorName: "",
    };
  }
  const { failure } = outcome;
  return {
    success: false,
    resultJson: "",
    error: failure.message,
    errorCode: failure.code ?? "",
    errorName: failure.name,
  };
}
