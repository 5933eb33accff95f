// Events sent into a running workflow: each execution has an inbox, filled in log order by
// Signal commands and read by ctx.waitForEvent(). A wait is two checkpoints: `event-wait`
// records the optional timeout once (its deadline follows from the record's own atMs), and
// `event` records what the wait got: the first unconsumed event of that name in the inbox, or
// the timeout once it has passed. Apply checks both, so every event is delivered once, in log
// order, and a timeout is never early (see docs/workflows.md, "Events").
// Pure: no I/O, no clocks.

import {
  type ErrorCode,
  InvalidArgumentError,
  isJsonDepthWithin,
  JSON_DEPTH_MAX,
} from "../lib/index.ts";
import type { RefusalReason } from "./apply-result.ts";
import { shownName } from "./definition.ts";
import type { CheckpointRecord } from "./execution.ts";
import type { JsonValue } from "./json.ts";
import { parseDuration } from "./timers.ts";

/** Events one execution's inbox holds (delivered ones count too, for deduplication). */
export const INBOX_EVENTS_MAX = 1_000;
/**
 * Bytes of payload (as JSON text) an inbox holds while not delivered. A delivered event's
 * payload lives on in its `event` checkpoint, so the inbox drops it and keeps only the id.
 */
export const INBOX_PENDING_BYTES_MAX = 8 * 1024 * 1024;

/**
 * How deep an event's payload may nest. Its `event` checkpoint holds it one level down, and
 * apply refuses a checkpoint value deeper than JSON_DEPTH_MAX: an event any deeper would sit
 * in the inbox for good, its wait never able to record it.
 */
export const EVENT_PAYLOAD_DEPTH_MAX = JSON_DEPTH_MAX - 1;

/** Refuses, before it is sent, an event payload its `event` checkpoint could not hold. */
export function checkEventPayloadDepth(payload: JsonValue): void {
  if (isJsonDepthWithin(payload, EVENT_PAYLOAD_DEPTH_MAX)) return;
  throw new InvalidArgumentError(
    `the event's payload nests deeper than ${EVENT_PAYLOAD_DEPTH_MAX} levels of arrays and ` +
      `objects (the event's record adds one to the ${JSON_DEPTH_MAX} the log takes); flatten it`,
  );
}

/** How a refused Signal reaches the sender. */
export const SIGNAL_REFUSAL_CODES: Partial<Record<RefusalReason, ErrorCode>> = {
  "not-found": "NOT_FOUND",
  "not-running": "FAILED_PRECONDITION",
  limit: "RESOURCE_EXHAUSTED",
};

/** One event in an execution's inbox. Only apply changes `isConsumed`. */
export interface InboxEvent {
  /** The sender's id for it, or one the receiving node made up; unique per execution. */
  readonly eventId: string;
  readonly name: string;
  /** null once delivered (see INBOX_PENDING_BYTES_MAX). */
  payload: JsonValue;
  /** A waitForEvent() got it (its `event` checkpoint is committed). */
  isConsumed: boolean;
}

/** What ctx.waitForEvent() resolves with: the event, or that the timeout passed first. */
export type EventResult<T> =
  | { readonly isTimedOut: false; readonly eventId: string; readonly payload: T }
  | { readonly isTimedOut: true };

export interface WaitForEventOptions {
  /** Give up after this long (ms or text such as "30s", "2h"); without it, wait for ever. */
  readonly timeout?: number | string;
}

/** The `event-wait` checkpoint's value: `{}` or `{ timeoutMs }`. */
export function eventWaitValue(options: WaitForEventOptions | undefined): JsonValue {
  if (options?.timeout === undefined) return {};
  return { timeoutMs: parseDuration(options.timeout, "the timeout of ctx.waitForEvent()") };
}

/** When a committed `event-wait` times out (owner's wall clock); Infinity without a timeout. */
export function eventDeadlineMs(record: Pick<CheckpointRecord, "atMs" | "outcome">): number {
  const value = record.outcome.ok ? record.outcome.value : undefined;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return Number.POSITIVE_INFINITY;
  }
  const timeoutMs = value.timeoutMs;
  return typeof timeoutMs === "number" ? record.atMs + timeoutMs : Number.POSITIVE_INFINITY;
}

/** Whether an `event-wait` value is one eventWaitValue() makes. */
export function isEventWaitValue(value: JsonValue | undefined): boolean {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  if (keys.length === 0) return true;
  const timeoutMs = value.timeoutMs;
  return keys.length === 1 && typeof timeoutMs === "number" && Number.isSafeInteger(timeoutMs);
}

/** The `event` checkpoint's value for a delivered event, or for a timeout. */
export function eventValue(event: InboxEvent | undefined): JsonValue {
  return event === undefined
    ? { isTimedOut: true }
    : // A copy: the workflow code gets this value, and the inbox is replicated state.
      { eventId: event.eventId, payload: structuredClone(event.payload) };
}

/** What an `event` checkpoint's value says: the event's id, or a timeout. */
export function eventOf(value: JsonValue | undefined): EventResult<JsonValue> | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  // Beside a timeout only the seq of its wait, when other records came between (wait-pairs.ts).
  const keys = Object.keys(value).filter((key) => key !== "waitSeq");
  if (value.isTimedOut === true && keys.length === 1) return { isTimedOut: true };
  const { eventId, payload } = value;
  if (typeof eventId !== "string" || payload === undefined) return undefined;
  return { isTimedOut: false, eventId, payload };
}

/** Approximate bytes of the payloads not yet delivered (their JSON text). */
export function pendingBytes(inbox: readonly InboxEvent[]): number {
  let bytes = 0;
  for (const event of inbox) if (!event.isConsumed) bytes += JSON.stringify(event.payload).length;
  return bytes;
}

/** The first event named `name` no wait got yet, in log order. */
export function nextEvent(
  inbox: readonly InboxEvent[] | undefined,
  name: string,
): InboxEvent | undefined {
  return inbox?.find((event) => !event.isConsumed && event.name === name);
}

/** Event names follow the rules of step names; checked where they enter. */
export function checkEventName(name: unknown, charsMax: number): string {
  if (typeof name !== "string" || name.length === 0 || name.length > charsMax) {
    throw new InvalidArgumentError(
      `an event name must be a string of 1 to ${charsMax} characters, got ${shownName(name)}`,
    );
  }
  return name;
}
