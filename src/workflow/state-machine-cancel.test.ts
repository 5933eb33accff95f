// Apply-time rules of cancel and terminate: a Cancel marks a Running execution once and the
// `cancel` checkpoint delivers it once; a Terminate ends it at once; both refuse unknown and
// finished workflows the same way on every member, and both survive a snapshot.

import { describe, expect, test } from "bun:test";
import type { LogIndex, NodeId } from "../lib/index.ts";
import type { WorkflowApplyResult, WorkflowEvent } from "./apply-result.ts";
import { cancelledOutcome } from "./cancel.ts";
import { decodeCommand, encodeCommand, type WorkflowCommand } from "./commands.ts";
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

function start(workflowId: string): WorkflowCommand {
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
  };
}

function step(workflowId: string, seq: number, ownerEpoch = 1): WorkflowCommand {
  return {
    type: "Checkpoint",
    workflowId,
    ownerEpoch,
    seq,
    kind: "step",
    name: `s${seq}`,
    outcome: { ok: true, value: "v" },
    atMs: 1_000 + seq,
  };
}

function cancelPoint(workflowId: string, seq: number): WorkflowCommand {
  return {
    type: "Checkpoint",
    workflowId,
    ownerEpoch: 1,
    seq,
    kind: "cancel",
    name: `s${seq}`,
    outcome: cancelledOutcome(workflowId, "stop"),
    atMs: 1_500,
  };
}

const cancel = (workflowId: string, reason = "stop"): WorkflowCommand => ({
  type: "Cancel",
  workflowId,
  reason,
  requestedAtMs: 1_400,
});

const terminate = (workflowId: string, reason = "stuck"): WorkflowCommand => ({
  type: "Terminate",
  workflowId,
  reason,
  requestedAtMs: 900,
});

const failCancelled = (workflowId: string): WorkflowCommand => ({
  type: "Fail",
  workflowId,
  ownerEpoch: 1,
  error: { name: "CancelledError", message: "cancelled", code: "CANCELLED" },
  finishedAtMs: 1_600,
});

describe("WorkflowStateMachine: Cancel", () => {
  test("marks a Running execution once; a repeat is acknowledged as a duplicate", () => {
    const { sm, apply, events } = machine();
    apply(start("w"));
    expect(apply(cancel("w"))).toEqual({
      type: "cancelRequested",
      workflowId: "w",
      status: "Running",
      isDuplicate: false,
    });
    expect(sm.execution("w")?.cancelRequest).toEqual({
      reason: "stop",
      requestedAtMs: 1_400,
      atSeq: 0,
    });
    expect(events.filter((event) => event.type === "cancelRequested")).toHaveLength(1);
    expect(apply(cancel("w", "another reason"))).toMatchObject({ isDuplicate: true });
    expect(sm.execution("w")?.cancelRequest?.reason).toBe("stop");
    expect(events.filter((event) => event.type === "cancelRequested")).toHaveLength(1);
    expect(sm.status("w")?.status).toBe("Running");
  });

  test("refuses an unknown workflow (not-found) and a finished one (not-running, naming it)", () => {
    const { apply } = machine();
    expect(apply(cancel("nobody"))).toMatchObject({ type: "refused", reason: "not-found" });
    apply(start("w"));
    apply({ type: "Complete", workflowId: "w", ownerEpoch: 1, output: 1, finishedAtMs: 2_000 });
    const refused = apply(cancel("w"));
    expect(refused).toMatchObject({ type: "refused", reason: "not-running" });
    expect(refused.type === "refused" && refused.message).toContain("already completed");
  });

  test("a cancel checkpoint needs a request, and is accepted once", () => {
    const { sm, apply } = machine();
    apply(start("w"));
    apply(step("w", 0));
    expect(apply(cancelPoint("w", 1))).toMatchObject({ type: "refused", reason: "malformed" });
    apply(cancel("w"));
    expect(apply(cancelPoint("w", 1))).toMatchObject({ type: "recorded", isDuplicate: false });
    // An identical copy (an answer lost and resent) is acknowledged; a second delivery is not.
    expect(apply(cancelPoint("w", 1))).toMatchObject({ type: "recorded", isDuplicate: true });
    expect(apply(cancelPoint("w", 2))).toMatchObject({ type: "refused", reason: "malformed" });
    // Clean-up calls after the delivery are recorded as usual.
    expect(apply(step("w", 2))).toMatchObject({ type: "recorded", isDuplicate: false });
    expect(sm.execution("w")?.checkpoints.map((c) => c.kind)).toEqual(["step", "cancel", "step"]);
  });

  test("a Fail with CANCELLED after a request ends it Cancelled; without one, Failed", () => {
    const { sm, apply } = machine();
    apply(start("asked"));
    apply(cancel("asked"));
    expect(apply(failCancelled("asked"))).toMatchObject({ status: "Cancelled" });
    expect(sm.status("asked")?.error?.code).toBe("CANCELLED");
    // A repeat of the same Fail is acknowledged.
    expect(apply(failCancelled("asked"))).toMatchObject({ status: "Cancelled", isDuplicate: true });
    // A cancel after it ended is still the same request: acknowledged, not refused.
    expect(apply(cancel("asked"))).toMatchObject({ status: "Cancelled", isDuplicate: true });
    apply(start("unasked"));
    expect(apply(failCancelled("unasked"))).toMatchObject({ status: "Failed" });
    sm.checkInvariants();
  });

  test("a workflow that catches the cancel and returns completes", () => {
    const { sm, apply } = machine();
    apply(start("w"));
    apply(cancel("w"));
    apply(cancelPoint("w", 0));
    apply({ type: "Complete", workflowId: "w", ownerEpoch: 1, output: "ok", finishedAtMs: 2e3 });
    expect(sm.status("w")?.status).toBe("Completed");
  });
});

describe("WorkflowStateMachine: Terminate", () => {
  test("ends a Running execution at once with TERMINATED and the reason", () => {
    const { sm, apply, events } = machine();
    apply(start("w"));
    apply(step("w", 0));
    expect(apply(terminate("w"))).toEqual({
      type: "finished",
      workflowId: "w",
      status: "Terminated",
      isDuplicate: false,
    });
    const view = sm.status("w");
    expect(view?.status).toBe("Terminated");
    expect(view?.error).toEqual({
      name: "TerminatedError",
      message: "workflow w was terminated: stuck",
      code: "TERMINATED",
    });
    // Never before what it recorded, though the proposer's clock said 900.
    expect(view?.finishedAtMs).toBe(1_000);
    expect(events.at(-1)).toEqual({ type: "finished", workflowId: "w", status: "Terminated" });
    expect(sm.runningCount()).toBe(0);
    sm.checkInvariants();
  });

  test("nothing of the old run is recorded afterwards", () => {
    const { sm, apply } = machine();
    apply(start("w"));
    apply(terminate("w"));
    expect(apply(step("w", 0))).toMatchObject({ type: "refused", reason: "not-running" });
    expect(
      apply({ type: "Complete", workflowId: "w", ownerEpoch: 1, output: 1, finishedAtMs: 2e3 }),
    ).toMatchObject({ type: "refused", reason: "not-running" });
    expect(
      apply({ type: "Signal", workflowId: "w", eventId: "e", name: "n", payload: null }),
    ).toMatchObject({ type: "refused", reason: "not-running" });
    expect(sm.status("w")?.status).toBe("Terminated");
    expect(sm.execution("w")?.checkpoints).toEqual([]);
  });

  test("is idempotent; refuses unknown and otherwise finished workflows", () => {
    const { apply } = machine();
    apply(start("w"));
    apply(terminate("w"));
    expect(apply(terminate("w"))).toMatchObject({ status: "Terminated", isDuplicate: true });
    expect(apply(terminate("nobody"))).toMatchObject({ type: "refused", reason: "not-found" });
    apply(start("done"));
    apply({ type: "Complete", workflowId: "done", ownerEpoch: 1, output: 1, finishedAtMs: 2e3 });
    const refused = apply(terminate("done"));
    expect(refused.type === "refused" && refused.message).toContain("already completed");
    expect(apply(cancel("w"))).toMatchObject({ type: "refused", reason: "not-running" });
  });

  test("terminates a workflow that was being cancelled", () => {
    const { sm, apply } = machine();
    apply(start("w"));
    apply(cancel("w"));
    expect(apply(terminate("w"))).toMatchObject({ status: "Terminated" });
    expect(sm.status("w")?.error?.code).toBe("TERMINATED");
  });
});

describe("cancel and terminate: encoding and snapshots", () => {
  test("commands round-trip; a bad reason is malformed", () => {
    for (const command of [cancel("w"), terminate("w", "")]) {
      expect(decodeCommand(encodeCommand(command))).toEqual({ ok: true, command });
    }
    const bad = new TextEncoder().encode(
      JSON.stringify({ type: "Cancel", workflowId: "w", reason: 5, requestedAtMs: 1 }),
    );
    expect(decodeCommand(bad)).toMatchObject({ ok: false });
  });

  test("a snapshot keeps the request, the delivery and the new statuses", () => {
    const { sm, apply } = machine();
    apply(start("cancelling"));
    apply(cancel("cancelling"));
    apply(cancelPoint("cancelling", 0));
    apply(start("cancelled"));
    apply(cancel("cancelled"));
    apply(failCancelled("cancelled"));
    apply(start("terminated"));
    apply(terminate("terminated"));
    const copy = new WorkflowStateMachine({ registry: registryWithBuiltins() });
    copy.restore(sm.snapshotAfter(new Uint8Array()));
    copy.checkInvariants();
    for (const id of ["cancelling", "cancelled", "terminated"]) {
      expect(copy.execution(id)).toEqual(sm.execution(id) as never);
    }
    expect(copy.runningCount()).toBe(1);
    // The restored copy goes on deciding alike: the cancel was delivered already.
    const next = copy.apply(encodeCommand(cancelPoint("cancelling", 1)), 100 as LogIndex);
    expect(next).toMatchObject({ type: "refused", reason: "malformed" });
  });

  test("a request keeps the seq of the next call, in snapshots too; older ones lack it", () => {
    const { sm, apply } = machine();
    apply(start("w"));
    apply(step("w", 0));
    apply(step("w", 1));
    apply(cancel("w"));
    apply(step("w", 2));
    // The checkpoints the execution had when the request was applied, not since.
    const request = { reason: "stop", requestedAtMs: 1_400, atSeq: 2 };
    expect(sm.execution("w")?.cancelRequest).toEqual(request);
    const snapshot = sm.snapshotAfter(new Uint8Array());
    const copy = new WorkflowStateMachine({ registry: registryWithBuiltins() });
    copy.restore(snapshot);
    copy.checkInvariants();
    expect(copy.execution("w")?.cancelRequest).toEqual(request);
    // A snapshot an older build wrote has no atSeq: restored as it was (the run then cancels
    // at its first live call, as that build did).
    const text = new TextDecoder().decode(snapshot);
    expect(text).toContain(',"atSeq":2');
    const older = new WorkflowStateMachine({ registry: registryWithBuiltins() });
    older.restore(new TextEncoder().encode(text.replace(',"atSeq":2', "")));
    older.checkInvariants();
    expect(older.execution("w")?.cancelRequest).toEqual({ reason: "stop", requestedAtMs: 1_400 });
  });

  test("an Adopt hands over Cancelled and Terminated results", () => {
    const source = machine();
    source.apply(start("t"));
    source.apply(terminate("t"));
    source.apply(start("c"));
    source.apply(cancel("c"));
    source.apply(failCancelled("c"));
    const heir = machine();
    const records = source.sm.finishedExecutions();
    expect(heir.apply({ type: "Adopt", records })).toEqual({ type: "adopted", count: 2 });
    expect(heir.sm.status("t")?.status).toBe("Terminated");
    expect(heir.sm.status("c")?.status).toBe("Cancelled");
    expect(heir.sm.execution("c")?.cancelRequest).toEqual({ reason: "stop", requestedAtMs: 1_400 });
    // A repeated cancel is acknowledged by the heir as it was by the drained group.
    expect(heir.apply(cancel("c"))).toMatchObject({ type: "cancelRequested", isDuplicate: true });
  });
});
