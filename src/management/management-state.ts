// The replicated state of the management group (group 0): which nodes are in the cluster,
// which execution groups exist with their desired members, and the counters that hand out
// node and group ids. Changed only by applying ManagementCommands (management-machine.ts).

import {
  type GroupId,
  groupId,
  type LogIndex,
  type NodeId,
  nodeId,
  type RetentionSetting,
} from "../lib/index.ts";

export type ClusterTransport = "grpc" | "http";

export interface NodeRecord {
  readonly id: NodeId;
  /** host:port other nodes reach it at. */
  readonly address: string;
  /** Log index of its (latest) registration: orders nodes by seniority. */
  readonly registeredAt: LogIndex;
  /** The run of the program that registered it (RegisterRequest.instanceId); "" if unknown. */
  readonly instance: string;
  /**
   * The last start of its storage that the cluster accepted (docs/storage.md, "Restored
   * copies"); 0 until its first check-in since it was registered.
   */
  readonly incarnation: number;
  /** The nonce of the check-in that set `incarnation`: a retry of that check-in is accepted. */
  readonly incarnationNonce: string;
  /**
   * Fingerprint of the workflow set it runs, as it registered or last checked in; "" in
   * states written before nodes recorded theirs (the cluster's `workflowFingerprint` then).
   */
  readonly workflowFingerprint: string;
  /** The management rules its build applies, as it registered or last checked in (0: older). */
  readonly rulesVersion: number;
}

/**
 * The management rules this build applies. 1: each node's own workflow set counts at
 * registration (management-machine.ts). 2: workflow logs may hold waits whose halves other
 * records come between (src/workflow/wait-pairs.ts), which builds before it apply otherwise:
 * owners record them only once every member applies rules 2, and from then on a node whose
 * build applies fewer is refused at registration. 3: a claim on a caller-chosen id counts its
 * starters, and goes once none of them may still start the id (workflow-id-claims.ts). 4: a
 * forced recovery reports the configuration it made whatever index the group's record holds
 * (`reportGroupConfig.forced`: the survivor's log may end before it). Every
 * replica must apply the same rules, so a rule that changes an outcome applies only once every
 * member's build applies it; from rules 2 on, a build older than every member's is refused.
 */
export const MANAGEMENT_RULES_VERSION = 4;

/** The rules from which workflow logs may hold waits whose halves are apart. */
export const PAIRED_WAITS_RULES = 2;

/** The rules from which a claim on a caller-chosen id counts its starters. */
export const COUNTED_CLAIMS_RULES = 3;

/** The rules from which a forced recovery's configuration replaces its group's record. */
export const FORCED_REPORT_RULES = 4;

/** Whether every member's build (`except` aside) applies management rules `version` or later. */
export function everyMemberApplies(
  state: ManagementState,
  version: number,
  except?: NodeId,
): boolean {
  for (const node of state.nodes.values()) {
    if (node.id !== except && node.rulesVersion < version) return false;
  }
  return true;
}

export interface GroupRecord {
  readonly id: GroupId;
  /** Who should be in the group; each group's leader moves its Raft configuration there. */
  readonly members: readonly NodeId[];
  /** The members the group was created with: they bootstrap it, everyone else joins. */
  readonly initialMembers: readonly NodeId[];
  /** A draining group takes no new workflows and is destroyed once its workflows finished. */
  readonly draining: boolean;
  /** The group's Raft configuration as last reported by its leader. */
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
  /** Log index (in the group) of that configuration, so older reports are ignored. */
  readonly configIndex: LogIndex;
  /** Running workflows, as last reported by the group's leader (for placing new ones). */
  readonly running: number;
  /** The group's leader as it last reported itself; 0 until one has (for status views). */
  readonly leaderId: NodeId;
  /** Voter failures the group survives, as its leader last reported (see toleratedFailures). */
  readonly faultTolerance: number;
}

/** A start of a caller-chosen workflow id in flight (see workflow-id-claims.ts). */
export interface WorkflowIdClaim {
  /** The execution group every starter of the id sends it to. */
  readonly groupId: GroupId;
  /** Management log index of the claim: names it, so a late release spares a newer one. */
  readonly claimedAt: LogIndex;
  /**
   * Starters whose Start of the id may still commit under this claim; absent on a claim made
   * before every member applied rules 3, which goes only with its Start (or its group).
   */
  readonly starters?: number;
}

export interface ManagementState {
  /** Set by the bootstrap node; a node never joins a cluster with another id by mistake. */
  readonly clusterId: string;
  readonly transport: ClusterTransport;
  readonly maxVoters: number;
  /**
   * Fingerprint of the bootstrap node's workflow set (see WorkflowRegistry); each node
   * records its own since (NodeRecord.workflowFingerprint).
   */
  readonly workflowFingerprint: string;
  readonly nodes: ReadonlyMap<NodeId, NodeRecord>;
  readonly groups: ReadonlyMap<GroupId, GroupRecord>;
  /** Ids of nodes that were removed: they may come back, but must register again. */
  readonly removedNodes: ReadonlySet<NodeId>;
  /**
   * Of those, the voters a forced recovery (`cluster recover --force`) left behind. Their
   * storage may hold entries and terms the cluster no longer has, so their ids are never
   * registered again: such a node comes back only as a new node, with empty storage.
   */
  readonly lostNodes: ReadonlySet<NodeId>;
  /**
   * Destroyed (drained) groups and the group that adopted their finished executions, so a
   * wait naming the old group still finds the result. Follow it with resultsHolder().
   */
  readonly resultsMovedTo: ReadonlyMap<GroupId, GroupId>;
  /**
   * Caller-chosen workflow ids whose start is in flight, oldest claim first. The one part of
   * the state changed in place (by workflow-id-claims.ts only): every start under a caller's
   * id claims and releases, and a copy per change cost time in the number of claims, 10 ms
   * each at WORKFLOW_ID_CLAIMS_MAX. So a state's claims are those of the newest state made
   * from it: read them from the current state.
   */
  readonly workflowIdClaims: Map<string, WorkflowIdClaim>;
  /**
   * How many finished workflows each execution group keeps, and for how long (set at
   * bootstrap, changed by setRetention). Each group's leader copies it into the group's own
   * log (the workflow command Configure). Undefined in a cluster bootstrapped before it was
   * configurable: its groups keep the old built-in limits until an operator sets one.
   */
  readonly retention?: RetentionSetting;
  readonly nextNodeId: NodeId;
  readonly nextGroupId: GroupId;
  /** Voter failures the management group survives, as its leader last reported. */
  readonly managementFaultTolerance: number;
}

export function emptyManagementState(): ManagementState {
  return {
    clusterId: "",
    transport: "grpc",
    maxVoters: 5,
    workflowFingerprint: "",
    nodes: new Map(),
    groups: new Map(),
    removedNodes: new Set(),
    lostNodes: new Set(),
    resultsMovedTo: new Map(),
    workflowIdClaims: new Map(),
    nextNodeId: nodeId(1),
    nextGroupId: groupId(1),
    managementFaultTolerance: 0,
  };
}

/** Active node ids, ascending. */
export function activeNodeIds(state: ManagementState): NodeId[] {
  return [...state.nodes.keys()].sort((a, b) => a - b);
}

/** The highest node id ever handed out (QUICKSTART's highest_known_node_id). */
export function highestNodeId(state: ManagementState): NodeId {
  return nodeId(state.nextNodeId - 1);
}

export function groupsOf(state: ManagementState, node: NodeId): GroupRecord[] {
  return [...state.groups.values()].filter((group) => group.members.includes(node));
}

/** The group holding `id`'s executions now: `id` itself, or where its results moved. */
export function resultsHolder(state: ManagementState, id: GroupId): GroupId {
  let holder = id;
  // Each hop goes to a group that existed when the hop was recorded: no cycles.
  for (let hops = 0; !state.groups.has(holder) && hops <= state.resultsMovedTo.size; hops++) {
    const next = state.resultsMovedTo.get(holder);
    if (next === undefined) break;
    holder = next;
  }
  return holder;
}

/**
 * Whether the group wants or still needs a replica here: a member, or a voter or learner of
 * its configuration (reported, or the initial one while none was). A replica lost to a crash
 * before its first write, or never created because this node was briefly out of the cluster,
 * would otherwise leave a vote the group counts and nobody casts: with one more member gone
 * the group could never commit again, not even the change that replaces them.
 */
export function isCountedOn(group: GroupRecord, self: NodeId): boolean {
  return (
    group.members.includes(self) ||
    group.voters.includes(self) ||
    group.learners.includes(self) ||
    (group.configIndex === 0 && group.initialMembers.includes(self))
  );
}
