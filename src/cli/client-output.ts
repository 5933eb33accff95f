// What the client subcommands print: text for people, and with --json the HTTP API's JSON
// bodies (so a script reads the same fields whichever way it asked). Pure: returns strings.

import {
  type ClusterStatus,
  clusterStatusJson,
  type HealthInfo,
  healthJson,
  type LeaveResult,
  leftJson,
  outcomeJson,
  type RecoverResult,
  recoveredJson,
  type SignaledEvent,
  type StartedWorkflow,
  type StoppedWorkflow,
  signaledJson,
  startedJson,
  stoppedJson,
  type WorkflowDescriptionInfo,
  type WorkflowResult,
} from "../client/index.ts";
import { groupId, type JsonValue } from "../lib/index.ts";
import type { Connection } from "./client-command.ts";
import { oneLine } from "./terminal-safe.ts";

export function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** The first line about a start: a repeat under a known id started nothing. */
export function startHeadline(name: string, version: number, started: StartedWorkflow): string {
  return started.alreadyStarted
    ? `Workflow ${name} v${version} was started before under this ID; not started again`
    : `Started workflow ${name} v${version}`;
}

export function startedText(
  name: string,
  version: number,
  started: StartedWorkflow,
  connection: Connection,
): string {
  return [
    startHeadline(name, version, started),
    `  Workflow ID:          ${started.workflowId}`,
    `  Execution cluster ID: ${started.executionClusterId}`,
    "Wait for its result with:",
    `  raftoral workflow wait ${started.workflowId} --cluster ${started.executionClusterId}${reachedWith(connection)}`,
    "",
  ].join("\n");
}

/**
 * The options that reach the nodes as this command did, to copy with the command printed: an
 * HTTP cluster's addresses without a prefix need --transport http (else gRPC is spoken).
 */
export function reachedWith({ addresses, transport, security }: Connection): string {
  const isPlain = addresses.some((address) => !/^[a-z]+:\/\//.test(address));
  const flags = [
    ["--address", addresses.join(",")],
    ["--transport", transport === "http" && isPlain ? transport : undefined],
    ["--tls-ca", security.tlsCa],
    ["--tls-cert", security.tlsCert],
    ["--tls-key", security.tlsKey],
    ["--token-file", security.tokenFile],
  ];
  return flags.map(([flag, value]) => (value === undefined ? "" : ` ${flag} ${value}`)).join("");
}

/** `workflow describe`: the status line first, then the details and the recorded calls. */
export function describedText(info: WorkflowDescriptionInfo): string {
  // A timer recorded past what a Date holds (builds before sleepUntil refused one) shows as is.
  const at = (ms: number) => {
    const date = new Date(ms);
    return Number.isNaN(date.getTime()) ? `${ms} ms after the epoch` : date.toISOString();
  };
  const status =
    info.status === "waiting"
      ? `${info.waitingForChild === undefined ? `waiting for event "${info.waitingFor ?? ""}"` : `waiting for child workflow ${info.waitingForChild}`}${info.wakeAtMs === undefined ? "" : ` (times out ${at(info.wakeAtMs)})`}`
      : info.status === "sleeping" && info.wakeAtMs !== undefined
        ? `sleeping until ${at(info.wakeAtMs)}`
        : info.status;
  const lines = [
    `Workflow ${info.workflowId} (${info.name} v${info.version}) in execution cluster ${info.executionClusterId}: ${status}`,
    `  Owner:          node ${info.ownerNodeId} (epoch ${info.ownerEpoch})`,
    ...(info.held === undefined ? [] : [`  Held:           ${info.held}`]),
    `  Started:        ${at(info.startedAtMs)}`,
    ...(info.traceId === undefined ? [] : [`  Trace:          ${info.traceId}`]),
    ...(info.finishedAtMs === undefined ? [] : [`  Finished:       ${at(info.finishedAtMs)}`]),
    `  Input:          ${JSON.stringify(info.input)}`,
    ...(info.output === undefined ? [] : [`  Result:         ${JSON.stringify(info.output)}`]),
    ...(info.failure === undefined
      ? []
      : [
          `  Error:          ${oneLine(info.failure.message)}${info.failure.code === undefined ? "" : ` (${info.failure.code})`}`,
        ]),
    ...(info.cancelRequestedAtMs === undefined
      ? []
      : [
          `  Cancel:         asked ${at(info.cancelRequestedAtMs)}${info.cancelReason ? ` (${oneLine(info.cancelReason)})` : ""}`,
        ]),
    `  Pending events: ${info.pendingEvents}`,
    `  Recorded calls: ${info.checkpoints.length}`,
    ...info.checkpoints.map(
      (call) =>
        `    ${String(call.seq).padStart(3)}  ${call.kind.padEnd(10)}  ${call.name}  ${at(call.atMs)}${stepStats(call)}${childOf(call)}${call.error === undefined ? "" : `  error: ${oneLine(call.error)}`}`,
    ),
  ];
  return `${lines.join("\n")}\n`;
}

/** "  child order-1:3 (execution cluster 2)" for a child it started; nothing for other calls. */
function childOf(call: WorkflowDescriptionInfo["checkpoints"][number]): string {
  if (call.childWorkflowId === undefined) return "";
  const where = call.childExecutionClusterId;
  return `  child ${call.childWorkflowId}${where === undefined ? "" : ` (execution cluster ${where})`}`;
}

/** "  2 attempts, 140 ms" for a step; nothing for other calls. */
function stepStats(call: WorkflowDescriptionInfo["checkpoints"][number]): string {
  if (call.attempts === undefined) return "";
  const attempts = call.attempts === 1 ? "1 attempt" : `${call.attempts} attempts`;
  return `  ${attempts}, ${call.durationMs ?? 0} ms`;
}

export function signaledText(name: string, sent: SignaledEvent): string {
  // A repeat says only that the id was recorded before: the workflow may not have taken it yet.
  const what = sent.isDuplicate ? "was already sent to" : "sent to";
  const repeat = sent.isDuplicate ? "; this repeat was not recorded again" : "";
  return `Event ${name} (event ID ${sent.eventId}) ${what} workflow ${sent.workflowId} (execution cluster ${sent.executionClusterId})${repeat}\n`;
}

export function signaledJsonText(sent: SignaledEvent): string {
  return json(
    signaledJson({ ...sent, executionClusterId: groupId(Number(sent.executionClusterId)) }),
  );
}

/** `workflow cancel` and `workflow terminate`: what was asked and the workflow's status. */
export function stoppedText(verb: "cancel" | "terminate", stopped: StoppedWorkflow): string {
  const where = `workflow ${stopped.workflowId} (execution cluster ${stopped.executionClusterId})`;
  if (stopped.isDuplicate) {
    const done = verb === "cancel" ? "was already asked to cancel" : "was already terminated";
    return `The ${where} ${done}; its status: ${stopped.status}\n`;
  }
  if (verb === "terminate") return `Terminated ${where}\n`;
  return `Asked ${where} to cancel; its status: ${stopped.status} (wait for it to end with: raftoral workflow wait ${stopped.workflowId})\n`;
}

export function stoppedJsonText(stopped: StoppedWorkflow): string {
  return json(
    stoppedJson({ ...stopped, executionClusterId: groupId(Number(stopped.executionClusterId)) }),
  );
}

export function startedJsonText(started: StartedWorkflow): string {
  return json(
    startedJson({
      workflowId: started.workflowId,
      executionClusterId: groupId(Number(started.executionClusterId)),
      alreadyStarted: started.alreadyStarted,
    }),
  );
}

/** The wait answer as /workflow/wait gives it; with `started`, the ids come first. */
export function resultJsonText(result: WorkflowResult, withIds: boolean): string {
  const outcome = outcomeJson(
    result.status === "completed"
      ? { success: true, output: result.output as JsonValue }
      : {
          success: false,
          failure: {
            name: result.errorName,
            message: result.error,
            ...(result.errorCode === undefined ? {} : { code: result.errorCode }),
          },
        },
  );
  if (!withIds) return json(outcome);
  return json({
    workflow_id: result.workflowId,
    execution_cluster_id: result.executionClusterId,
    ...outcome,
  });
}

export function resultText(result: WorkflowResult): string {
  return result.status === "completed"
    ? `Completed: ${result.outputJson}\n`
    : `Failed: ${oneLine(result.error)}${result.errorCode === undefined ? "" : ` (${result.errorCode})`}\n`;
}

export function clusterStatusText(status: ClusterStatus): string {
  const lines = [
    `Cluster ${status.clusterId} (transport: ${status.transport}, answered by node ${status.nodeId})`,
    `Survives ${failures(status.faultTolerance)} now; the management group survives ${failures(status.managementFaultTolerance)}.`,
    ...leaderlessLines(status),
    ...(status.lostNodeIds.length === 0
      ? []
      : [
          `Left behind by a forced recovery: nodes ${ids(status.lostNodeIds)}; they come back only as new nodes, with empty storage.`,
        ]),
    "",
    `Nodes (${status.nodes.length}):`,
    ...table(
      ["ID", "ADDRESS", "MANAGEMENT"],
      status.nodes.map((node) => [
        String(node.nodeId),
        node.address,
        node.isManagementLeader ? `${node.managementRole}, leader` : node.managementRole,
      ]),
    ),
    "",
    `Execution clusters (${status.groups.length}):`,
    ...table(
      ["ID", "MEMBERS", "VOTERS", "LEARNERS", "LEADER", "TOLERATES", "RUNNING", "STATE"],
      status.groups.map((group) => [
        String(group.groupId),
        ids(group.members),
        ids(group.voters),
        ids(group.learners),
        leaderText(group),
        String(group.faultTolerance),
        String(group.runningWorkflows),
        group.draining ? "draining" : "active",
      ]),
    ),
  ];
  return `${lines.join("\n")}\n`;
}

export function clusterStatusJsonText(status: ClusterStatus): string {
  return json(clusterStatusJson(status));
}

export function recoveredText(result: RecoverResult, address: string): string {
  if (result.groups.length === 0) {
    return `No group on ${address} has lost its leader: nothing to recover.\n`;
  }
  const isDryRun = result.groups.every((group) => !group.isRecovered);
  const rows = table(
    ["GROUP", "NO LEADER FOR", "KEEPS THROUGH", "KNOWN COMMITTED", "DROPS VOTERS"],
    result.groups.map((group) => [
      group.groupId === 0 ? "0 (management)" : String(group.groupId),
      `${Math.round(group.leaderlessMs / 1000)} s`,
      String(group.lastIndex),
      String(group.commitIndex),
      ids(group.droppedVoters),
    ]),
  );
  if (isDryRun) {
    return [
      `Dry run on ${address}; nothing changed. With --force, these groups would continue with this node as their only voter:`,
      ...rows,
      "WARNING: entries that only the dropped voters hold would be lost, even if acknowledged, and",
      "this node's entries past KNOWN COMMITTED would become committed. Do it only when the dropped",
      "voters are gone for good; if they can come back, bring them back instead. A node the network",
      "cut off sees its voters silent just the same: if they may be running, check from another",
      "machine first: forcing it here while they run splits the cluster.",
      "",
    ].join("\n");
  }
  return [
    `Recovered on ${address}: these groups continue with this node as their only voter.`,
    ...rows,
    "The cluster adds the other nodes back as learners and voters as they answer. The dropped",
    "voters are removed for good: start them again only as new nodes, with empty storage.",
    "",
  ].join("\n");
}

export function recoveredJsonText(result: RecoverResult): string {
  return json(recoveredJson(result));
}

export function leftText(result: LeaveResult, address: string): string {
  return `Node ${result.nodeId} (${address}) left the cluster; its process is stopping.\n`;
}

export function leftJsonText(result: LeaveResult): string {
  return json(leftJson(result));
}

export function healthText(health: HealthInfo, address: string): string {
  const role = health.isLeader ? " (management leader)" : "";
  const reason = health.reason === undefined ? "" : `: ${oneLine(health.reason)}`;
  return `Node ${health.nodeId} at ${address} is ${health.status}${role}${reason}\n`;
}

export function healthJsonText(health: HealthInfo): string {
  return json(healthJson(health));
}

/** "1 node failure", "2 node failures", "no node failure". */
function failures(count: number): string {
  if (count === 0) return "no node failure";
  return count === 1 ? "1 node failure" : `${count} node failures`;
}

/** The leader's id; "none for 7 s" for a group the answering node sees leaderless. */
/**
 * A line naming the groups without a leader, when the answering node sees some: the
 * tolerance figure above says only "no node failure", not that nothing commits.
 */
function leaderlessLines(status: ClusterStatus): string[] {
  const leaderless = [
    ...(status.managementLeaderNodeId === 0 ? ["the management group"] : []),
    ...status.groups
      .filter((group) => isLeaderless(group, status))
      .map((group) => `execution cluster ${group.groupId} (${leaderlessText(group)})`),
  ];
  if (leaderless.length === 0) return [];
  return [
    `No leader now: ${leaderless.join(", ")}; they commit nothing until enough voters are back (or see raftoral cluster recover).`,
  ];
}

/**
 * Leaderless here (first-hand), or, on a node that does not host it, reported so by its
 * members: before, such a group was left off this line, though it showed no leader below. While
 * the answering node hears no management leader, it cannot tell (the management group is listed).
 */
function isLeaderless(group: ClusterStatus["groups"][number], status: ClusterStatus): boolean {
  if ((group.leaderlessMs ?? 0) > 0) return true;
  return group.leaderId === 0 && status.managementLeaderNodeId !== 0;
}

function leaderlessText(group: ClusterStatus["groups"][number]): string {
  return (group.leaderlessMs ?? 0) > 0 ? leaderText(group) : "as its members report";
}

function leaderText(group: ClusterStatus["groups"][number]): string {
  if ((group.leaderlessMs ?? 0) > 0) {
    return `none for ${Math.round((group.leaderlessMs ?? 0) / 1000)} s`;
  }
  return group.leaderId === 0 ? "-" : String(group.leaderId);
}

function ids(list: readonly number[]): string {
  return list.length === 0 ? "-" : list.join(",");
}

/** Rows padded into columns, with a header, indented by two spaces. */
function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const line = (cells: readonly string[]) =>
    `  ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join("  ")}`.trimEnd();
  return [line(header), ...rows.map(line)];
}
