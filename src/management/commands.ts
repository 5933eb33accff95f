// The commands of the management group's log, and their codec. Decoding validates every
// field: the bytes come from the log, which another version may have written.

import {
  fieldReaders,
  type GroupId,
  groupId,
  InvalidArgumentError,
  type LogIndex,
  logIndex,
  type NodeId,
  nodeId,
  parseRetention,
  type RetentionSetting,
} from "../lib/index.ts";
import type { ClusterTransport } from "./management-state.ts";

export type ManagementCommand =
  | {
      readonly type: "bootstrap";
      readonly clusterId: string;
      readonly transport: ClusterTransport;
      readonly maxVoters: number;
      readonly workflowFingerprint: string;
      readonly node: { readonly id: NodeId; readonly address: string; readonly instance: string };
      /** The management rules the bootstrap node's build applies (absent: 0). */
      readonly rulesVersion?: number;
      /** The cluster's first retention setting (absent from logs of older versions). */
      readonly retention?: RetentionSetting;
    }
  | {
      /** An operator changes the retention of finished workflows (every group follows). */
      readonly type: "setRetention";
      readonly retention: RetentionSetting;
    }
  | {
      readonly type: "registerNode";
      readonly address: string;
      /** 0 lets the cluster allocate the id. */
      readonly requestedId: NodeId;
      readonly workflowFingerprint: string;
      /** The registering run of the program (RegisterRequest.instanceId); "" if unknown. */
      readonly instance: string;
      /** The management rules its build applies (RegisterRequest.rulesVersion; absent: 0). */
      readonly rulesVersion?: number;
    }
  | {
      readonly type: "removeNode";
      readonly nodeId: NodeId;
      readonly reason: string;
      /** Left behind by a forced recovery: never registered again (ManagementState.lostNodes). */
      readonly isLost?: boolean;
    }
  | {
      /** A node's storage starts again and claims the next incarnation (incarnation.ts). */
      readonly type: "checkIn";
      readonly nodeId: NodeId;
      /** The incarnation its storage holds: the last one the cluster accepted from it. */
      readonly previous: number;
      /** What this start claims: previous + 1. */
      readonly incarnation: number;
      /** Chosen by the start that made the claim, kept in its storage until accepted. */
      readonly nonce: string;
      /** The workflow set this start runs (absent from logs of older versions). */
      readonly workflowFingerprint?: string;
      /** The management rules this start's build applies (absent: 0). */
      readonly rulesVersion?: number;
    }
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
      /**
       * The configuration a forced recovery made (`cluster recover --force`): it replaces the
       * record whatever index that holds, since the survivor's log may end before the index
       * last reported (rules 4; absent from logs of older versions).
       */
      readonly forced?: true;
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
      /** Voter failures the group survives, as its leader saw them (absent: unchanged). */
      readonly faultTolerance?: number;
    }
  | {
      /** A start of a caller-chosen id is in flight: every starter sends it to one group. */
      readonly type: "claimWorkflowId";
      readonly workflowId: string;
      /** The group to send it to, unless the id is claimed already. */
      readonly groupId: GroupId;
    }
  | {
      /**
       * The start committed (or can no longer happen) in the claimed group; with
       * `starterOnly`, one starter's Start failed so that it can never commit.
       */
      readonly type: "releaseWorkflowId";
      readonly workflowId: string;
      readonly claimedAt: LogIndex;
      /** Absent from logs of older versions, which proposed no such release. */
      readonly starterOnly?: true;
    }
  | {
      /** The management group's own fault tolerance, as its leader saw it. */
      readonly type: "reportManagementTolerance";
      readonly faultTolerance: number;
    };

export function encodeManagementCommand(command: ManagementCommand): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(command));
}

const TEXT_MAX = 1024;
const MEMBERS_MAX = 1024;

const read = fieldReaders(
  (path, problem) => new InvalidArgumentError(`malformed management command: ${path} ${problem}`),
);

const text = (value: unknown, name: string) => read.text(value, name, TEXT_MAX);
const count = (value: unknown, name: string) => read.integer(value, name);
const node = (value: unknown, name: string) => nodeId(count(value, name));
const group = (value: unknown) => groupId(count(value, "groupId"));
const nodes = (value: unknown, name: string) =>
  read.list(value, name, MEMBERS_MAX).map((item, k) => node(item, `${name}[${k}]`));

const retention = (value: unknown) =>
  parseRetention(
    value,
    (path, problem) => new InvalidArgumentError(`malformed management command: ${path} ${problem}`),
    "retention",
  );

const TYPES = [
  "bootstrap",
  "registerNode",
  "removeNode",
  "checkIn",
  "createGroup",
  "setGroupMembers",
  "setDraining",
  "reportGroupConfig",
  "destroyGroup",
  "reportGroupLoad",
  "reportManagementTolerance",
  "claimWorkflowId",
  "releaseWorkflowId",
  "setRetention",
] as const satisfies readonly ManagementCommand["type"][];

/** Decodes and validates; throws InvalidArgumentError on anything malformed. */
export function decodeManagementCommand(data: Uint8Array): ManagementCommand {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(data));
  } catch {
    // Converted: not JSON is just one more kind of malformed command.
    throw new InvalidArgumentError("malformed management command: not JSON");
  }
  const f = read.object(value, "command");
  const type = read.oneOf(f.type, "type", TYPES);
  switch (type) {
    case "bootstrap":
      return decodeBootstrap(f);
    case "registerNode":
    case "removeNode":
    case "checkIn":
      return decodeNodeCommand(type, f);
    case "createGroup":
      return { type, members: nodes(f.members, "members") };
    case "setGroupMembers":
      return { type, groupId: group(f.groupId), members: nodes(f.members, "members") };
    case "setDraining":
      return { type, groupId: group(f.groupId), draining: read.boolean(f.draining, "draining") };
    case "reportGroupConfig":
      return {
        type,
        groupId: group(f.groupId),
        voters: nodes(f.voters, "voters"),
        learners: nodes(f.learners, "learners"),
        configIndex: count(f.configIndex, "configIndex"),
        ...(f.forced !== undefined && read.boolean(f.forced, "forced")
          ? { forced: true as const }
          : {}),
      };
    case "destroyGroup":
      return {
        type,
        groupId: group(f.groupId),
        ...(f.resultsMovedTo === undefined ? {} : { resultsMovedTo: group(f.resultsMovedTo) }),
      };
    case "reportGroupLoad":
      return {
        type,
        groupId: group(f.groupId),
        running: count(f.running, "running"),
        leaderId: node(f.leaderId, "leaderId"),
        ...(f.faultTolerance === undefined
          ? {}
          : { faultTolerance: count(f.faultTolerance, "faultTolerance") }),
      };
    case "reportManagementTolerance":
      return { type, faultTolerance: count(f.faultTolerance, "faultTolerance") };
    case "claimWorkflowId":
      return { type, workflowId: text(f.workflowId, "workflowId"), groupId: group(f.groupId) };
    case "setRetention":
      return { type, retention: retention(f.retention) };
    case "releaseWorkflowId":
      return {
        type,
        workflowId: text(f.workflowId, "workflowId"),
        claimedAt: logIndex(count(f.claimedAt, "claimedAt")),
        ...(f.starterOnly !== undefined && read.boolean(f.starterOnly, "starterOnly")
          ? { starterOnly: true as const }
          : {}),
      };
  }
}

function decodeBootstrap(f: Record<string, unknown>): ManagementCommand {
  const first = read.object(f.node, "node");
  return {
    type: "bootstrap",
    clusterId: text(f.clusterId, "clusterId"),
    transport: read.oneOf(f.transport, "transport", ["grpc", "http"] as const),
    maxVoters: count(f.maxVoters, "maxVoters"),
    workflowFingerprint: text(f.workflowFingerprint, "workflowFingerprint"),
    node: {
      id: node(first.id, "node.id"),
      address: text(first.address, "node.address"),
      instance: text(first.instance, "node.instance"),
    },
    ...(f.retention === undefined ? {} : { retention: retention(f.retention) }),
    ...rulesOf(f),
  };
}

/** The optional rulesVersion of a node's command (commands.ts of older builds had none). */
function rulesOf(f: Record<string, unknown>): { rulesVersion?: number } {
  return f.rulesVersion === undefined
    ? {}
    : { rulesVersion: count(f.rulesVersion, "rulesVersion") };
}

/** The commands about one node: its registration, its removal and its check-in. */
function decodeNodeCommand(
  type: "registerNode" | "removeNode" | "checkIn",
  f: Record<string, unknown>,
): ManagementCommand {
  switch (type) {
    case "registerNode":
      return {
        type,
        address: text(f.address, "address"),
        requestedId: node(f.requestedId, "requestedId"),
        workflowFingerprint: text(f.workflowFingerprint, "workflowFingerprint"),
        instance: text(f.instance, "instance"),
        ...rulesOf(f),
      };
    case "removeNode":
      return {
        type,
        nodeId: node(f.nodeId, "nodeId"),
        reason: text(f.reason, "reason"),
        ...(f.isLost === undefined ? {} : { isLost: read.boolean(f.isLost, "isLost") }),
      };
    case "checkIn":
      return {
        type,
        nodeId: node(f.nodeId, "nodeId"),
        previous: count(f.previous, "previous"),
        incarnation: count(f.incarnation, "incarnation"),
        nonce: text(f.nonce, "nonce"),
        ...(f.workflowFingerprint === undefined
          ? {}
          : { workflowFingerprint: text(f.workflowFingerprint, "workflowFingerprint") }),
        ...rulesOf(f),
      };
  }
}
