// ManagementState as bytes for Raft snapshots: JSON with maps and sets as arrays.

import type { GroupId, LogIndex, NodeId } from "../lib/index.ts";
import type { GroupRecord, ManagementState, NodeRecord } from "./management-state.ts";

interface StateJson {
  readonly clusterId: string;
  readonly transport: ManagementState["transport"];
  readonly maxVoters: number;
  readonly workflowFingerprint: string;
  readonly nodes: readonly NodeRecord[];
  readonly groups: readonly GroupRecord[];
  readonly removedNodes: readonly NodeId[];
  readonly resultsMovedTo: readonly (readonly [GroupId, GroupId])[];
  readonly nextNodeId: NodeId;
  readonly nextGroupId: GroupId;
}

export function encodeManagementState(state: ManagementState): Uint8Array {
  const json: StateJson = {
    clusterId: state.clusterId,
    transport: state.transport,
    maxVoters: state.maxVoters,
    workflowFingerprint: state.workflowFingerprint,
    nodes: [...state.nodes.values()],
    groups: [...state.groups.values()],
    removedNodes: [...state.removedNodes],
    resultsMovedTo: [...state.resultsMovedTo],
    nextNodeId: state.nextNodeId,
    nextGroupId: state.nextGroupId,
  };
  return new TextEncoder().encode(JSON.stringify(json));
}

export function decodeManagementState(data: Uint8Array): ManagementState {
  const json = JSON.parse(new TextDecoder().decode(data)) as StateJson;
  return {
    clusterId: json.clusterId,
    transport: json.transport,
    maxVoters: json.maxVoters,
    workflowFingerprint: json.workflowFingerprint,
    nodes: new Map(
      json.nodes.map((node) => [node.id, { ...node, registeredAt: node.registeredAt as LogIndex }]),
    ),
    groups: new Map(json.groups.map((group) => [group.id, group])),
    removedNodes: new Set(json.removedNodes),
    resultsMovedTo: new Map(json.resultsMovedTo),
    nextNodeId: json.nextNodeId,
    nextGroupId: json.nextGroupId,
  };
}
