// What a node offers over the network, whatever the transport: inter-node Raft traffic,
// discovery and registration, health, and the workflow API. Transports are thin adapters
// from their wire formats to this interface; src/api implements it. Errors are thrown as
// RaftoralError subclasses with stable codes, which each adapter maps to its status codes.

import type { GroupId, JsonValue, LogIndex, NodeId, RetentionSetting } from "../lib/index.ts";
import type { TransportKind } from "./transport.ts";
import type { PeerBatch } from "./wire.ts";
import type { ListWorkflowsRequest, ListWorkflowsResult } from "./workflow-list.ts";

/** The answer to GET /discovery/peers and RaftService/Discover (QUICKSTART field names). */
export interface DiscoveryInfo {
  readonly nodeId: NodeId;
  readonly highestKnownNodeId: NodeId;
  readonly address: string;
  /** 0 when no management leader is known. */
  readonly managementLeaderNodeId: NodeId;
  /** "" when no management leader is known. */
  readonly managementLeaderAddress: string;
  readonly shouldJoinAsVoter: boolean;
  readonly currentVoterCount: number;
  readonly maxVoters: number;
  /** The protocol the cluster speaks (an addition to the QUICKSTART's fields). */
  readonly transport: TransportKind;
  /**
   * Node failures the whole cluster survives now, as this node knows it: the least of what the
   * management group and each execution cluster survive (an addition).
   */
  readonly faultTolerance: number;
  /**
   * Set while a node started with --bootstrap and --peers settles with its peers which of them
   * founds the cluster (node/founding.ts): absent otherwise (an addition).
   */
  readonly founding?: FoundingState;
  /**
   * The run of the program that answers (RegisterRequest.instanceId); absent from older
   * builds. A node taking a registration checks it at the address registered (an addition).
   */
  readonly instanceId?: string;
}

/** "candidate": deciding whether to found; "founding": decided to, asking the peers again. */
export type FoundingState = "candidate" | "founding";

/** The founding state a peer's answer names, as DiscoveryInfo's optional field. */
export function foundingOf(value: unknown): { founding?: FoundingState } {
  return value === "candidate" || value === "founding" ? { founding: value } : {};
}

export interface RegisterRequest {
  /** 0 asks the cluster to allocate an id. */
  readonly nodeId: NodeId;
  readonly address: string;
  /** Fingerprint of the joining node's workflow set; absent skips the check. */
  readonly workflowFingerprint?: string;
  /**
   * Names the joining process. A retry carries the same one; a process that restarted
   * without its storage has a new one, and is admitted as a new node. Absent: not checked.
   */
  readonly instanceId?: string;
  /**
   * The management rules the joining node's build applies (MANAGEMENT_RULES_VERSION); absent
   * or 0 from older builds. The cluster applies newer rules only once every node does.
   */
  readonly rulesVersion?: number;
  /**
   * Whether the joining node requires client certificates, has a cluster secret, and which
   * tokens it has (as HMACs), which must equal the cluster's (security-profile.ts); absent
   * from older builds, which only a cluster without those settings takes.
   */
  readonly securityProfile?: string;
}

export interface RegisterResult {
  readonly nodeId: NodeId;
}

/**
 * "ok": a workflow started on this node now succeeds. "starting": not ready yet (the node is
 * joining, or its groups are still forming). "unavailable": it was ready, and no longer is
 * (e.g. a group it hosts lost its leader). "stopping": shutting down or leaving.
 */
export type HealthStatus = (typeof HEALTH_STATUSES)[number];
export const HEALTH_STATUSES = ["ok", "starting", "unavailable", "stopping"] as const;

export interface HealthInfo {
  readonly status: HealthStatus;
  readonly nodeId: NodeId;
  /** Whether this node leads the management group. */
  readonly isLeader: boolean;
  /** Why the status is not "ok"; absent when it is. */
  readonly reason?: string;
}

/** A group this node hosts, as this node sees it now (NodeApi.healthDetails). */
export interface GroupHealthDetail {
  readonly groupId: GroupId;
  readonly role: string;
  /** The leader this node knows; 0 while none. */
  readonly leaderId: NodeId;
  readonly term: number;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  /**
   * Committed entries this node's replica has yet to apply, those it does not hold yet
   * included: how far it is catching up (RawNode.unappliedCommits).
   */
  readonly unappliedEntries: number;
  /** How long this node has seen the group without a leader; 0 while it has one. */
  readonly leaderlessMs: number;
  /** Voter failures the group survives, when this node can tell (it leads the group). */
  readonly faultTolerance?: number;
}

/** One node of the cluster as the answering node reached it just now (NodeApi.probeNodes). */
export interface NodeProbe {
  readonly nodeId: NodeId;
  readonly address: string;
  /** Its health, or "unreachable" when it did not answer in time. */
  readonly status: HealthStatus | "unreachable";
  readonly reason?: string;
  /** Round trip of the health call; absent when unreachable. */
  readonly latencyMs?: number;
}

export interface StartWorkflowRequest {
  readonly workflowType: string;
  readonly version: number;
  /** The input, parsed and checked by the gateway (at most JSON_DEPTH_MAX deep). */
  readonly input: JsonValue;
  /** Run it in this execution group (the node picks the least loaded one otherwise). */
  readonly executionClusterId?: GroupId;
  /**
   * The caller's id for it (unchecked here; the node checks it). Starting an id again gives
   * the same workflow, or ALREADY_EXISTS when the workflow, version or input differ.
   */
  readonly workflowId?: string;
  /** The W3C trace id the start belongs to (from a traceparent header or metadata). */
  readonly traceId?: string;
}

export interface StartWorkflowResult {
  readonly workflowId: string;
  readonly executionClusterId: GroupId;
  /**
   * The caller's workflowId was started before (same name, version and input): this start
   * answered that workflow and started nothing. A call the client sent again after losing
   * its answer may see its own first attempt here.
   */
  readonly alreadyStarted: boolean;
}

export interface WaitWorkflowRequest {
  readonly workflowId: string;
  /** The group that holds it, if the caller knows; absent: any group. */
  readonly executionClusterId?: GroupId;
  readonly timeoutSeconds: number;
}

/** An event for a running workflow's ctx.waitForEvent(name). */
export interface SignalWorkflowRequest {
  readonly workflowId: string;
  /** The group that holds it, if the caller knows; absent: the node finds the workflow. */
  readonly executionClusterId?: GroupId;
  /** The event name the workflow waits for. */
  readonly name: string;
  /** The payload, parsed and checked by the gateway. */
  readonly payload: JsonValue;
  /** The sender's id for the event: a repeat with the same id is delivered once. */
  readonly eventId?: string;
}

export interface SignalWorkflowResult {
  readonly workflowId: string;
  readonly executionClusterId: GroupId;
  /** The event's id (the sender's, or one the node made up). */
  readonly eventId: string;
  /** The workflow had this event id already: nothing was added. */
  readonly isDuplicate: boolean;
}

/** Cancel (the code sees a CancelledError at its next ctx call) or terminate (ends it now). */
export interface StopWorkflowRequest {
  readonly workflowId: string;
  /** The group that holds it, if the caller knows; absent: the node finds the workflow. */
  readonly executionClusterId?: GroupId;
  /** Why, for the record and the workflow's error; absent: none. */
  readonly reason?: string;
}

export interface StopWorkflowResult {
  readonly workflowId: string;
  readonly executionClusterId: GroupId;
  /**
   * The workflow's status once the request was applied: "running" while a cancelled
   * workflow has not ended yet, "terminated" after a terminate, or how it ended.
   */
  readonly status: string;
  /** It had been cancelled (terminated) before: nothing changed. */
  readonly isDuplicate: boolean;
}

export interface DescribeWorkflowRequest {
  readonly workflowId: string;
  /** The group that holds it, if the caller knows; absent: the node finds the workflow. */
  readonly executionClusterId?: GroupId;
}

/** One recorded ctx call of a described workflow. */
export interface CheckpointInfo {
  readonly seq: number;
  /** checkpoint, set, step, sleep, wake, child, event-wait, event or patch (ctx.patched). */
  readonly kind: string;
  readonly name: string;
  readonly atMs: number;
  /** The error message a failed step recorded. */
  readonly error?: string;
  /** A step: how often its body ran, and for how long (absent for other calls). */
  readonly attempts?: number;
  readonly durationMs?: number;
  /** A child call that started its child: the child's id and execution cluster. */
  readonly childWorkflowId?: string;
  readonly childExecutionClusterId?: GroupId;
}

/** A workflow as one member of its group has applied it (NodeApi.describeWorkflow). */
export interface WorkflowDescriptionInfo {
  readonly workflowId: string;
  readonly executionClusterId: GroupId;
  readonly name: string;
  readonly version: number;
  /** running, sleeping, waiting, completed, failed, cancelled or terminated. */
  readonly status: string;
  readonly input: JsonValue;
  readonly ownerNodeId: NodeId;
  readonly ownerEpoch: number;
  readonly startedAtMs: number;
  /** The W3C trace id of the request that started it. */
  readonly traceId?: string;
  readonly finishedAtMs?: number;
  /** Completed: what it returned. */
  readonly output?: JsonValue;
  /** Failed, cancelled or terminated: why. */
  readonly failure?: WorkflowFailure;
  /** Sleeping: when its timer is due; waiting: when the wait times out. */
  readonly wakeAtMs?: number;
  /** Waiting: the event name. */
  readonly waitingFor?: string;
  /** Waiting for a child workflow's result: the child's workflow id. */
  readonly waitingForChild?: string;
  /**
   * Running, but the node that answered does not register its (name, version): why it makes
   * no progress (its owner, if it runs the same set, leaves it alone) and what to do.
   */
  readonly held?: string;
  /** Events sent to it that no wait took yet. */
  readonly pendingEvents: number;
  /** A cancel was asked of it then (its code sees it at its next ctx call), and why. */
  readonly cancelRequestedAtMs?: number;
  readonly cancelReason?: string;
  readonly checkpoints: readonly CheckpointInfo[];
}

/** Why a workflow failed, as its group recorded it. */
export interface WorkflowFailure {
  /** The error's class name (e.g. "Error", "CancelledError"). */
  readonly name: string;
  readonly message: string;
  /** The error's stable code, if it had one: CANCELLED, TERMINATED, a step's code... */
  readonly code?: string;
}

/** How a finished workflow ended. */
export type WorkflowOutcome =
  | { readonly success: true; readonly output: JsonValue }
  | { readonly success: false; readonly failure: WorkflowFailure };

/** How a node takes part in the management group's Raft configuration. */
export type ManagementRole = "voter" | "learner" | "joining";

/** One node of the cluster, as the answering node sees it. */
export interface ClusterNodeStatus {
  readonly nodeId: NodeId;
  readonly address: string;
  /** "joining": registered, but not in the management group's configuration yet. */
  readonly managementRole: ManagementRole;
  readonly isManagementLeader: boolean;
}

/** One execution group (an "execution cluster" on the wire). */
export interface ExecutionGroupStatus {
  readonly groupId: GroupId;
  /** Who should be in the group (the management group's decision). */
  readonly members: readonly NodeId[];
  /** The group's Raft configuration, as its leader last reported it. */
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
  /** A draining group takes no new workflows; once they finished, its results move on and it goes. */
  readonly draining: boolean;
  readonly runningWorkflows: number;
  /** The leader as last reported (or as this node knows it, if it hosts the group); 0 = none. */
  readonly leaderId: NodeId;
  /** The log index of the configuration in voters and learners; 0 = none reported yet. */
  readonly configIndex: LogIndex;
  /** Voter failures the group survives now (its leader's view, or its last report). */
  readonly faultTolerance: number;
  /**
   * How long the group has had no leader, as the answering node sees it: 0 when it has one;
   * absent when the answering node does not host the group and cannot tell.
   */
  readonly leaderlessMs?: number;
}

/** The answer to GET /cluster/status and RaftService/GetClusterStatus. */
export interface ClusterStatus {
  readonly clusterId: string;
  readonly transport: TransportKind;
  /** The node that answered. */
  readonly nodeId: NodeId;
  /** 0 when no management leader is known. */
  readonly managementLeaderNodeId: NodeId;
  /** By id, ascending. */
  readonly nodes: readonly ClusterNodeStatus[];
  /** By id, ascending. */
  readonly groups: readonly ExecutionGroupStatus[];
  /** Voter failures the management group survives now. */
  readonly managementFaultTolerance: number;
  /** Node failures the whole cluster survives now: the least over all its groups. */
  readonly faultTolerance: number;
  /** Voters a forced recovery left behind (ManagementState.lostNodes), ascending. */
  readonly lostNodeIds: readonly NodeId[];
  /**
   * The management group's voters (both halves of a joint configuration) in the configuration
   * the answering node applied (committed), ascending. Empty when unknown (a node not hosting the group
   * yet, or a version that did not send it). A leaving node reads its leader's: its own
   * replica stops hearing of changes once the group dropped it (leave-cluster.ts).
   */
  readonly managementVoterIds?: readonly NodeId[];
}

/** The answer to POST /node/leave and RaftService/LeaveCluster. */
export interface LeaveResult {
  /** The node that left; its process stops right after answering. */
  readonly nodeId: NodeId;
}

/** POST /cluster/recover and RaftService/RecoverGroups. */
export interface RecoverRequest {
  /** Only these groups (0 = the management group); absent: every group hosted here that lost its leader. */
  readonly groupIds?: readonly GroupId[];
  /** Only say what would be done. */
  readonly dryRun: boolean;
}

/** One group an operator's recovery found (and, unless a dry run, forced). */
export interface RecoveredGroup {
  readonly groupId: GroupId;
  readonly leaderlessMs: number;
  /** The last entry of this replica's log: all of it is kept (and committed by the recovery). */
  readonly lastIndex: LogIndex;
  /** What this replica knew was committed: entries past it were not known to be. */
  readonly commitIndex: LogIndex;
  /** Voters of the lost configuration other than this node: the group drops them. */
  readonly droppedVoters: readonly NodeId[];
  /** False in a dry run. */
  readonly isRecovered: boolean;
}

export interface RecoverResult {
  readonly groups: readonly RecoveredGroup[];
}

/** GET and POST /cluster/retention, RaftService/ClusterRetention: absent fields stay. */
export interface RetentionRequest {
  readonly finishedMax?: number;
  readonly retainForMs?: number;
  readonly retainAtLeastMs?: number;
}

/** The cluster's retention setting, after the request's change if it made one. */
export interface RetentionInfo {
  readonly retention: RetentionSetting;
  /** False: never set (a cluster older than the setting); the groups keep built-in limits. */
  readonly isSet: boolean;
}

export interface CallOptions {
  /** Aborted when the caller goes away or its deadline passes. */
  readonly signal?: AbortSignal;
}

export interface NodeApi {
  /** Inter-node traffic, already decoded and validated. Never blocks; may throw a typed error. */
  receivePeerBatch(batch: PeerBatch): void;
  discover(): Promise<DiscoveryInfo>;
  register(request: RegisterRequest, options?: CallOptions): Promise<RegisterResult>;
  health(): HealthInfo;
  startWorkflow(request: StartWorkflowRequest, options?: CallOptions): Promise<StartWorkflowResult>;
  waitWorkflow(request: WaitWorkflowRequest, options?: CallOptions): Promise<WorkflowOutcome>;
  runWorkflow(request: StartWorkflowRequest, options?: CallOptions): Promise<WorkflowOutcome>;
  /**
   * Sends an event into a running workflow; resolves once it is committed in its inbox.
   * NOT_FOUND for an unknown workflow, FAILED_PRECONDITION for a finished one.
   */
  signalWorkflow(
    request: SignalWorkflowRequest,
    options?: CallOptions,
  ): Promise<SignalWorkflowResult>;
  /**
   * Asks a running workflow to stop: its code sees a CancelledError at its next ctx call (a
   * sleep or event wait is woken for it) and may clean up. Resolves once the request is
   * committed. A repeat is acknowledged; NOT_FOUND for an unknown workflow,
   * FAILED_PRECONDITION for one that finished before any cancel.
   */
  cancelWorkflow(request: StopWorkflowRequest, options?: CallOptions): Promise<StopWorkflowResult>;
  /**
   * Ends a running workflow at once (status terminated, error code TERMINATED); nothing its
   * run does afterwards is recorded. Errors as for cancelWorkflow.
   */
  terminateWorkflow(
    request: StopWorkflowRequest,
    options?: CallOptions,
  ): Promise<StopWorkflowResult>;
  /** The workflow's status, input, owner, times and recorded calls. NOT_FOUND if unknown. */
  describeWorkflow(
    request: DescribeWorkflowRequest,
    options?: CallOptions,
  ): Promise<WorkflowDescriptionInfo>;
  /**
   * A page of workflows of every execution cluster (or one), newest first, filtered by
   * status, name and start time. A cluster that cannot answer is named in the result's
   * unavailableClusters, not left out in silence. INVALID_ARGUMENT for a bad filter or token.
   */
  listWorkflows(request: ListWorkflowsRequest, options?: CallOptions): Promise<ListWorkflowsResult>;
  /** Nodes, their management roles, and the execution groups with members and leaders. */
  clusterStatus(): Promise<ClusterStatus>;
  /** This node's metrics in the Prometheus text exposition format (docs/metrics.md). */
  metrics(): string;
  /** The health, and why: every hosted group's leader, term, indexes and leaderless time. */
  healthDetails(): HealthInfo & { readonly groups: readonly GroupHealthDetail[] };
  /** Asks every node of the cluster for its health now, in parallel (for the console). */
  probeNodes(options?: CallOptions): Promise<readonly NodeProbe[]>;
  /**
   * Removes this node from the cluster (management group and execution groups). Resolves once
   * the removal is committed and this node is out of the groups' configurations; the node
   * then stops by itself, after the answer had time to leave.
   */
  leave(options?: CallOptions): Promise<LeaveResult>;
  /**
   * Operator recovery of groups that lost their majority for good: this node becomes the only
   * voter of each (see MultiRaftHost.forceSoleVoter). Acknowledged entries that only the lost
   * voters held are gone. A group that has a leader is refused (FAILED_PRECONDITION).
   */
  recoverGroups(request: RecoverRequest, options?: CallOptions): Promise<RecoverResult>;
  /**
   * Reads the cluster's retention of finished workflows, or changes the fields the request
   * gives (committed in the management group; each execution group follows within moments).
   */
  clusterRetention(request: RetentionRequest, options?: CallOptions): Promise<RetentionInfo>;
}
