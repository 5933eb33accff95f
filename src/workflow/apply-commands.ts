// One function per workflow command: checks the command against the replicated state and
// either changes it or refuses it with a reason. Called only from WorkflowStateMachine.apply.
// Pure and deterministic: the state and the command decide everything (not the node's code).

import { cancelCheckpointRefusal } from "./apply-cancel.ts";
import { type ApplyContext, type CommandOf, refuse } from "./apply-context.ts";
import type { WorkflowApplyResult } from "./apply-result.ts";
import { evictedStartRefusal, retentionFullRefusal } from "./apply-retention.ts";
import { consumeEvent, waitRefusal } from "./apply-waits.ts";
import { isCancelledEnd } from "./cancel.ts";
import { describedStatusOf } from "./describe.ts";
import type { RecordedError } from "./errors.ts";
import type { CheckpointOutcome, CheckpointRecord, ExecutionRecord } from "./execution.ts";
import { viewOf } from "./execution.ts";
import type { ExecutionTable } from "./execution-table.ts";
import { jsonEquals } from "./json.ts";

/**
 * Start: a known id is never started twice. The same workflow, version and input answer the
 * existing execution (a retried or repeated start); anything else is refused, naming the id.
 */
export function applyStart(
  context: ApplyContext,
  command: CommandOf<"Start">,
): WorkflowApplyResult {
  const { table, config } = context;
  const { workflowId } = command;
  const existing = table.get(workflowId);
  if (existing !== undefined) {
    if (!isSameStart(existing, command)) {
      // Name what differs: another workflow (or version) under that id, or the same one with
      // other input.
      const isSameWorkflow = existing.name === command.name && existing.version === command.version;
      return refuse(
        workflowId,
        "already-exists",
        `workflow ${workflowId} already exists as ${existing.name} v${existing.version}` +
          `${isSameWorkflow ? " with other input" : ""}; start this one under another ` +
          "workflow_id, or wait for the existing one",
      );
    }
    const isSameTrace = existing.traceId !== undefined && existing.traceId === command.traceId;
    return { type: "started", workflowId, isNew: false, isSameTrace, execution: viewOf(existing) };
  }
  const evicted = evictedStartRefusal(context, command);
  if (evicted !== undefined) return evicted;
  if (table.isSealed) {
    return refuse(
      workflowId,
      "sealed",
      "this execution cluster is draining and takes no new workflows; start it in another one",
    );
  }
  const full = retentionFullRefusal(context, workflowId);
  if (full !== undefined) return full;
  if (table.runningCount >= config.runningExecutionsMax) {
    return refuse(
      workflowId,
      "limit",
      `the group already runs ${config.runningExecutionsMax} workflows; retry when some finished`,
    );
  }
  const record: ExecutionRecord = {
    workflowId,
    name: command.name,
    version: command.version,
    input: command.input,
    runtimeVersion: command.runtimeVersion,
    seed: command.seed,
    startedAtMs: command.startedAtMs,
    ...(command.traceId === undefined ? {} : { traceId: command.traceId }),
    owner: command.owner,
    ownerEpoch: 1,
    status: "Running",
    checkpoints: [],
  };
  table.add(record);
  context.events.push({ type: "started", workflowId, owner: record.owner, index: context.index });
  return {
    type: "started",
    workflowId,
    isNew: true,
    isSameTrace: false,
    execution: viewOf(record),
  };
}

/** Looks up a Running execution and checks the proposer's epoch; a refusal otherwise. */
function currentRun(
  table: ExecutionTable,
  workflowId: string,
  ownerEpoch: number,
): ExecutionRecord | WorkflowApplyResult {
  const record = table.get(workflowId);
  if (record === undefined) {
    return refuse(workflowId, "not-found", `workflow ${workflowId} is not known to this group`);
  }
  if (record.status !== "Running") {
    const status = describedStatusOf(record);
    return refuse(workflowId, "not-running", `workflow ${workflowId} already ${status}`);
  }
  if (ownerEpoch !== record.ownerEpoch) {
    return refuse(
      workflowId,
      "stale-epoch",
      `workflow ${workflowId}: owner epoch ${ownerEpoch} is stale; node ${record.owner} owns it under epoch ${record.ownerEpoch}`,
      { currentEpoch: record.ownerEpoch },
    );
  }
  return record;
}

function isRecord(value: ExecutionRecord | WorkflowApplyResult): value is ExecutionRecord {
  return "workflowId" in value && "checkpoints" in value;
}

/** Checkpoint: only from the current epoch, only the next seq (or an identical copy). */
export function applyCheckpoint(
  context: ApplyContext,
  command: CommandOf<"Checkpoint">,
): WorkflowApplyResult {
  const { workflowId, seq } = command;
  const found = currentRun(context.table, workflowId, command.ownerEpoch);
  if (!isRecord(found)) return found;
  const recorded = found.checkpoints[seq];
  if (recorded !== undefined && isSameCheckpoint(recorded, command)) {
    return { type: "recorded", workflowId, seq, isDuplicate: true };
  }
  if (seq !== found.checkpoints.length) {
    return refuse(
      workflowId,
      "out-of-order",
      `workflow ${workflowId}: checkpoint ${seq} does not follow the ${found.checkpoints.length} recorded`,
      { recordedCount: found.checkpoints.length },
    );
  }
  const waitProblem = waitRefusal(found, command) ?? cancelCheckpointRefusal(found, command);
  if (waitProblem !== undefined) return waitProblem;
  if (seq >= context.config.checkpointsPerExecutionMax) {
    return refuse(
      workflowId,
      "limit",
      `workflow ${workflowId} reached the limit of ${context.config.checkpointsPerExecutionMax} recorded calls (steps, checkpoints, waits and what ended them); split long work into child workflows, or end this workflow and start a new one from the state it reached`,
    );
  }
  consumeEvent(found, command);
  found.checkpoints.push({
    seq,
    kind: command.kind,
    name: command.name,
    outcome: command.outcome,
    atMs: command.atMs,
    ownerEpoch: command.ownerEpoch,
    ...(command.stats === undefined ? {} : { stats: command.stats }),
  });
  context.events.push({ type: "recorded", workflowId, seq });
  return { type: "recorded", workflowId, seq, isDuplicate: false };
}

/**
 * Complete / Fail: ends a Running execution once; an identical repeat is acknowledged. A Fail
 * with a CancelledError's code after a cancel request ends it Cancelled (cancel.ts).
 */
export function applyFinish(
  context: ApplyContext,
  command: CommandOf<"Complete"> | CommandOf<"Fail">,
): WorkflowApplyResult {
  const { workflowId } = command;
  const existing = context.table.get(workflowId);
  const status =
    command.type === "Complete"
      ? "Completed"
      : existing !== undefined && isCancelledEnd(existing, command.error)
        ? "Cancelled"
        : "Failed";
  if (existing !== undefined && existing.status === status && isSameEnd(existing, command)) {
    return { type: "finished", workflowId, status, isDuplicate: true };
  }
  const found = currentRun(context.table, workflowId, command.ownerEpoch);
  if (!isRecord(found)) return found;
  found.status = status;
  if (command.type === "Complete") found.output = command.output;
  else found.error = command.error;
  found.finishedAtMs = command.finishedAtMs;
  context.table.markFinished(found);
  context.events.push({ type: "finished", workflowId, status });
  return { type: "finished", workflowId, status, isDuplicate: false };
}

function isSameStart(record: ExecutionRecord, command: CommandOf<"Start">): boolean {
  return (
    record.name === command.name &&
    record.version === command.version &&
    jsonEquals(record.input, command.input)
  );
}

function isSameCheckpoint(recorded: CheckpointRecord, command: CommandOf<"Checkpoint">): boolean {
  return (
    recorded.kind === command.kind &&
    recorded.name === command.name &&
    recorded.atMs === command.atMs &&
    isSameOutcome(recorded.outcome, command.outcome)
  );
}

function isSameOutcome(a: CheckpointOutcome, b: CheckpointOutcome): boolean {
  if (a.ok && b.ok) return jsonEquals(a.value, b.value);
  if (!a.ok && !b.ok) return isSameError(a.error, b.error);
  return false;
}

function isSameError(a: RecordedError | undefined, b: RecordedError): boolean {
  return a !== undefined && a.name === b.name && a.message === b.message && a.code === b.code;
}

function isSameEnd(
  record: ExecutionRecord,
  command: CommandOf<"Complete"> | CommandOf<"Fail">,
): boolean {
  if (record.ownerEpoch !== command.ownerEpoch) return false;
  return command.type === "Complete"
    ? jsonEquals(record.output, command.output)
    : isSameError(record.error, command.error);
}

/**
 * Adopt: takes over finished executions from a drained group, so their results outlive it.
 * Ids already known are skipped (a handover may be retried). A sealed group refuses: it is
 * handing over itself, and what arrived after its own handover began would be lost.
 */
export function applyAdopt(
  context: ApplyContext,
  command: CommandOf<"Adopt">,
): WorkflowApplyResult {
  if (context.table.isSealed) {
    return refuse(
      undefined,
      "sealed",
      "this execution group is draining; hand the results to another",
    );
  }
  let adopted = 0;
  for (const record of command.records) {
    if (context.table.get(record.workflowId) !== undefined) continue;
    context.table.adoptFinished({ ...record, checkpoints: [...record.checkpoints] });
    adopted++;
  }
  return { type: "adopted", count: adopted };
}

/** AssignOwner: moves a Running execution to a new owner under epoch = current + 1. */
export function applyAssignOwner(
  context: ApplyContext,
  command: CommandOf<"AssignOwner">,
): WorkflowApplyResult {
  const { workflowId } = command;
  const record = context.table.get(workflowId);
  if (
    record !== undefined &&
    record.status === "Running" &&
    command.epoch !== record.ownerEpoch + 1
  ) {
    return refuse(
      workflowId,
      "stale-epoch",
      `workflow ${workflowId}: owner epoch ${command.epoch} must be ${record.ownerEpoch + 1}; another assignment came first`,
      { currentEpoch: record.ownerEpoch },
    );
  }
  const found = currentRun(context.table, workflowId, command.epoch - 1);
  if (!isRecord(found)) return found;
  found.owner = command.owner;
  found.ownerEpoch = command.epoch;
  context.events.push({
    type: "ownerAssigned",
    workflowId,
    owner: command.owner,
    epoch: command.epoch,
  });
  return { type: "ownerAssigned", workflowId, owner: command.owner, epoch: command.epoch };
}
