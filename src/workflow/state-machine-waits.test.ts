// Apply-time rules of the durable waits: timers (sleep/wake), the inbox (Signal) and event
// waits (event-wait/event), each decided from the log alone.

import { describe, expect, test } from "bun:test";
import type { LogIndex, NodeId } from "../lib/index.ts";
import type { WorkflowApplyResult, WorkflowEvent } from "./apply-result.ts";
import { encodeCommand, type WorkflowCommand } from "./commands.ts";
import { INBOX_EVENTS_MAX, INBOX_PENDING_BYTES_MAX } from "./events.ts";
import type { JsonValue } from "./json.ts";
import { registryWithBuiltins } from "./ping-pong.ts";
import { WorkflowStateMachine } from "./state-machine.ts";

function machine() {
  const sm = new WorkflowStateMachine({ registry: registryWithBuiltins() });
  const events: WorkflowEvent[] = [];
  sm.subscribe((event) => events.push(event));
  const apply = (command: WorkflowCommand): WorkflowApplyResult =>
    sm.apply(encodeCommand(command), (sm.lastAppliedIndex() + 1) as LogIndex);
  return { sm, apply, events };
}

function start(workflowId: string) {
  return {
    type: "Start",
    workflowId,
    name: "ping_pong",
    version: 1,
    input: "ping",
    owner: 1 as NodeId,
    startedAtMs: 1_000,
    seed: 7,
    runtimeVersion: 2,
  } as const satisfies WorkflowCommand;
}

function checkpoint(workflowId: string, seq: number) {
  return {
    type: "Checkpoint",
    workflowId,
    ownerEpoch: 1,
    seq,
    kind: "step",
    name: `s${seq}`,
    outcome: { ok: true, value: "v" },
    atMs: 1_000 + seq,
  } as const satisfies WorkflowCommand;
}

function complete(workflowId: string) {
  return {
    type: "Complete",
    workflowId,
    ownerEpoch: 1,
    output: "pong",
    finishedAtMs: 2_000,
  } as const;
}

function timer(
  workflowId: string,
  seq: number,
  kind: "sleep" | "wake",
  atMs: number,
  value?: Record<string, number>,
) {
  return {
    type: "Checkpoint",
    workflowId,
    ownerEpoch: 1,
    seq,
    kind,
    name: "timer",
    outcome: value === undefined ? { ok: true } : { ok: true, value },
    atMs,
  } as const satisfies WorkflowCommand;
}

describe("WorkflowStateMachine: durable timers", () => {
  test("a wake is accepted at or after its timer's due time, once, and never before", () => {
    const { sm, apply } = machine();
    apply(start("a"));
    expect(apply(timer("a", 0, "sleep", 5_000, { sleepMs: 1_000 }))).toMatchObject({
      type: "recorded",
    });
    const early = apply(timer("a", 1, "wake", 5_999));
    expect(early).toMatchObject({ type: "refused", reason: "timer-not-due" });
    expect(early.type === "refused" && early.message).toContain("is due at 6000, not 5999");
    expect(apply(timer("a", 1, "wake", 6_000))).toMatchObject({ type: "recorded" });
    // The same wake again is a duplicate; a second, later one is out of order.
    expect(apply(timer("a", 1, "wake", 6_000))).toMatchObject({ isDuplicate: true });
    expect(apply(timer("a", 1, "wake", 7_000))).toMatchObject({ reason: "out-of-order" });
    expect(sm.execution("a")?.checkpoints.map((c) => c.kind)).toEqual(["sleep", "wake"]);
  });

  test("an absolute timer is due at its instant, even before the record's own time", () => {
    const { apply } = machine();
    apply(start("a"));
    apply(timer("a", 0, "sleep", 5_000, { untilMs: 4_000 }));
    expect(apply(timer("a", 1, "wake", 5_000))).toMatchObject({ type: "recorded" });
  });

  test("a wake with other records between names its sleep, and closes it once", () => {
    const { sm, apply } = machine();
    apply(start("a"));
    apply(timer("a", 0, "sleep", 5_000, { sleepMs: 1_000 }));
    apply(timer("a", 1, "sleep", 5_000, { sleepMs: 3_000 }));
    // Side by side is the only reading without waitSeq: seq 1 is the 3 s timer, not yet due.
    expect(apply(timer("a", 2, "wake", 6_000))).toMatchObject({ reason: "timer-not-due" });
    expect(apply(timer("a", 2, "wake", 6_000, { waitSeq: 0 }))).toMatchObject({
      type: "recorded",
    });
    // The 1 s timer is closed; the 3 s one is due at 8000; a seq that is no sleep has no timer.
    expect(apply(timer("a", 3, "wake", 9_000, { waitSeq: 0 }))).toMatchObject({
      reason: "timer-not-due",
    });
    expect(apply(timer("a", 3, "wake", 9_000, { waitSeq: 2 }))).toMatchObject({
      reason: "timer-not-due",
    });
    const early = apply(timer("a", 3, "wake", 7_999, { waitSeq: 1 }));
    expect(early.type === "refused" && early.message).toContain("timer at 1 is due at 8000");
    expect(apply(timer("a", 3, "wake", 8_000, { waitSeq: 1 }))).toMatchObject({
      type: "recorded",
    });
    expect(sm.execution("a")?.checkpoints.map((c) => c.kind)).toEqual([
      "sleep",
      "sleep",
      "wake",
      "wake",
    ]);
  });

  test("a sleep without a valid timer, or a wake without its sleep, is refused", () => {
    const { sm, apply } = machine();
    apply(start("a"));
    expect(apply(timer("a", 0, "sleep", 5_000, { sleepMs: -1 }))).toMatchObject({
      reason: "malformed",
    });
    expect(apply(timer("a", 0, "wake", 5_000))).toMatchObject({ reason: "timer-not-due" });
    apply(checkpoint("a", 0));
    expect(apply(timer("a", 1, "wake", 5_000))).toMatchObject({ reason: "timer-not-due" });
    expect(sm.execution("a")?.checkpoints).toHaveLength(1);
  });
});

function signal(workflowId: string, eventId: string, name = "paid", payload: JsonValue = 1) {
  return { type: "Signal", workflowId, eventId, name, payload } as const satisfies WorkflowCommand;
}

function eventCheckpoint(
  seq: number,
  kind: "event-wait" | "event",
  atMs: number,
  value: JsonValue,
) {
  return {
    type: "Checkpoint",
    workflowId: "a",
    ownerEpoch: 1,
    seq,
    kind,
    name: "paid",
    outcome: { ok: true, value },
    atMs,
  } as const satisfies WorkflowCommand;
}

describe("WorkflowStateMachine: events", () => {
  test("a Signal fills the inbox in log order, once per event id", () => {
    const { sm, apply, events } = machine();
    apply(start("a"));
    expect(apply(signal("a", "e1"))).toMatchObject({ type: "signaled", isDuplicate: false });
    expect(apply(signal("a", "e1", "paid", 99))).toMatchObject({ isDuplicate: true });
    apply(signal("a", "e2", "paid", 2));
    expect(sm.execution("a")?.inbox?.map((e) => [e.eventId, e.payload])).toEqual([
      ["e1", 1],
      ["e2", 2],
    ]);
    expect(events.filter((e) => e.type === "signaled")).toHaveLength(2);
  });

  test("undelivered payloads are bounded in bytes; a refused event leaves no trace", () => {
    const { sm, apply } = machine();
    apply(start("a"));
    const big = "x".repeat(INBOX_PENDING_BYTES_MAX / 2);
    expect(apply(signal("a", "e1", "paid", big))).toMatchObject({ type: "signaled" });
    const refused = apply(signal("a", "e2", "paid", big));
    expect(refused).toMatchObject({ type: "refused", reason: "limit" });
    // What is pending and what this event adds, each counted as its JSON text (quotes too).
    const text = big.length + 2;
    expect(refused.type === "refused" && refused.message).toContain(
      `has ${text} bytes of events it has not taken yet, and this one's ${text} would pass the ${INBOX_PENDING_BYTES_MAX}`,
    );
    expect(sm.execution("a")?.inbox).toHaveLength(1);
  });

  test("an execution takes a bounded number of events, and the refusal says what to do", () => {
    const { sm, apply } = machine();
    apply(start("a"));
    for (let k = 0; k < INBOX_EVENTS_MAX; k++) {
      expect(apply(signal("a", `e${k}`))).toMatchObject({ type: "signaled" });
    }
    const refused = apply(signal("a", "one-more"));
    expect(refused).toMatchObject({ type: "refused", reason: "limit" });
    expect(refused.type === "refused" && refused.message).toContain(
      `already received ${INBOX_EVENTS_MAX} events, the most one execution takes; a workflow that takes events for ever should hand over to a fresh execution of itself`,
    );
    expect(sm.execution("a")?.inbox).toHaveLength(INBOX_EVENTS_MAX);
  });

  test("a Signal to an unknown or finished workflow is refused", () => {
    const { apply } = machine();
    expect(apply(signal("nobody", "e1"))).toMatchObject({ reason: "not-found" });
    apply(start("a"));
    apply(complete("a"));
    const late = apply(signal("a", "e1"));
    expect(late).toMatchObject({ reason: "not-running" });
    expect(late.type === "refused" && late.message).toContain("takes no more events");
  });

  test("an event checkpoint takes the next unconsumed event of its name, once", () => {
    const { sm, apply } = machine();
    apply(start("a"));
    apply(signal("a", "e1"));
    apply(signal("a", "e2"));
    apply(eventCheckpoint(0, "event-wait", 1_000, {}));
    const skipping = apply(eventCheckpoint(1, "event", 1_000, { eventId: "e2", payload: 1 }));
    expect(skipping).toMatchObject({ reason: "event-not-ready" });
    apply(eventCheckpoint(1, "event", 1_000, { eventId: "e1", payload: 1 }));
    apply(eventCheckpoint(2, "event-wait", 1_000, {}));
    const again = apply(eventCheckpoint(3, "event", 1_000, { eventId: "e1", payload: 1 }));
    expect(again).toMatchObject({ reason: "event-not-ready" });
    apply(eventCheckpoint(3, "event", 1_000, { eventId: "e2", payload: 1 }));
    expect(sm.execution("a")?.inbox?.every((e) => e.isConsumed)).toBe(true);
    // Delivered payloads live on in the checkpoints only.
    expect(sm.execution("a")?.inbox?.map((e) => e.payload)).toEqual([null, null]);
    expect(sm.execution("a")?.checkpoints[3]?.outcome).toEqual({
      ok: true,
      value: { eventId: "e2", payload: 1 },
    });
  });

  test("an event with other records between names its wait; a timeout may too", () => {
    const { sm, apply } = machine();
    apply(start("a"));
    apply(signal("a", "e1"));
    apply(eventCheckpoint(0, "event-wait", 1_000, { timeoutMs: 500 }));
    apply(eventCheckpoint(1, "event-wait", 1_000, { timeoutMs: 2_000 }));
    const delivered = { eventId: "e1", payload: 1, waitSeq: 0 };
    expect(apply(eventCheckpoint(2, "event", 1_000, delivered))).toMatchObject({
      type: "recorded",
    });
    // The wait at 0 is closed; the one at 1 times out at 3000.
    const timedOut = (waitSeq: number) => ({ isTimedOut: true, waitSeq });
    expect(apply(eventCheckpoint(3, "event", 9_000, timedOut(0)))).toMatchObject({
      reason: "event-not-ready",
    });
    expect(apply(eventCheckpoint(3, "event", 2_999, timedOut(1)))).toMatchObject({
      reason: "event-not-ready",
    });
    expect(apply(eventCheckpoint(3, "event", 3_000, timedOut(1)))).toMatchObject({
      type: "recorded",
    });
    expect(sm.execution("a")?.inbox?.[0]?.isConsumed).toBe(true);
  });

  test("a timeout is accepted at or after the wait's deadline only", () => {
    const { apply } = machine();
    apply(start("a"));
    apply(eventCheckpoint(0, "event-wait", 1_000, { timeoutMs: 500 }));
    const early = apply(eventCheckpoint(1, "event", 1_499, { isTimedOut: true }));
    expect(early).toMatchObject({ reason: "event-not-ready" });
    expect(apply(eventCheckpoint(1, "event", 1_500, { isTimedOut: true }))).toMatchObject({
      type: "recorded",
    });
  });
});
