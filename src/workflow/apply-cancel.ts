// Apply-time rules of cancel and terminate (cancel.ts). A Cancel marks a Running execution
// once (a repeat is acknowledged, also after it ended); the owner then records the `cancel`
// checkpoint where its code sees it. A Terminate ends a Running execution at once as
// Terminated; every later proposal of its old run is refused, since it no longer runs.
// Pure and deterministic: the state and the command decide, as everywhere in apply.

import { type ApplyContext, type CommandOf, refuse } from "./apply-context.ts";
import type { WorkflowApplyResult } from "./apply-result.ts";
import { isCancelDelivered, terminatedError } from "./cancel.ts";
import { describedStatusOf } from "./describe.ts";
import type { ExecutionRecord } from "./execution.ts";

/** Cancel: marks a Running execution; a workflow that already had one acknowledges it. */
export function applyCancel(
  context: ApplyContext,
  command: CommandOf<"Cancel">,
): WorkflowApplyResult {
  const { workflowId } = command;
  const record = context.table.get(workflowId);
  if (record === undefined) {
    return refuse(workflowId, "not-found", `workflow ${workflowId} is not known to this group`);
  }
  if (record.cancelRequest !== undefined) {
    return { type: "cancelRequested", workflowId, status: record.status, isDuplicate: true };
  }
  if (record.status !== "Running") return finishedRefusal(record, "cancel");
  record.cancelRequest = {
    reason: command.reason,
    requestedAtMs: command.requestedAtMs,
    atSeq: record.checkpoints.length,
  };
  context.events.push({ type: "cancelRequested", workflowId });
  return { type: "cancelRequested", workflowId, status: record.status, isDuplicate: false };
}

/** Terminate: ends a Running execution now; a terminated one acknowledges a repeat. */
export function applyTerminate(
  context: ApplyContext,
  command: CommandOf<"Terminate">,
): WorkflowApplyResult {
  const { workflowId } = command;
  const record = context.table.get(workflowId);
  if (record === undefined) {
    return refuse(workflowId, "not-found", `workflow ${workflowId} is not known to this group`);
  }
  if (record.status === "Terminated") {
    return { type: "finished", workflowId, status: "Terminated", isDuplicate: true };
  }
  if (record.status !== "Running") return finishedRefusal(record, "terminate");
  record.status = "Terminated";
  record.error = terminatedError(workflowId, command.reason);
  // Never before anything the execution recorded, whatever the proposer's clock said.
  const lastAtMs = record.checkpoints.at(-1)?.atMs ?? record.startedAtMs;
  record.finishedAtMs = Math.max(command.requestedAtMs, lastAtMs, record.startedAtMs);
  context.table.markFinished(record);
  context.events.push({ type: "finished", workflowId, status: "Terminated" });
  return { type: "finished", workflowId, status: "Terminated", isDuplicate: false };
}

/** Why a `cancel` checkpoint cannot be recorded, if it cannot: no request, or one already. */
export function cancelCheckpointRefusal(
  record: ExecutionRecord,
  command: CommandOf<"Checkpoint">,
): WorkflowApplyResult | undefined {
  if (command.kind !== "cancel") return undefined;
  const { workflowId, seq } = command;
  if (record.cancelRequest === undefined) {
    return refuse(workflowId, "malformed", `workflow ${workflowId}: cancel ${seq} was not asked`);
  }
  if (command.outcome.ok || isCancelDelivered(record.checkpoints)) {
    return refuse(
      workflowId,
      "malformed",
      `workflow ${workflowId}: cancel ${seq} is not a first delivery of its CancelledError`,
    );
  }
  return undefined;
}

function finishedRefusal(record: ExecutionRecord, what: string): WorkflowApplyResult {
  return refuse(
    record.workflowId,
    "not-running",
    `workflow ${record.workflowId} already ${describedStatusOf(record)}; there is nothing to ${what}`,
  );
}
