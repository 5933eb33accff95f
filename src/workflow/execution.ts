// The replicated record of one execution: who owns it under which epoch, the checkpoints
// committed so far, and how it ended. Only the state machine's apply changes these records;
// everyone else reads them through the Readonly views below.
// Pure: no I/O.

import type { NodeId } from "../lib/index.ts";
import type { RecordedError } from "./errors.ts";
import type { InboxEvent } from "./events.ts";
import type { JsonValue } from "./json.ts";

/**
 * Cancelled: the workflow let the CancelledError of a cancel request end it. Terminated: an
 * operator ended it at once (Terminate), whatever its code was doing.
 */
export type ExecutionStatus = "Running" | "Completed" | "Failed" | "Cancelled" | "Terminated";

/**
 * What a checkpoint records: a declared variable, a new value for it, a step's result, a
 * durable timer set (`sleep`, its value a TimerSpec) or that timer fired (`wake`), a wait for
 * an event began (`event-wait`, its timeout) or got its event or timed out (`event`), a
 * version marker (`patch`, named by the patch id; patch-markers.ts), a child workflow was
 * started (`child`, its id and execution cluster; children.ts), or a cancel request was
 * delivered to the code at this call (`cancel`, see cancel.ts).
 */
export type CheckpointKind =
  | "checkpoint"
  | "set"
  | "step"
  | "sleep"
  | "wake"
  | "event-wait"
  | "event"
  | "patch"
  | "child"
  | "cancel";

/** A recorded result: a value (absent when the step returned nothing) or a user error. */
export type CheckpointOutcome =
  | { readonly ok: true; readonly value?: JsonValue }
  | { readonly ok: false; readonly error: RecordedError };

export interface CheckpointRecord {
  /** Position in the execution's sequence of ctx calls, from 0. */
  readonly seq: number;
  readonly kind: CheckpointKind;
  /** The checkpoint key or the step name. */
  readonly name: string;
  readonly outcome: CheckpointOutcome;
  /** The owner's wall clock when it proposed this (never below the previous one). */
  readonly atMs: number;
  /** The owner epoch under which it was committed. */
  readonly ownerEpoch: number;
  /** A step: how often its body ran on the owner that recorded it, and for how long. */
  readonly stats?: StepStats;
}

/** What running a step's body took on the owner that recorded its outcome. */
export interface StepStats {
  readonly attempts: number;
  /** From the first attempt's start to the outcome, retry waits included (monotonic). */
  readonly durationMs: number;
}

export interface ExecutionRecord {
  readonly workflowId: string;
  readonly name: string;
  readonly version: number;
  readonly input: JsonValue;
  /** The replay semantics this execution was started under (STYLE 1.9). */
  readonly runtimeVersion: number;
  /** Seed of ctx.random(). */
  readonly seed: number;
  readonly startedAtMs: number;
  /** The W3C trace id of the request that started it (absent in records from before traces). */
  readonly traceId?: string;
  owner: NodeId;
  /** Raised by every AssignOwner; only proposals carrying the current epoch are accepted. */
  ownerEpoch: number;
  status: ExecutionStatus;
  readonly checkpoints: CheckpointRecord[];
  /** Events sent to it, in log order (events.ts); absent until the first one. */
  inbox?: InboxEvent[];
  /** Set by the first Cancel: the code sees a CancelledError at its next ctx call. */
  cancelRequest?: CancelRequest;
  output?: JsonValue;
  error?: RecordedError;
  finishedAtMs?: number;
}

/** A recorded request to cancel a running execution (cancel.ts). */
export interface CancelRequest {
  /** The caller's reason; "" when none was given. */
  readonly reason: string;
  /** The proposer's wall clock when it asked. */
  readonly requestedAtMs: number;
  /**
   * The seq of the execution's next call when the request was applied (its checkpoint count
   * then). A step a later run finds live at this seq may have been running when the request
   * came, so it runs again rather than take the cancel (replay-cursor.ts). Absent in requests
   * applied by older builds.
   */
  readonly atSeq?: number;
}

/** A copy of an execution's state for callers (status queries, wait, the API). */
export interface ExecutionView {
  readonly workflowId: string;
  readonly name: string;
  readonly version: number;
  readonly status: ExecutionStatus;
  readonly owner: NodeId;
  readonly ownerEpoch: number;
  readonly checkpointCount: number;
  readonly startedAtMs: number;
  readonly output?: JsonValue;
  readonly error?: RecordedError;
  readonly finishedAtMs?: number;
}

export function viewOf(record: Readonly<ExecutionRecord>): ExecutionView {
  return {
    workflowId: record.workflowId,
    name: record.name,
    version: record.version,
    status: record.status,
    owner: record.owner,
    ownerEpoch: record.ownerEpoch,
    checkpointCount: record.checkpoints.length,
    startedAtMs: record.startedAtMs,
    ...(record.output === undefined ? {} : { output: record.output }),
    ...(record.error === undefined ? {} : { error: record.error }),
    ...(record.finishedAtMs === undefined ? {} : { finishedAtMs: record.finishedAtMs }),
  };
}
