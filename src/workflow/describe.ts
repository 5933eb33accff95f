// What a workflow looks like from outside: its status in words a user reads (running,
// sleeping, waiting for an event, completed, failed), what it was started with, who runs it,
// when, and the calls it recorded. Built from one member's applied record.
// Pure: no I/O.

import type { NodeId } from "../lib/index.ts";
import { type ChildRef, childOfEvent, childRefOf } from "./children.ts";
import type { RecordedError } from "./errors.ts";
import { eventDeadlineMs } from "./events.ts";
import type { ExecutionStatus } from "./execution.ts";
import type { ExecutionState } from "./execution-table.ts";
import type { JsonValue } from "./json.ts";
import { timerDueAtMs } from "./timers.ts";
import { heldOnWait } from "./wait-pairs.ts";

/**
 * Every status word describe and list use, in the order help texts show them. The one list
 * to extend: RECORD_STATUS_OF below then asks (at compile time) what record status it is.
 */
export const DESCRIBED_STATUSES = [
  "running",
  "sleeping",
  "waiting",
  "completed",
  "failed",
  "cancelled",
  "terminated",
] as const;

export type DescribedStatus = (typeof DESCRIBED_STATUSES)[number];

/** The replicated record status behind each word (list uses it to pick an index). */
export const RECORD_STATUS_OF: Readonly<Record<DescribedStatus, ExecutionStatus>> = {
  running: "Running",
  sleeping: "Running",
  waiting: "Running",
  completed: "Completed",
  failed: "Failed",
  cancelled: "Cancelled",
  terminated: "Terminated",
};

/** Whether `text` is one of DESCRIBED_STATUSES. */
export function isDescribedStatus(text: string): text is DescribedStatus {
  return (DESCRIBED_STATUSES as readonly string[]).includes(text);
}

/** One recorded ctx call. */
export interface CheckpointSummary {
  readonly seq: number;
  readonly kind: string;
  readonly name: string;
  readonly atMs: number;
  /** The call's error (a step that failed), if it recorded one. */
  readonly error?: RecordedError;
  /** A step: attempts of its body and how long they took, on the owner that recorded it. */
  readonly attempts?: number;
  readonly durationMs?: number;
  /** A child call that started its child: the child's id and execution cluster. */
  readonly child?: ChildRef;
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
  /** The W3C trace id of the request that started it, if it carried or got one. */
  readonly traceId?: string;
  readonly finishedAtMs?: number;
  readonly output?: JsonValue;
  readonly error?: RecordedError;
  /** Sleeping: when its timer is due; waiting: when its wait times out (absent: never). */
  readonly wakeAtMs?: number;
  /** Waiting: the event name it waits for. */
  readonly waitingFor?: string;
  /** Waiting for a child workflow's result (that event is the child's): the child's id. */
  readonly waitingForChild?: string;
  /** A cancel asked of it: when, and why ("" for no reason). */
  readonly cancelRequest?: { readonly requestedAtMs: number; readonly reason: string };
  /** Events sent to it that no wait took yet. */
  readonly pendingEvents: number;
  readonly checkpoints: readonly CheckpointSummary[];
}

export function describeExecution(record: ExecutionState): WorkflowDescription {
  const held = record.status === "Running" ? heldOnWait(record.checkpoints) : undefined;
  const isWaiting = held?.kind === "event-wait";
  const deadlineMs = isWaiting ? eventDeadlineMs(held) : undefined;
  const wakeAtMs =
    held?.kind === "sleep"
      ? timerDueAtMs(held)
      : deadlineMs !== undefined && Number.isFinite(deadlineMs)
        ? deadlineMs
        : undefined;
  return {
    workflowId: record.workflowId,
    name: record.name,
    version: record.version,
    status: describedStatusOf(record),
    input: record.input,
    owner: record.owner,
    ownerEpoch: record.ownerEpoch,
    startedAtMs: record.startedAtMs,
    ...(record.traceId === undefined ? {} : { traceId: record.traceId }),
    ...(record.finishedAtMs === undefined ? {} : { finishedAtMs: record.finishedAtMs }),
    ...(record.output === undefined ? {} : { output: record.output }),
    ...(record.error === undefined ? {} : { error: record.error }),
    ...(wakeAtMs === undefined ? {} : { wakeAtMs }),
    ...(isWaiting ? waitingOf(record, held.name) : {}),
    ...(record.cancelRequest === undefined
      ? {}
      : {
          cancelRequest: {
            requestedAtMs: record.cancelRequest.requestedAtMs,
            reason: record.cancelRequest.reason,
          },
        }),
    pendingEvents: (record.inbox ?? []).filter((event) => !event.isConsumed).length,
    checkpoints: record.checkpoints.map(checkpointSummaryOf),
  };
}

function checkpointSummaryOf(checkpoint: ExecutionState["checkpoints"][number]): CheckpointSummary {
  const { outcome } = checkpoint;
  const child = checkpoint.kind === "child" && outcome.ok ? childRefOf(outcome.value) : undefined;
  return {
    seq: checkpoint.seq,
    kind: checkpoint.kind,
    name: checkpoint.name,
    atMs: checkpoint.atMs,
    ...(outcome.ok ? {} : { error: outcome.error }),
    ...(checkpoint.stats === undefined
      ? {}
      : { attempts: checkpoint.stats.attempts, durationMs: checkpoint.stats.durationMs }),
    ...(child === undefined ? {} : { child }),
  };
}

/** The status word of an execution: a Running one held on a wait sleeps or waits. */
export function describedStatusOf(record: ExecutionState): DescribedStatus {
  if (record.status === "Running") {
    const kind = heldOnWait(record.checkpoints)?.kind;
    if (kind === "sleep") return "sleeping";
    if (kind === "event-wait") return "waiting";
  }
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

/** What a waiting execution waits for: the event's name, and the child it comes from, if any. */
function waitingOf(
  record: ExecutionState,
  eventName: string,
): { waitingFor: string; waitingForChild?: string } {
  const child = childOfEvent(record, eventName);
  return {
    waitingFor: eventName,
    ...(child === undefined ? {} : { waitingForChild: child.workflowId }),
  };
}
