// ManagementState as bytes for Raft snapshots: JSON with maps and sets as arrays. Decoding
// validates every field (the bytes come from disk or from another node, maybe another
// version); fields added later get their default when an older snapshot lacks them.

import {
  fieldReaders,
  type GroupId,
  groupId,
  InvalidArgumentError,
  logIndex,
  type NodeId,
  nodeId,
  parseRetention,
} from "../lib/index.ts";
import type {
  GroupRecord,
  ManagementState,
  NodeRecord,
  WorkflowIdClaim,
} from "./management-state.ts";

export function encodeManagementState(state: ManagementState): Uint8Array {
  return new TextEncoder().encode(
    JSON.stringify({
      clusterId: state.clusterId,
      transport: state.transport,
      maxVoters: state.maxVoters,
      workflowFingerprint: state.workflowFingerprint,
      nodes: [...state.nodes.values()],
      groups: [...state.groups.values()],
      removedNodes: [...state.removedNodes],
      lostNodes: [...state.lostNodes],
      resultsMovedTo: [...state.resultsMovedTo],
      workflowIdClaims: [...state.workflowIdClaims],
      ...(state.retention === undefined ? {} : { retention: state.retention }),
      nextNodeId: state.nextNodeId,
      nextGroupId: state.nextGroupId,
      managementFaultTolerance: state.managementFaultTolerance,
    }),
  );
}

const TEXT_MAX = 1024;
const ITEMS_MAX = 1_000_000;

const read = fieldReaders(
  (path, problem) => new InvalidArgumentError(`malformed management snapshot: ${path} ${problem}`),
);
const count = (value: unknown, path: string) => read.integer(value, path);
const node = (value: unknown, path: string) => nodeId(count(value, path));
const group = (value: unknown, path: string) => groupId(count(value, path));
const nodes = (value: unknown, path: string): NodeId[] =>
  read.list(value, path, ITEMS_MAX).map((item, k) => node(item, `${path}[${k}]`));

export function decodeManagementState(data: Uint8Array): ManagementState {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(data));
  } catch {
    // Converted: bytes that are not JSON are one more kind of malformed snapshot.
    throw new InvalidArgumentError("malformed management snapshot: not JSON");
  }
  const f = read.object(value, "state");
  const nodeRecords = read
    .list(f.nodes, "nodes", ITEMS_MAX)
    .map((item, k) => nodeRecordOf(item, `nodes[${k}]`));
  const groupRecords = read
    .list(f.groups, "groups", ITEMS_MAX)
    .map((item, k) => groupRecordOf(item, `groups[${k}]`));
  const moves = read.list(f.resultsMovedTo, "resultsMovedTo", ITEMS_MAX).map((item, k) => {
    const pair = read.list(item, `resultsMovedTo[${k}]`, 2);
    return [
      group(pair[0], `resultsMovedTo[${k}][0]`),
      group(pair[1], `resultsMovedTo[${k}][1]`),
    ] as const;
  });
  return {
    clusterId: read.text(f.clusterId, "clusterId", TEXT_MAX),
    transport: read.oneOf(f.transport, "transport", ["grpc", "http"] as const),
    maxVoters: count(f.maxVoters, "maxVoters"),
    workflowFingerprint: read.text(f.workflowFingerprint, "workflowFingerprint", TEXT_MAX),
    nodes: new Map(nodeRecords.map((record) => [record.id, record])),
    groups: new Map(groupRecords.map((record) => [record.id, record])),
    removedNodes: new Set(nodes(f.removedNodes, "removedNodes")),
    // Snapshots from before forced recoveries recorded their lost voters have none.
    lostNodes: new Set(read.optional(f.lostNodes, [], (item) => nodes(item, "lostNodes"))),
    resultsMovedTo: new Map<GroupId, GroupId>(moves),
    // Snapshots from before caller-chosen ids have no claims.
    workflowIdClaims: new Map(
      read.optional(f.workflowIdClaims, [], (item) => claimsOf(item, "workflowIdClaims")),
    ),
    // Snapshots from before retention was configurable have none: the groups' defaults hold.
    ...(f.retention === undefined
      ? {}
      : {
          retention: parseRetention(
            f.retention,
            (path, problem) =>
              new InvalidArgumentError(`malformed management snapshot: ${path} ${problem}`),
            "retention",
          ),
        }),
    nextNodeId: node(f.nextNodeId, "nextNodeId"),
    nextGroupId: group(f.nextGroupId, "nextGroupId"),
    managementFaultTolerance: read.optional(f.managementFaultTolerance, 0, (item) =>
      count(item, "managementFaultTolerance"),
    ),
  };
}

function claimsOf(value: unknown, path: string): [string, WorkflowIdClaim][] {
  return read.list(value, path, ITEMS_MAX).map((item, k) => {
    const pair = read.list(item, `${path}[${k}]`, 2);
    const claim = read.object(pair[1], `${path}[${k}][1]`);
    return [
      read.text(pair[0], `${path}[${k}][0]`, TEXT_MAX),
      {
        groupId: group(claim.groupId, `${path}[${k}][1].groupId`),
        claimedAt: logIndex(count(claim.claimedAt, `${path}[${k}][1].claimedAt`)),
        // Claims made before rules 3 count no starters.
        ...(claim.starters === undefined
          ? {}
          : { starters: count(claim.starters, `${path}[${k}][1].starters`) }),
      },
    ];
  });
}

function nodeRecordOf(value: unknown, path: string): NodeRecord {
  const f = read.object(value, path);
  return {
    id: node(f.id, `${path}.id`),
    address: read.text(f.address, `${path}.address`, TEXT_MAX),
    registeredAt: logIndex(count(f.registeredAt, `${path}.registeredAt`)),
    instance: read.text(f.instance, `${path}.instance`, TEXT_MAX),
    // Absent in states written before incarnations: nothing checked in yet.
    incarnation: read.optional(f.incarnation, 0, (item) => count(item, `${path}.incarnation`)),
    incarnationNonce: read.optional(f.incarnationNonce, "", (item) =>
      read.text(item, `${path}.incarnationNonce`, TEXT_MAX),
    ),
    // Absent in states written before nodes recorded their own set.
    workflowFingerprint: read.optional(f.workflowFingerprint, "", (item) =>
      read.text(item, `${path}.workflowFingerprint`, TEXT_MAX),
    ),
    rulesVersion: read.optional(f.rulesVersion, 0, (item) => count(item, `${path}.rulesVersion`)),
  };
}

function groupRecordOf(value: unknown, path: string): GroupRecord {
  const f = read.object(value, path);
  const voters = nodes(f.voters, `${path}.voters`);
  return {
    id: group(f.id, `${path}.id`),
    members: nodes(f.members, `${path}.members`),
    initialMembers: nodes(f.initialMembers, `${path}.initialMembers`),
    draining: read.boolean(f.draining, `${path}.draining`),
    voters,
    learners: nodes(f.learners, `${path}.learners`),
    configIndex: logIndex(count(f.configIndex, `${path}.configIndex`)),
    running: count(f.running, `${path}.running`),
    leaderId: node(f.leaderId, `${path}.leaderId`),
    // Snapshots from before fault tolerance was reported: what the voters allow when all run.
    faultTolerance: read.optional(f.faultTolerance, Math.floor((voters.length - 1) / 2), (item) =>
      count(item, `${path}.faultTolerance`),
    ),
  };
}
