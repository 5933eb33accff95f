// What a workflow looks like from outside: its status in words a user reads (running,
// sleeping, waiting for an event, completed, failed), what it was started with, who runs it,
// when, and the calls it recorded. Built from one member's applied record.
// Pure: no I/O.

import type { NodeId } from "../lib/index.ts";
import type { RecordedError } from "./errors.ts";
import { eventDeadlineMs } from "./events.ts";
import type { ExecutionState } from "./execution-table.ts";
import type { JsonValue } from "./json.ts";
import { timerDueAtMs } from "./timers.ts";

export type DescribedStatus =
  | "running"
  | "sleeping"
  | "waiting"
  | "completed"
  | "failed"
  | "cancelled"
  | "terminated";

/** One recorded ctx call. */
export interface CheckpointSummary {
  readonly seq: number;
  readonly kind: string;
  readonly name: string;
  readonly atMs: number;
  /** The call's error (a step that failed), if it recorded one. */
  readonly error?: RecordedError;
}

export interface WorkflowDescription {
  readonly workflowId: string;
  readonly name: string;
  readonly version: number;
  readonly status: DescribedStatus;
  readonly input: JsonValue;
  readonly owner: NodeId;
  readonly ownerEpoch: number;
  readonly startedAtMs: number;
  readonly finishedAtMs?: number;
  readonly output?: JsonValue;
  readonly error?: RecordedError;
  /** Sleeping: when its timer is due; waiting: when its wait times out (absent: never). */
  readonly wakeAtMs?: number;
  /** Waiting: the event name it waits for. */
  readonly waitingFor?: string;
  /** Events sent to it that no wait took yet. */
  readonly pendingEvents: number;
  readonly checkpoints: readonly CheckpointSummary[];
}

export function describeExecution(record: ExecutionState): WorkflowDescription {
  const last = record.checkpoints.at(-1);
  const isRunning = record.status === "Running";
  const isSleeping = isRunning && last?.kind === "sleep";
  const isWaiting = isRunning && last?.kind === "event-wait";
  const deadlineMs = isWaiting && last !== undefined ? eventDeadlineMs(last) : undefined;
  const wakeAtMs =
    isSleeping && last !== undefined
      ? timerDueAtMs(last)
      : deadlineMs !== undefined && Number.isFinite(deadlineMs)
        ? deadlineMs
        : undefined;
  return {
    workflowId: record.workflowId,
    name: record.name,
    version: record.version,
    status: isSleeping ? "sleeping" : isWaiting ? "waiting" : statusOf(record),
    input: record.input,
    owner: record.owner,
    ownerEpoch: record.ownerEpoch,
    startedAtMs: record.startedAtMs,
    ...(record.finishedAtMs === undefined ? {} : { finishedAtMs: record.finishedAtMs }),
    ...(record.output === undefined ? {} : { output: record.output }),
    ...(record.error === undefined ? {} : { error: record.error }),
    ...(wakeAtMs === undefined ? {} : { wakeAtMs }),
    ...(isWaiting && last !== undefined ? { waitingFor: last.name } : {}),
    pendingEvents: (record.inbox ?? []).filter((event) => !event.isConsumed).length,
    checkpoints: record.checkpoints.map((checkpoint) => ({
      seq: checkpoint.seq,
      kind: checkpoint.kind,
      name: checkpoint.name,
      atMs: checkpoint.atMs,
      ...(checkpoint.outcome.ok ? {} : { error: checkpoint.outcome.error }),
    })),
  };
}

function statusOf(record: ExecutionState): DescribedStatus {
  switch (record.status) {
    case "Running":
      return "running";
    case "Completed":
      return "completed";
    case "Failed":
      return "failed";
    case "Cancelled":
      return "cancelled";
    case "Terminated":
      return "terminated";
  }
}
