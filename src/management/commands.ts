// The commands of the management group's log, and their codec. Decoding validates every
// field: the bytes come from the log, which another version may have written.

import { type GroupId, groupId, InvalidArgumentError, type NodeId, nodeId } from "../lib/index.ts";
import type { ClusterTransport } from "./management-state.ts";

export type ManagementCommand =
  | {
      readonly type: "bootstrap";
      readonly clusterId: string;
      readonly transport: ClusterTransport;
      readonly maxVoters: number;
      readonly workflowFingerprint: string;
      readonly node: { readonly id: NodeId; readonly address: string; readonly instance: string };
    }
  | {
      readonly type: "registerNode";
      readonly address: string;
      /** 0 lets the cluster allocate the id. */
      readonly requestedId: NodeId;
      readonly workflowFingerprint: string;
      /** The registering run of the program (RegisterRequest.instanceId); "" if unknown. */
      readonly instance: string;
    }
  | { readonly type: "removeNode"; readonly nodeId: NodeId; readonly reason: string }
  | { readonly type: "createGroup"; readonly members: readonly NodeId[] }
  | {
      readonly type: "setGroupMembers";
      readonly groupId: GroupId;
      readonly members: readonly NodeId[];
    }
  | { readonly type: "setDraining"; readonly groupId: GroupId; readonly draining: boolean }
  | {
      readonly type: "reportGroupConfig";
      readonly groupId: GroupId;
      readonly voters: readonly NodeId[];
      readonly learners: readonly NodeId[];
      readonly configIndex: number;
    }
  | {
      readonly type: "destroyGroup";
      readonly groupId: GroupId;
      /**
       * The group that adopted its finished executions (see ManagementState.resultsMovedTo);
       * absent for a group that never started a workflow.
       */
      readonly resultsMovedTo?: GroupId;
    }
  | {
      readonly type: "reportGroupLoad";
      readonly groupId: GroupId;
      readonly running: number;
      /** The reporting leader: who led the group when it reported (0 = not known). */
      readonly leaderId: NodeId;
    };

export function encodeManagementCommand(command: ManagementCommand): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(command));
}

const TEXT_MAX = 1024;
const MEMBERS_MAX = 1024;

function fail(problem: string): never {
  throw new InvalidArgumentError(`malformed management command: ${problem}`);
}

function text(value: unknown, name: string): string {
  if (typeof value !== "string" || value.length > TEXT_MAX) fail(`${name} must be a short string`);
  return value;
}

function count(value: unknown, name: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    fail(`${name} must be a non-negative integer`);
  }
  return value;
}

function nodes(value: unknown, name: string): NodeId[] {
  if (!Array.isArray(value) || value.length > MEMBERS_MAX)
    fail(`${name} must be a list of node ids`);
  return value.map((item, k) => nodeId(count(item, `${name}[${k}]`)));
}

/** Decodes and validates; throws InvalidArgumentError on anything malformed. */
export function decodeManagementCommand(data: Uint8Array): ManagementCommand {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(data));
  } catch {
    // Converted: not JSON is just one more kind of malformed command.
    return fail("not JSON");
  }
  if (typeof value !== "object" || value === null) fail("not an object");
  const f = value as Record<string, unknown>;
  switch (f.type) {
    case "bootstrap":
      return decodeBootstrap(f);
    case "registerNode":
      return {
        type: "registerNode",
        address: text(f.address, "address"),
        requestedId: nodeId(count(f.requestedId, "requestedId")),
        workflowFingerprint: text(f.workflowFingerprint, "workflowFingerprint"),
        instance: text(f.instance, "instance"),
      };
    case "removeNode":
      return {
        type: "removeNode",
        nodeId: nodeId(count(f.nodeId, "nodeId")),
        reason: text(f.reason, "reason"),
      };
    case "createGroup":
      return { type: "createGroup", members: nodes(f.members, "members") };
    case "setGroupMembers":
      return {
        type: "setGroupMembers",
        groupId: group(f.groupId),
        members: nodes(f.members, "members"),
      };
    case "setDraining":
      if (typeof f.draining !== "boolean") fail("draining must be a boolean");
      return { type: "setDraining", groupId: group(f.groupId), draining: f.draining };
    case "reportGroupConfig":
      return {
        type: "reportGroupConfig",
        groupId: group(f.groupId),
        voters: nodes(f.voters, "voters"),
        learners: nodes(f.learners, "learners"),
        configIndex: count(f.configIndex, "configIndex"),
      };
    case "destroyGroup":
      return {
        type: "destroyGroup",
        groupId: group(f.groupId),
        ...(f.resultsMovedTo === undefined ? {} : { resultsMovedTo: group(f.resultsMovedTo) }),
      };
    case "reportGroupLoad":
      return {
        type: "reportGroupLoad",
        groupId: group(f.groupId),
        running: count(f.running, "running"),
        leaderId: nodeId(count(f.leaderId, "leaderId")),
      };
    default:
      return fail(`unknown type ${String(f.type)}`);
  }
}

function decodeBootstrap(f: Record<string, unknown>): ManagementCommand {
  const node = (f.node ?? {}) as Record<string, unknown>;
  const transport =
    f.transport === "http" ? "http" : f.transport === "grpc" ? "grpc" : fail("transport");
  return {
    type: "bootstrap",
    clusterId: text(f.clusterId, "clusterId"),
    transport,
    maxVoters: count(f.maxVoters, "maxVoters"),
    workflowFingerprint: text(f.workflowFingerprint, "workflowFingerprint"),
    node: {
      id: nodeId(count(node.id, "node.id")),
      address: text(node.address, "node.address"),
      instance: text(node.instance, "node.instance"),
    },
  };
}

function group(value: unknown): GroupId {
  return groupId(count(value, "groupId"));
}
