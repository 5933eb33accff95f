// Apply-time rules of the durable waits: timers (timers.ts) and events (events.ts). A
// `sleep` records a timer and its `wake` comes at or after the due time; an `event-wait`
// records its timeout and its `event` is the next unconsumed event of that name, or a timeout
// at or after the deadline; each second half closes one open first half (wait-pairs.ts); a
// Signal fills a Running execution's inbox, once per event id.
// Pure and deterministic: the state and the command decide, as everywhere in apply.

import { type ApplyContext, type CommandOf, refuse } from "./apply-context.ts";
import type { WorkflowApplyResult } from "./apply-result.ts";
import { childRefOf } from "./children.ts";
import { describedStatusOf } from "./describe.ts";
import {
  eventDeadlineMs,
  eventOf,
  INBOX_EVENTS_MAX,
  INBOX_PENDING_BYTES_MAX,
  isEventWaitValue,
  nextEvent,
  pendingBytes,
} from "./events.ts";
import type { ExecutionRecord } from "./execution.ts";
import { isMarkerOutcome } from "./patch-markers.ts";
import { runtimeFeatures } from "./runtime-version.ts";
import { timerDueAtMs, timerSpecOf } from "./timers.ts";
import { openWaitFor } from "./wait-pairs.ts";

/** Signal: appends an event to a Running execution's inbox; a known event id is a no-op. */
export function applySignal(
  context: ApplyContext,
  command: CommandOf<"Signal">,
): WorkflowApplyResult {
  const { workflowId, eventId } = command;
  const record = context.table.get(workflowId);
  if (record === undefined) {
    return refuse(workflowId, "not-found", `workflow ${workflowId} is not known to this group`);
  }
  if (record.inbox?.some((event) => event.eventId === eventId) === true) {
    return { type: "signaled", workflowId, eventId, isDuplicate: true };
  }
  if (record.status !== "Running") {
    return refuse(
      workflowId,
      "not-running",
      `workflow ${workflowId} already ${describedStatusOf(record)}; it takes no more events`,
    );
  }
  const inbox = record.inbox ?? [];
  if (inbox.length >= INBOX_EVENTS_MAX) {
    return refuse(
      workflowId,
      "limit",
      `workflow ${workflowId} already received ${INBOX_EVENTS_MAX} events, the most one execution takes; a workflow that takes events for ever should hand over to a fresh execution of itself before that (start it, then end this one), and the sender sends there`,
    );
  }
  const pending = pendingBytes(inbox);
  const size = JSON.stringify(command.payload).length;
  if (pending + size > INBOX_PENDING_BYTES_MAX) {
    return refuse(
      workflowId,
      "limit",
      `workflow ${workflowId} has ${pending} bytes of events it has not taken yet, and this one's ${size} would pass the ${INBOX_PENDING_BYTES_MAX} it may hold; send it once the workflow has taken some`,
    );
  }
  inbox.push({ eventId, name: command.name, payload: command.payload, isConsumed: false });
  record.inbox = inbox;
  context.events.push({ type: "signaled", workflowId });
  return { type: "signaled", workflowId, eventId, isDuplicate: false };
}

/**
 * Why a `sleep`, `wake`, `event-wait`, `event`, `patch` or `child` checkpoint cannot be
 * recorded, if it cannot. A `patch` marker needs its plain form and a `child` its ref or
 * error, each in an execution whose runtime version has them (an older one never asks).
 */
export function waitRefusal(
  record: ExecutionRecord,
  command: CommandOf<"Checkpoint">,
): WorkflowApplyResult | undefined {
  const { workflowId, seq } = command;
  const value = command.outcome.ok ? command.outcome.value : undefined;
  switch (command.kind) {
    case "sleep":
      if (timerSpecOf(value) !== undefined) return undefined;
      return refuse(workflowId, "malformed", `workflow ${workflowId}: sleep ${seq} has no timer`);
    case "event-wait":
      if (isEventWaitValue(value)) return undefined;
      return refuse(workflowId, "malformed", `workflow ${workflowId}: bad event wait at ${seq}`);
    case "wake":
      return wakeRefusal(record, command);
    case "event":
      return eventRefusal(record, command);
    case "child":
      // A started child names itself; a start refused for good records its error.
      if (
        (!command.outcome.ok || childRefOf(value) !== undefined) &&
        runtimeFeatures(record.runtimeVersion)?.hasChildWorkflows === true
      ) {
        return undefined;
      }
      return refuse(workflowId, "malformed", `workflow ${workflowId}: bad child at ${seq}`);
    case "patch":
      if (
        isMarkerOutcome(command.outcome) &&
        runtimeFeatures(record.runtimeVersion)?.hasPatchMarkers === true
      ) {
        return undefined;
      }
      return refuse(workflowId, "malformed", `workflow ${workflowId}: bad patch marker at ${seq}`);
    default:
      return undefined;
  }
}

function wakeRefusal(
  record: ExecutionRecord,
  command: CommandOf<"Checkpoint">,
): WorkflowApplyResult | undefined {
  const { workflowId, seq } = command;
  const timer = openWaitFor(record.checkpoints, command);
  if (timer === undefined) {
    return refuse(workflowId, "timer-not-due", `workflow ${workflowId}: wake ${seq} has no timer`);
  }
  const dueAtMs = timerDueAtMs(timer);
  if (command.atMs >= dueAtMs) return undefined;
  return refuse(
    workflowId,
    "timer-not-due",
    `workflow ${workflowId}: the timer at ${timer.seq} is due at ${dueAtMs}, not ${command.atMs}`,
  );
}

/** An `event` is the next unconsumed event of its name, or a timeout past the deadline. */
function eventRefusal(
  record: ExecutionRecord,
  command: CommandOf<"Checkpoint">,
): WorkflowApplyResult | undefined {
  const { workflowId, seq } = command;
  const wait = openWaitFor(record.checkpoints, command);
  const got = eventOf(command.outcome.ok ? command.outcome.value : undefined);
  if (wait === undefined) {
    return refuse(
      workflowId,
      "event-not-ready",
      `workflow ${workflowId}: event ${seq} has no wait`,
    );
  }
  if (got === undefined) {
    return refuse(workflowId, "malformed", `workflow ${workflowId}: event ${seq} records nothing`);
  }
  if (got.isTimedOut) {
    const deadlineMs = eventDeadlineMs(wait);
    if (command.atMs >= deadlineMs) return undefined;
    return refuse(
      workflowId,
      "event-not-ready",
      `workflow ${workflowId}: the wait at ${wait.seq} times out at ${deadlineMs}, not ${command.atMs}`,
    );
  }
  if (nextEvent(record.inbox, command.name)?.eventId === got.eventId) return undefined;
  return refuse(
    workflowId,
    "event-not-ready",
    `workflow ${workflowId}: event ${got.eventId} is not the next "${command.name}" in its inbox`,
  );
}

/** Marks the event an accepted `event` checkpoint delivers as consumed. */
export function consumeEvent(record: ExecutionRecord, command: CommandOf<"Checkpoint">): void {
  if (command.kind !== "event") return;
  const got = eventOf(command.outcome.ok ? command.outcome.value : undefined);
  if (got === undefined || got.isTimedOut) return;
  const event = nextEvent(record.inbox, command.name);
  if (event === undefined) return;
  event.isConsumed = true;
  // The `event` checkpoint holds the payload now; the inbox keeps the id for deduplication.
  event.payload = null;
}
