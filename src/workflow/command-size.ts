// What a workflow may record in one log entry. A step result, a checkpoint or an output is
// replicated to every member and kept in memory with the workflow, so it must stay far below
// what a peer message may carry (64 MiB): a result too large to replicate would stall the
// whole group. The limit is the one inputs have (1 MiB), checked before proposing; a workflow
// that crosses it fails with a LimitError naming what was too large.

import { isJsonLargerThan, type JsonValue, RaftoralError, toJsonValue } from "../lib/index.ts";
import { encodeCommand, type WorkflowCommand } from "./commands.ts";
import type { RecordedError } from "./errors.ts";
import { checkEventPayloadDepth } from "./events.ts";

export const RECORDED_COMMAND_BYTES_MAX = 1024 * 1024;

/**
 * What one execution's record may hold in all: its input and every checkpoint, as JSON. Each
 * member keeps a running execution's whole record in memory and every run replays it, so one
 * loop of large results must not grow it to gigabytes (10,000 calls of 1 MiB each). Checked
 * by the owner before proposing, as the size of one entry is.
 */
export const EXECUTION_RECORD_BYTES_MAX = 32 * 1024 * 1024;

/**
 * toJsonValue for a value a workflow records (a step's result, a checkpoint, the output). One
 * plainly over the limit (isJsonLargerThan) is passed on as it is: proposing it fails for its
 * size anyway (oversizeProblem), and writing and reading back many megabytes first would hold
 * the owner for seconds, long enough for the group to take it for dead.
 */
export function toRecordedJson(value: unknown, what: string): JsonValue | undefined {
  if (value !== undefined && isJsonLargerThan(value, RECORDED_COMMAND_BYTES_MAX)) {
    return value as JsonValue;
  }
  return toJsonValue(value, what);
}

/** `command`'s encoded size, or undefined when plainly over `bytesMax` (told without encoding). */
export function encodedSize(
  command: WorkflowCommand,
  bytesMax = RECORDED_COMMAND_BYTES_MAX,
): number | undefined {
  return isJsonLargerThan(command, bytesMax) ? undefined : encodeCommand(command).byteLength;
}

/**
 * How a workflow that crossed a limit (a record's size, the number of recorded calls) ends:
 * a LimitError with the code of every other limit, so that a caller can tell it from a
 * failure of the workflow's own code. Before, it was recorded without a code (`error_code`
 * null), unlike the same LimitError a child's outcome gets.
 */
export function limitFailure(message: string): RecordedError {
  return { name: "LimitError", message, code: "RESOURCE_EXHAUSTED" };
}

/** Why `command` may not be proposed, or undefined when its size is fine. */
export function oversizeProblem(
  command: Extract<WorkflowCommand, { type: "Checkpoint" | "Complete" }>,
  bytesMax = RECORDED_COMMAND_BYTES_MAX,
  bytes = encodedSize(command, bytesMax),
): string | undefined {
  if (bytes !== undefined && bytes <= bytesMax) return undefined;
  const what =
    command.type === "Checkpoint"
      ? `${command.kind} ${JSON.stringify(command.name)} (checkpoint ${command.seq})`
      : "the output";
  const size = bytes === undefined ? `more than ${bytesMax}` : `${bytes}`;
  return (
    `workflow ${command.workflowId}: ${what} is ${size} bytes encoded; the limit is ` +
    `${bytesMax}. Keep large data outside the workflow and record a reference to it`
  );
}

/**
 * Why a checkpoint of `bytes` may not join a record already holding `recordedBytes`, or
 * undefined when the record stays within EXECUTION_RECORD_BYTES_MAX.
 */
export function recordGrowthProblem(
  command: Extract<WorkflowCommand, { type: "Checkpoint" }>,
  bytes: number,
  recordedBytes: number,
): string | undefined {
  const recordBytesMax = EXECUTION_RECORD_BYTES_MAX;
  if (recordedBytes + bytes <= recordBytesMax) return undefined;
  return (
    `workflow ${command.workflowId}: ${command.kind} ${JSON.stringify(command.name)} ` +
    `(checkpoint ${command.seq}, ${bytes} bytes) would bring its record to ` +
    `${recordedBytes + bytes} bytes; one execution's record holds at most ${recordBytesMax}. ` +
    "Keep large data outside the workflow and record a reference to it, split long work " +
    "into child workflows, or end this workflow and start a new one from the state it reached"
  );
}

/** An event as its `event` checkpoint will record it. */
export interface RecordedEvent {
  readonly workflowId: string;
  readonly name: string;
  readonly eventId: string;
  readonly payload: JsonValue;
}

/**
 * Why the `event` checkpoint of the wait that takes `event` could not be recorded, or
 * undefined when it fits. That record holds the payload with the event's id and the wait's
 * place; one over the limit would fail the workflow that waits, whatever its code does. It is
 * counted with the largest numbers a record may carry, so an event that passes always fits.
 */
export function eventRecordProblem(event: RecordedEvent): string | undefined {
  const largest = Number.MAX_SAFE_INTEGER;
  const value = { eventId: event.eventId, payload: event.payload, waitSeq: largest };
  const record: WorkflowCommand = {
    type: "Checkpoint",
    workflowId: event.workflowId,
    ownerEpoch: largest,
    seq: largest,
    kind: "event",
    name: event.name,
    outcome: { ok: true, value },
    atMs: largest,
  };
  const bytesMax = RECORDED_COMMAND_BYTES_MAX;
  const bytes = isJsonLargerThan(record, bytesMax) ? undefined : encodeCommand(record).byteLength;
  if (bytes !== undefined && bytes <= bytesMax) return undefined;
  const size = bytes === undefined ? `more than ${bytesMax}` : `${bytes}`;
  return `the workflow's record of it would take ${size} bytes; one record holds at most ${bytesMax}`;
}

/**
 * Refuses, before it is sent, an event that the wait taking it could not record (too deep, or
 * too large with its record's fields): it would fail the workflow instead of reaching it.
 */
export function checkEventPayload(event: RecordedEvent): void {
  checkEventPayloadDepth(event.payload);
  const problem = eventRecordProblem(event);
  if (problem === undefined) return;
  throw new RaftoralError(
    "RESOURCE_EXHAUSTED",
    `the event's payload is too large: ${problem}; keep large data outside the workflow and ` +
      "send a reference to it",
  );
}
