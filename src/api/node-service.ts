// The NodeApi every transport serves: inter-node traffic into the Raft host, discovery and
// registration through the management group, health, and the workflow operations of the
// execution layer. Transport-neutral: HTTP and gRPC are thin adapters onto it.

import {
  InvalidArgumentError,
  MANAGEMENT_GROUP,
  type NodeId,
  nodeId,
  parseAddress,
  RaftoralError,
} from "../lib/index.ts";
import {
  encodeManagementCommand,
  highestNodeId,
  type ManagementMachine,
  ManagementRefusal,
  type ManagementState,
  managementResultOf,
} from "../management/index.ts";
import { ApplyError, type MultiRaftHost } from "../multiraft/index.ts";
import {
  type CallOptions,
  type ClusterStatus,
  checkSecurityProfile,
  type DescribeWorkflowRequest,
  type DiscoveryInfo,
  type HealthInfo,
  type LeaveResult,
  type ListWorkflowsRequest,
  type ListWorkflowsResult,
  type NodeApi,
  type NodeProbe,
  type PeerBatch,
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
  type TransportKind,
  type WaitWorkflowRequest,
  type WorkflowDescriptionInfo,
  type WorkflowOutcome,
} from "../transport/index.ts";
import { clusterRetention } from "./cluster-retention.ts";
import { type ClusterStatusInputs, clusterStatusOf } from "./cluster-status.ts";
import type { ExecutionLayer } from "./execution-layer.ts";
import { checkMayRecover } from "./recover-check.ts";
import { checkMayTakeRegistration } from "./register-check.ts";

export interface NodeServiceOptions {
  readonly host: MultiRaftHost;
  readonly machine: ManagementMachine;
  readonly execution: ExecutionLayer;
  readonly self: NodeId;
  readonly address: string;
  /** Names this run of the program (DiscoveryInfo.instanceId). */
  readonly instance: string;
  readonly transport: TransportKind;
  readonly maxVoters: number;
  readonly proposalTimeoutMs: number;
  /** This node's health of the moment (see src/node/node-health.ts). */
  readonly health: () => HealthInfo;
  /** What this node knows first-hand of a hosted group's health (see clusterStatusOf). */
  readonly groupHealth: ClusterStatusInputs["localHealthOf"];
  /**
   * Why the management group has had no leader here for a while (see LeaderWatch), or
   * undefined while it has one: such a node may be cut off from the cluster.
   */
  readonly managementLeaderless: () => string | undefined;
  /**
   * Removes this node from the cluster; resolves once it is out of its groups. The node
   * stops by itself shortly after, so the caller still gets the answer. Rejects with NOT_FOUND
   * on a node that is not a member and not on its way out.
   */
  readonly leave: () => Promise<void>;
  /** This node's metrics, rendered (see NodeApi.metrics). */
  readonly metrics: () => string;
  /**
   * Rejects a registration whose address does not lead to the joining node (see
   * src/node/registrant-address.ts): recorded, it would be sent to by every group for good.
   */
  readonly checkRegistrant: (request: RegisterRequest) => Promise<void>;
  /** This node's security profile, which a joining node's must equal; absent: not checked. */
  readonly securityProfile?: string | undefined;
  /** Every node's health as this node reaches it (see NodeApi.probeNodes). */
  readonly probeNodes: () => Promise<readonly NodeProbe[]>;
  /** Forces the groups that lost their majority to this node (see NodeApi.recoverGroups). */
  readonly recover: (request: RecoverRequest) => Promise<RecoverResult>;
}

export class NodeService implements NodeApi {
  constructor(private readonly options: NodeServiceOptions) {}

  receivePeerBatch(batch: PeerBatch): void {
    const { host } = this.options;
    const own = this.options.machine.state().clusterId;
    if (batch.clusterId !== undefined && own !== "" && batch.clusterId !== own) {
      throw new RaftoralError(
        "FAILED_PRECONDITION",
        `node ${this.options.self} belongs to cluster ${own}, and node ${batch.from} to cluster ` +
          `${batch.clusterId}: two clusters reach each other. Either node ${batch.from} was given ` +
          `another cluster's --peers, or node ${this.options.self} at ${this.options.address} ` +
          "started a cluster of its own at an address the other still lists (a node that lost " +
          "its storage, started with --bootstrap again): stop that one, clear its storage and " +
          "start it with --peers instead",
      );
    }
    host.receive(batch);
  }

  async discover(): Promise<DiscoveryInfo> {
    const state = this.options.machine.state();
    const { host } = this.options;
    const management = host.inspect(MANAGEMENT_GROUP)?.status();
    const leader = management?.leaderId ?? nodeId(0);
    const voters = management?.confState.voters.length ?? 0;
    const maxVoters = state.clusterId === "" ? this.options.maxVoters : state.maxVoters;
    return {
      nodeId: this.options.self,
      highestKnownNodeId: highestNodeId(state),
      address: this.options.address,
      managementLeaderNodeId: leader,
      managementLeaderAddress: state.nodes.get(leader)?.address ?? "",
      shouldJoinAsVoter: voters < maxVoters,
      currentVoterCount: voters,
      maxVoters,
      transport: state.clusterId === "" ? this.options.transport : state.transport,
      faultTolerance: state.clusterId === "" ? 0 : this.statusOf(host, state).faultTolerance,
      instanceId: this.options.instance,
    };
  }

  async register(request: RegisterRequest): Promise<RegisterResult> {
    const { host } = this.options;
    const parsed = parseAddress(request.address);
    if (!parsed.ok) {
      // Recorded, it would be sent to by every group the node is placed in, for good.
      throw new InvalidArgumentError(
        `cannot register address '${request.address}': ${parsed.problem}; a node registers ` +
          "the host:port the other nodes reach it at",
      );
    }
    const state = this.options.machine.state();
    if (state.clusterId === "") {
      throw new RaftoralError(
        "UNAVAILABLE",
        "this node has not joined a cluster yet; register with another node",
      );
    }
    checkMayTakeRegistration(state, this.options.self);
    // A registration waits for the management leader; one cut off would only time out.
    const leaderless = this.options.managementLeaderless();
    if (leaderless !== undefined) {
      throw new RaftoralError(
        "UNAVAILABLE",
        `${leaderless}. This node may be cut off from the cluster: register through another node`,
      );
    }
    const { securityProfile } = this.options;
    if (securityProfile !== undefined) {
      checkSecurityProfile(securityProfile, request.securityProfile, this.options.self);
    }
    await this.options.checkRegistrant(request);
    const answer = await host
      .propose(
        MANAGEMENT_GROUP,
        encodeManagementCommand({
          type: "registerNode",
          address: request.address,
          requestedId: request.nodeId,
          workflowFingerprint: request.workflowFingerprint ?? state.workflowFingerprint,
          instance: request.instanceId ?? "",
          ...(request.rulesVersion === undefined ? {} : { rulesVersion: request.rulesVersion }),
        }),
        { timeoutMs: this.options.proposalTimeoutMs },
      )
      .catch((error: unknown) => {
        // The refusal itself, with its code (ALREADY_EXISTS for a taken id), not its wrapping.
        throw error instanceof ApplyError && error.cause instanceof ManagementRefusal
          ? error.cause
          : error;
      });
    return { nodeId: managementResultOf(answer, "nodeId", "a registration").nodeId };
  }

  health(): HealthInfo {
    return this.options.health();
  }

  healthDetails(): ReturnType<NodeApi["healthDetails"]> {
    const { host } = this.options;
    const groups = host.groupIds().flatMap((groupId) => {
      const status = host.inspect(groupId)?.status();
      if (status === undefined) return [];
      const local = this.options.groupHealth(groupId);
      return [
        {
          groupId,
          role: status.role,
          leaderId: status.leaderId,
          term: status.term,
          commitIndex: status.commit,
          appliedIndex: status.applied,
          unappliedEntries: host.inspect(groupId)?.unappliedCommits() ?? 0,
          leaderlessMs: local.leaderlessMs ?? 0,
          ...(local.faultTolerance === undefined ? {} : { faultTolerance: local.faultTolerance }),
        },
      ];
    });
    return { ...this.options.health(), groups };
  }

  startWorkflow(
    request: StartWorkflowRequest,
    options?: CallOptions,
  ): Promise<StartWorkflowResult> {
    return this.options.execution.startWorkflow(request, options);
  }

  waitWorkflow(request: WaitWorkflowRequest, options?: CallOptions): Promise<WorkflowOutcome> {
    return this.options.execution.waitWorkflow(request, options);
  }

  runWorkflow(request: StartWorkflowRequest, options?: CallOptions): Promise<WorkflowOutcome> {
    return this.options.execution.runWorkflow(request, options);
  }

  metrics(): string {
    return this.options.metrics();
  }

  probeNodes(): Promise<readonly NodeProbe[]> {
    return this.options.probeNodes();
  }

  signalWorkflow(
    request: SignalWorkflowRequest,
    options?: CallOptions,
  ): Promise<SignalWorkflowResult> {
    return this.options.execution.signalWorkflow(request, options);
  }

  cancelWorkflow(request: StopWorkflowRequest, options?: CallOptions): Promise<StopWorkflowResult> {
    return this.options.execution.cancelWorkflow(request, options);
  }

  terminateWorkflow(
    request: StopWorkflowRequest,
    options?: CallOptions,
  ): Promise<StopWorkflowResult> {
    return this.options.execution.terminateWorkflow(request, options);
  }

  describeWorkflow(
    request: DescribeWorkflowRequest,
    options?: CallOptions,
  ): Promise<WorkflowDescriptionInfo> {
    return this.options.execution.describeWorkflow(request, options);
  }

  listWorkflows(
    request: ListWorkflowsRequest,
    options?: CallOptions,
  ): Promise<ListWorkflowsResult> {
    return this.options.execution.listWorkflows(request, options);
  }

  async clusterStatus(): Promise<ClusterStatus> {
    const { host } = this.options;
    const state = this.options.machine.state();
    if (state.clusterId === "") {
      throw new RaftoralError(
        "UNAVAILABLE",
        "this node has not joined a cluster yet; ask another node, or retry shortly",
      );
    }
    return this.statusOf(host, state);
  }

  private statusOf(host: MultiRaftHost, state: ManagementState): ClusterStatus {
    return clusterStatusOf({
      state,
      self: this.options.self,
      transport: state.transport,
      management: host.inspect(MANAGEMENT_GROUP)?.status(),
      localLeaderOf: (id) => host.inspect(id)?.status().leaderId,
      localHealthOf: this.options.groupHealth,
    });
  }

  async leave(): Promise<LeaveResult> {
    const self = this.options.self;
    const state = this.options.machine.state();
    const { status } = this.options.health();
    if (status === "starting" || status === "stopping") {
      const next =
        status === "starting"
          ? "leave it once it is ready (raftoral node health says ok)"
          : "it stays a member: start it again and leave it once it is ready, or let the " +
            "cluster remove it after the failure timeout";
      throw new RaftoralError(
        "NOT_FOUND",
        `node ${self} is not an active member of a cluster (it is ${status}); ${next}`,
      );
    }
    if (state.nodes.size === 1 && state.nodes.has(self)) {
      // Removing the last node would leave a cluster with no members and no way back. The
      // cluster's state, not the request, is what stands in the way: FAILED_PRECONDITION.
      throw new RaftoralError(
        "FAILED_PRECONDITION",
        `node ${self} is the only node of the cluster; stop it (SIGTERM) instead of leaving`,
      );
    }
    await this.options.leave();
    return { nodeId: self };
  }

  async recoverGroups(request: RecoverRequest): Promise<RecoverResult> {
    checkMayRecover(this.options.machine.state(), this.options.self);
    return this.options.recover(request);
  }

  clusterRetention(request: RetentionRequest): Promise<RetentionInfo> {
    return clusterRetention(this.options, request);
  }
}
