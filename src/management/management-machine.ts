// The management group's state machine: applies ManagementCommands to ManagementState.
// Deterministic: every decision uses only the state and the command, never local
// observations, so every node reaches the same state (STYLE 1.7).
// Pure: no I/O, no timers, no await.

import {
  concatBytes,
  type GroupId,
  groupId,
  type LogIndex,
  logIndex,
  type NodeId,
  nodeId,
  RaftoralError,
} from "../lib/index.ts";
import { decodeManagementCommand, type ManagementCommand } from "./commands.ts";
import { type CheckInResult, checkIn } from "./incarnation.ts";
import { checkManagementInvariants } from "./invariants.ts";
import {
  emptyManagementState,
  everyMemberApplies,
  FORCED_REPORT_RULES,
  type GroupRecord,
  type ManagementState,
  type NodeRecord,
  PAIRED_WAITS_RULES,
  type WorkflowIdClaim,
} from "./management-state.ts";
import { decodeManagementState, encodeManagementState } from "./state-codec.ts";
import { claimWorkflowId, releaseWorkflowId } from "./workflow-id-claims.ts";

/**
 * A command the management state refuses; the message tells the caller what to fix, and the
 * code is ALREADY_EXISTS when what it asks for (a node id) is another's, FAILED_PRECONDITION
 * when the cluster's history rules it out (a node id lost in a forced recovery).
 */
export class ManagementRefusal extends RaftoralError {
  constructor(
    message: string,
    code: "INVALID_ARGUMENT" | "ALREADY_EXISTS" | "FAILED_PRECONDITION" = "INVALID_ARGUMENT",
  ) {
    super(code, message);
    this.name = "ManagementRefusal";
  }
}

export type ManagementResult =
  | { readonly nodeId: NodeId }
  | { readonly groupId: GroupId }
  | CheckInResult
  | { readonly claim: WorkflowIdClaim }
  | undefined;

/** The result that carries `key`: the answer to registerNode, claimWorkflowId or checkIn. */
type ResultWith<K extends string> = Extract<ManagementResult, Readonly<Record<K, unknown>>>;

/**
 * The result a proposer of a management command gets back, checked: the host hands it over as
 * `unknown`. `key` names the field the command answers with (registerNode: "nodeId",
 * claimWorkflowId: "claim", checkIn: "checkIn"); anything else is INTERNAL, naming `what`.
 */
export function managementResultOf<K extends "nodeId" | "claim" | "checkIn">(
  result: unknown,
  key: K,
  what: string,
): ResultWith<K> {
  if (typeof result === "object" && result !== null && key in result) {
    return result as ResultWith<K>;
  }
  throw new RaftoralError("INTERNAL", `${what} was answered with ${JSON.stringify(result)}`);
}

const sorted = (ids: readonly NodeId[]) => [...new Set(ids)].sort((a, b) => a - b);

export class ManagementMachine {
  private current: ManagementState = emptyManagementState();
  private readonly listeners = new Set<(state: ManagementState) => void>();

  state(): ManagementState {
    return this.current;
  }

  /** Called after every applied command and restore. */
  subscribe(listener: (state: ManagementState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  apply(command: Uint8Array, index: LogIndex): ManagementResult {
    const decoded = decodeManagementCommand(command);
    const { state, result } = applyCommand(this.current, decoded, index);
    checkManagementInvariants(state);
    this.current = state;
    this.notify();
    return result;
  }

  snapshotAfter(prefix: Uint8Array): Uint8Array {
    return concatBytes(prefix, encodeManagementState(this.current));
  }

  restore(data: Uint8Array): void {
    const state = data.byteLength === 0 ? emptyManagementState() : decodeManagementState(data);
    checkManagementInvariants(state);
    this.current = state;
    this.notify();
  }

  private notify(): void {
    for (const listener of this.listeners) listener(this.current);
  }
}

/** The pure transition function; exported for tests. */
export function applyCommand(
  state: ManagementState,
  command: ManagementCommand,
  index: LogIndex,
): { state: ManagementState; result: ManagementResult } {
  if (command.type !== "bootstrap" && state.clusterId === "") {
    throw new ManagementRefusal("the cluster is not bootstrapped yet");
  }
  switch (command.type) {
    case "bootstrap":
      return bootstrap(state, command, index);
    case "registerNode":
      return registerNode(state, command, index);
    case "removeNode":
      return {
        state: removeNode(state, command.nodeId, command.isLost === true),
        result: undefined,
      };
    case "checkIn":
      return checkIn(state, command);
    case "createGroup": {
      const id = state.nextGroupId;
      const members = requireActive(state, command.members);
      if (members.length === 0) throw new ManagementRefusal("a group needs at least one member");
      const group: GroupRecord = {
        id,
        members,
        initialMembers: members,
        draining: false,
        voters: [],
        learners: [],
        configIndex: logIndex(0),
        running: 0,
        leaderId: nodeId(0),
        faultTolerance: 0,
      };
      const groups = new Map(state.groups).set(id, group);
      return { state: { ...state, groups, nextGroupId: groupId(id + 1) }, result: { groupId: id } };
    }
    case "setGroupMembers":
      return updateGroup(state, command.groupId, () => ({
        members: requireActive(state, command.members),
      }));
    case "setDraining":
      return updateGroup(state, command.groupId, () => ({ draining: command.draining }));
    case "reportGroupConfig":
      if (command.voters.some((voter) => command.learners.includes(voter))) {
        throw new ManagementRefusal(`group ${command.groupId}: a node is both voter and learner`);
      }
      return updateGroup(state, command.groupId, (group) =>
        !isForcedReport(state, command) && command.configIndex <= group.configIndex
          ? {}
          : {
              voters: sorted(command.voters),
              learners: sorted(command.learners),
              configIndex: logIndex(command.configIndex),
            },
      );
    case "reportGroupLoad":
      return updateGroup(state, command.groupId, () => ({
        running: command.running,
        leaderId: command.leaderId,
        ...(command.faultTolerance === undefined ? {} : { faultTolerance: command.faultTolerance }),
      }));
    case "reportManagementTolerance":
      return {
        state: { ...state, managementFaultTolerance: command.faultTolerance },
        result: undefined,
      };
    case "claimWorkflowId": {
      if (command.groupId >= state.nextGroupId) {
        throw new ManagementRefusal(`execution group ${command.groupId} never existed`);
      }
      const claimed = claimWorkflowId(state, command, index);
      return { state: claimed.state, result: { claim: claimed.claim } };
    }
    case "releaseWorkflowId":
      return { state: releaseWorkflowId(state, command), result: undefined };
    case "setRetention":
      return { state: { ...state, retention: command.retention }, result: undefined };
    case "destroyGroup": {
      if (!state.groups.has(command.groupId)) return { state, result: undefined };
      const groups = new Map(state.groups);
      groups.delete(command.groupId);
      if (command.resultsMovedTo === undefined) {
        return { state: { ...state, groups }, result: undefined };
      }
      requireResultsHolder(state, command.groupId, command.resultsMovedTo);
      const resultsMovedTo = new Map(state.resultsMovedTo).set(
        command.groupId,
        command.resultsMovedTo,
      );
      return { state: { ...state, groups, resultsMovedTo }, result: undefined };
    }
  }
}

function bootstrap(
  state: ManagementState,
  command: Extract<ManagementCommand, { type: "bootstrap" }>,
  index: LogIndex,
): { state: ManagementState; result: ManagementResult } {
  if (state.clusterId !== "") {
    // Idempotent for the bootstrap node re-proposing after a restart.
    if (state.clusterId === command.clusterId)
      return { state, result: { nodeId: command.node.id } };
    throw new ManagementRefusal(`the cluster is already bootstrapped as ${state.clusterId}`);
  }
  const node: NodeRecord = {
    id: command.node.id,
    address: command.node.address,
    registeredAt: index,
    instance: command.node.instance,
    incarnation: 0,
    incarnationNonce: "",
    workflowFingerprint: command.workflowFingerprint,
    rulesVersion: command.rulesVersion ?? 0,
  };
  return {
    state: {
      ...state,
      clusterId: command.clusterId,
      transport: command.transport,
      maxVoters: command.maxVoters,
      workflowFingerprint: command.workflowFingerprint,
      ...(command.retention === undefined ? {} : { retention: command.retention }),
      nodes: new Map([[node.id, node]]),
      nextNodeId: nodeId(Math.max(state.nextNodeId, node.id + 1)),
    },
    result: { nodeId: node.id },
  };
}

function registerNode(
  state: ManagementState,
  command: Extract<ManagementCommand, { type: "registerNode" }>,
  index: LogIndex,
): { state: ManagementState; result: ManagementResult } {
  checkWorkflowSet(state, command);
  let current = state;
  const byAddress = [...state.nodes.values()].find((node) => node.address === command.address);
  if (byAddress !== undefined && isSameProcess(byAddress.instance, command.instance)) {
    if (command.requestedId === 0 || command.requestedId === byAddress.id) {
      return { state, result: { nodeId: byAddress.id } };
    }
    throw new ManagementRefusal(
      `address ${command.address} is registered to node ${byAddress.id}, not ${command.requestedId}`,
    );
  }
  if (byAddress !== undefined) {
    // Another process at that address: the node restarted without its storage. Its old id
    // may still count as a voter with a log and votes the new process does not have, so it
    // is removed and the process joins as a new node (thesis 4.2: never reuse a lost id).
    if (command.requestedId === byAddress.id) {
      throw new ManagementRefusal(
        `node ${byAddress.id} at ${command.address} was registered by another process, whose ` +
          `state this one does not have (restarted without --storage-path?); start without ` +
          `--node-id to join as a new node. Do not take id ${byAddress.id} back once it is ` +
          "removed either: a group that has not dropped it from its configuration would count " +
          "the vote of a process that lost that node's log",
        "ALREADY_EXISTS",
      );
    }
    current = removeNode(state, byAddress.id);
  }
  return admit(current, command, index);
}

/**
 * From rules 2 on, a node whose build applies fewer rules than every member's is refused: the
 * workflow logs it would be sent may hold records it applies otherwise (rules 2: waits at
 * once), and it would apply the management log otherwise too (rules 3: counted claims).
 */
function checkRules(
  state: ManagementState,
  command: Extract<ManagementCommand, { type: "registerNode" }>,
): void {
  const rules = command.rulesVersion ?? 0;
  let least = Number.POSITIVE_INFINITY;
  for (const node of state.nodes.values()) least = Math.min(least, node.rulesVersion);
  if (state.nodes.size === 0 || rules >= least || least < PAIRED_WAITS_RULES) return;
  throw new ManagementRefusal(
    `this node's build applies management rules ${rules}, and every member of the cluster ` +
      `applies rules ${least}: their logs may hold records an older ` +
      "build applies otherwise. Run the same raftoral build as the other nodes (or a later one)",
  );
}

/**
 * Rules 1, once every member applies them: only a new node is held to its peers' sets (it is
 * most likely started with the wrong module), and any member's set will do; a node that comes
 * back under its id may carry the next set of a rolling upgrade. Until then, as older builds
 * do: every node runs the bootstrap node's set.
 */
function checkWorkflowSet(
  state: ManagementState,
  command: Extract<ManagementCommand, { type: "registerNode" }>,
): void {
  const hasRules1 = everyMemberApplies(state, 1);
  const sets = hasRules1 ? memberWorkflowSets(state) : new Set([state.workflowFingerprint]);
  if (hasRules1 && command.requestedId !== 0) return;
  if (sets.has(command.workflowFingerprint)) return;
  throw new ManagementRefusal(
    `this node's workflow set (${command.workflowFingerprint}) differs from every member's ` +
      `(${[...sets].join(", ")}); start it with the same --workflows as the other nodes ` +
      `(each node's "Starting node" log line names its workflows as name@version)`,
  );
}

/** The workflow sets the members run (a rolling upgrade has two of them for a while). */
function memberWorkflowSets(state: ManagementState): ReadonlySet<string> {
  const records = [...state.nodes.values()];
  return new Set(records.map((node) => node.workflowFingerprint || state.workflowFingerprint));
}

function isSameProcess(registered: string, asking: string): boolean {
  return registered === "" || asking === "" || registered === asking;
}

function admit(
  state: ManagementState,
  command: Extract<ManagementCommand, { type: "registerNode" }>,
  index: LogIndex,
): { state: ManagementState; result: ManagementResult } {
  let id = command.requestedId;
  if (id === 0) {
    id = state.nextNodeId;
  } else if (state.lostNodes.has(id)) {
    throw new ManagementRefusal(
      `node ${id} was left behind by a forced recovery (cluster recover --force): its storage ` +
        `may hold entries the cluster no longer has, so id ${id} is never taken back. Move ` +
        `its storage directory aside and start it with an empty --storage-path, without ` +
        `--node-id: it joins as a new node (docs/availability.md)`,
      "FAILED_PRECONDITION",
    );
  } else if (state.nodes.has(id)) {
    const holder = state.nodes.get(id);
    throw new ManagementRefusal(
      `node id ${id} is in use by ${holder?.address}; choose another --node-id`,
      "ALREADY_EXISTS",
    );
  }
  // Last: a refusal that names the id or the address tells more.
  checkRules(state, command);
  const removedNodes = new Set(state.removedNodes);
  removedNodes.delete(id);
  const node: NodeRecord = {
    id,
    address: command.address,
    registeredAt: index,
    instance: command.instance,
    incarnation: 0,
    incarnationNonce: "",
    workflowFingerprint: command.workflowFingerprint,
    rulesVersion: command.rulesVersion ?? 0,
  };
  return {
    state: {
      ...state,
      nodes: new Map(state.nodes).set(id, node),
      removedNodes,
      nextNodeId: nodeId(Math.max(state.nextNodeId, id + 1)),
    },
    result: { nodeId: id },
  };
}

/**
 * Whether a configuration report replaces its group's record whatever its index: one a forced
 * recovery made, once every member applies the rule (builds before it ignore the flag).
 */
function isForcedReport(
  state: ManagementState,
  command: Extract<ManagementCommand, { type: "reportGroupConfig" }>,
): boolean {
  return command.forced === true && everyMemberApplies(state, FORCED_REPORT_RULES);
}

/** Removes a node from the cluster; `isLost` also keeps its id from being registered again. */
function removeNode(state: ManagementState, id: NodeId, isLost = false): ManagementState {
  const lost = isLost ? { lostNodes: new Set(state.lostNodes).add(id) } : {};
  if (!state.nodes.has(id)) {
    // A lost voter may have been removed already (silent for the failure timeout): it is
    // recorded as lost all the same, if it ever was a node.
    if (!isLost || !state.removedNodes.has(id)) return state;
    return { ...state, ...lost };
  }
  const nodes = new Map(state.nodes);
  nodes.delete(id);
  const groups = new Map<GroupId, GroupRecord>();
  for (const [key, group] of state.groups) {
    groups.set(key, { ...group, members: group.members.filter((member) => member !== id) });
  }
  return { ...state, nodes, groups, removedNodes: new Set(state.removedNodes).add(id), ...lost };
}

function requireActive(state: ManagementState, members: readonly NodeId[]): NodeId[] {
  const unknown = members.filter((member) => !state.nodes.has(member));
  if (unknown.length > 0)
    throw new ManagementRefusal(`nodes ${unknown.join(", ")} are not in the cluster`);
  return sorted(members);
}

/** Results may move only to a group that existed and whose chain of moves does not lead back. */
function requireResultsHolder(state: ManagementState, from: GroupId, to: GroupId): void {
  if (to >= state.nextGroupId) throw new ManagementRefusal(`group ${to} never existed`);
  for (let at: GroupId | undefined = to; at !== undefined; at = state.resultsMovedTo.get(at)) {
    if (at === from) throw new ManagementRefusal(`results of group ${from} would move in a cycle`);
  }
}

function updateGroup(
  state: ManagementState,
  id: GroupId,
  change: (group: GroupRecord) => Partial<GroupRecord>,
): { state: ManagementState; result: ManagementResult } {
  const group = state.groups.get(id);
  if (group === undefined) throw new ManagementRefusal(`execution group ${id} does not exist`);
  const groups = new Map(state.groups).set(id, { ...group, ...change(group) });
  return { state: { ...state, groups }, result: undefined };
}
