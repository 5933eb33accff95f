// Child workflows: workflow code starts another workflow (ctx.startChild) and may wait for its
// result. The start is a `child` checkpoint whose value names the child: its id is fixed
// before the start is sent (the caller's, or the parent's id and the checkpoint's seq), and
// the node starts it as a start under a caller-chosen id, so neither a replay nor a new owner
// ever starts it twice. The child's outcome comes back as an event in the parent's inbox,
// named and identified `raftoral:child:<seq>` (so it is recorded once), which the parent's
// owner sends once the child finished: waiting for a child is a ctx.waitForEvent, durable
// and free of runs like any other wait.
// Pure: no I/O.

import { InvalidArgumentError, isJsonDepthWithin, type RaftoralError } from "../lib/index.ts";
import { eventRecordProblem } from "./command-size.ts";
import type { RecordedError } from "./errors.ts";
import { EVENT_PAYLOAD_DEPTH_MAX } from "./events.ts";
import type { ExecutionState } from "./execution-table.ts";
import type { JsonValue } from "./json.ts";
import { checkWorkflowId, WORKFLOW_ID_CHARS_MAX } from "./workflow-id.ts";

/** What the owner's node does for child workflows; the workflow layer itself does no I/O. */
export interface ChildLauncher {
  /**
   * Starts the child under `request.workflowId`, or finds it when it exists with the same
   * workflow and input; resolves with its execution cluster. Rejects with a RaftoralError.
   */
  start(request: ChildRequest): Promise<{ readonly executionClusterId: string }>;
  /**
   * Resolves with how the child ended, once it has (a child no cluster knows any more ended
   * as a NOT_FOUND failure); rejects when it cannot tell yet.
   */
  outcome(child: ChildRef, signal: AbortSignal): Promise<ChildOutcome>;
  /** Cancels or terminates the child (a repeat is acknowledged); rejects with a RaftoralError. */
  stop(child: ChildRef, type: "Cancel" | "Terminate", reason: string): Promise<void>;
}

/** What a run needs of the launcher: only starting (the runtime follows and stops). */
export type ChildStarter = Pick<ChildLauncher, "start">;

export interface ChildRequest {
  readonly name: string;
  readonly version: number;
  readonly input: JsonValue;
  readonly workflowId: string;
  /** The parent's trace: the child's log lines carry it too. */
  readonly traceId?: string;
}

/** A started child, as its `child` checkpoint records it. */
export interface ChildRef {
  readonly workflowId: string;
  readonly executionClusterId: string;
}

export type ChildOutcome =
  | { readonly ok: true; readonly output: JsonValue }
  | { readonly ok: false; readonly error: RecordedError };

/** Event names and ids with this prefix are Raftoral's own: callers may not send them. */
export const RESERVED_EVENT_PREFIX = "raftoral:";
const CHILD_EVENT_PREFIX = `${RESERVED_EVENT_PREFIX}child:`;

/** Codes of a refused child start that no retry can change: the start is recorded failed. */
const FINAL_START_CODES: ReadonlySet<string> = new Set([
  "INVALID_ARGUMENT",
  "NOT_FOUND",
  "ALREADY_EXISTS",
  "FAILED_PRECONDITION",
  "PERMISSION_DENIED",
]);

/** Whether a failed child start is final (recorded) rather than worth another try. */
export function isFinalStartFailure(error: unknown): boolean {
  const code = (error as Partial<RaftoralError>).code;
  return typeof code === "string" && FINAL_START_CODES.has(code);
}

/** The event (name and id alike) that carries the outcome of the child started at `seq`. */
export function childEventName(seq: number): string {
  return `${CHILD_EVENT_PREFIX}${seq}`;
}

/** INVALID_ARGUMENT for an event name or id a caller may not send. */
export function checkNotReserved(text: string, what: string): void {
  if (text.startsWith(RESERVED_EVENT_PREFIX)) {
    throw new InvalidArgumentError(
      `an ${what} starting with "${RESERVED_EVENT_PREFIX}" is reserved for Raftoral (child workflow results); choose another`,
    );
  }
}

/**
 * The id of the child started at `seq` of workflow `parentId`, unless the caller chose one:
 * the same on every replay and every owner.
 */
export function childIdOf(parentId: string, seq: number, chosen: string | undefined): string {
  if (chosen !== undefined) return checkWorkflowId(chosen, "the workflowId of ctx.startChild()");
  const suffix = `:child-${seq}`;
  const room = WORKFLOW_ID_CHARS_MAX - suffix.length;
  const base =
    parentId.length <= room ? parentId : `${parentId.slice(0, room - 9)}.${fnv(parentId)}`;
  return `${base}${suffix}`;
}

/** The child a `child` checkpoint's value names, or undefined if it is not one. */
export function childRefOf(value: JsonValue | undefined): ChildRef | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const { workflowId, executionClusterId } = value;
  if (typeof workflowId !== "string" || typeof executionClusterId !== "string") return undefined;
  return { workflowId, executionClusterId };
}

/** The children `execution` started, with the seq of their `child` checkpoint. */
export function childrenStarted(
  execution: ExecutionState,
): Array<ChildRef & { readonly seq: number }> {
  const started: Array<ChildRef & { readonly seq: number }> = [];
  for (const checkpoint of execution.checkpoints) {
    if (checkpoint.kind !== "child" || !checkpoint.outcome.ok) continue;
    const ref = childRefOf(checkpoint.outcome.value);
    if (ref !== undefined) started.push({ ...ref, seq: checkpoint.seq });
  }
  return started;
}

/** The child whose outcome the event named `eventName` brings, if it is such an event. */
export function childOfEvent(execution: ExecutionState, eventName: string): ChildRef | undefined {
  if (!eventName.startsWith(CHILD_EVENT_PREFIX)) return undefined;
  const seq = Number(eventName.slice(CHILD_EVENT_PREFIX.length));
  return childrenStarted(execution).find((child) => child.seq === seq);
}

/** The children of `execution` whose outcome is not in its inbox yet, with their seq. */
export function childrenAwaited(
  execution: ExecutionState,
): Array<ChildRef & { readonly seq: number }> {
  const delivered = new Set(execution.inbox?.map((event) => event.eventId));
  return childrenStarted(execution).filter((child) => !delivered.has(childEventName(child.seq)));
}

/**
 * The children `parent`'s cancel or termination is passed on to, with the type of stop: a
 * terminated parent terminates all of its children; a parent asked to cancel cancels those
 * it started before its code got the cancel (all of them until then), not those its clean-up
 * started after. Children whose outcome it has are done. A record decides each, so every
 * owner, before and after a failover, stops the same children.
 */
export function childrenToStop(parent: ExecutionState): {
  readonly type: "Cancel" | "Terminate";
  readonly children: Array<ChildRef & { readonly seq: number }>;
} {
  if (parent.status === "Terminated") {
    return { type: "Terminate", children: childrenAwaited(parent) };
  }
  if (parent.cancelRequest === undefined) return { type: "Cancel", children: [] };
  const deliveredAt = parent.checkpoints.findIndex((checkpoint) => checkpoint.kind === "cancel");
  const children = childrenAwaited(parent).filter(
    (child) => deliveredAt < 0 || child.seq < deliveredAt,
  );
  return { type: "Cancel", children };
}

/**
 * The event payload for a child's outcome, as the parent's `event` records it. An output
 * nested too deep for that record (EVENT_PAYLOAD_DEPTH_MAX, less this payload's own level),
 * or too large for it with the record's other fields, comes back as a failure saying so: the
 * parent could never record the event that carried it, and would fail instead of catching it.
 */
export function childOutcomeValue(
  outcome: ChildOutcome,
  event: { readonly workflowId: string; readonly name: string },
): JsonValue {
  const value: JsonValue = outcome.ok
    ? { ok: true, output: outcome.output }
    : { ok: false, error: { ...outcome.error } };
  if (!isJsonDepthWithin(value, EVENT_PAYLOAD_DEPTH_MAX)) {
    const levels = EVENT_PAYLOAD_DEPTH_MAX - 1;
    const message = `the child's output nests deeper than ${levels} levels of arrays and objects, more than its parent can record; return a flatter value`;
    return {
      ok: false,
      error: { name: "InvalidArgumentError", message, code: "INVALID_ARGUMENT" },
    };
  }
  const problem = eventRecordProblem({ ...event, eventId: event.name, payload: value });
  if (problem === undefined) return value;
  const message = `the child's outcome is too large for its parent to record: ${problem}; return a smaller value, or a reference to the data`;
  return { ok: false, error: { name: "LimitError", message, code: "RESOURCE_EXHAUSTED" } };
}

/** Reads a payload childOutcomeValue() made; undefined for anything else. */
export function childOutcomeOf(payload: JsonValue): ChildOutcome | undefined {
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) return undefined;
  if (payload.ok === true && payload.output !== undefined) {
    return { ok: true, output: payload.output };
  }
  const error = payload.error;
  if (payload.ok !== false || typeof error !== "object" || error === null) return undefined;
  if (Array.isArray(error)) return undefined;
  const { name, message, code } = error;
  if (typeof name !== "string" || typeof message !== "string") return undefined;
  return { ok: false, error: { name, message, ...(typeof code === "string" ? { code } : {}) } };
}

function fnv(text: string): string {
  let hash = 0x811c9dc5;
  for (let k = 0; k < text.length; k++) hash = Math.imul(hash ^ text.charCodeAt(k), 0x01000193);
  return (hash >>> 0).toString(16).padStart(8, "0");
}
