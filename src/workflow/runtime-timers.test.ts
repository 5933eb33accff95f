// Durable timers through the owner runtime on a local group under a virtual clock: a sleeping
// workflow holds no run, wakes once and never early, replays its timer from the log after a
// new owner takes over, and fires at once a timer that came due while no owner ran.

import { describe, expect, test } from "bun:test";
import {
  LocalWorkflowGroup,
  track,
  WALL_ORIGIN_MS,
} from "../../test/support/workflow-local-group.ts";
import type { StartedExecution } from "./apply-result.ts";
import { encodeCommand } from "./commands.ts";
import type { WorkflowContext } from "./context.ts";
import { defineWorkflow } from "./definition.ts";
import { registryWithBuiltins } from "./ping-pong.ts";

/** Sleeps `input` (ms or text) between two steps; counts each step's real executions. */
function napGroup() {
  const executions = new Map<string, number>();
  const nap = defineWorkflow("nap", 1, async (input: number | string, ctx: WorkflowContext) => {
    const count = (key: string) => executions.set(key, (executions.get(key) ?? 0) + 1);
    const before = await ctx.step("before", () => {
      count("before");
      return ctx.now();
    });
    await ctx.sleep(input);
    const after = await ctx.step("after", () => {
      count("after");
      return "done";
    });
    return { before, woke: ctx.now(), after };
  });
  const until = defineWorkflow("until", 1, async (input: number, ctx: WorkflowContext) => {
    await ctx.sleepUntil(input);
    return ctx.now();
  });
  const group = new LocalWorkflowGroup({ registry: registryWithBuiltins([nap, until]) });
  return { group, executions };
}

const kinds = (group: LocalWorkflowGroup) =>
  group.log.map((c) => (c.type === "Checkpoint" ? c.kind : c.type));

describe("WorkflowRuntime: durable timers", () => {
  test("a sleep holds no run, wakes once at its due time, and the code goes on", async () => {
    const { group, executions } = napGroup();
    const runtime = group.runtime();
    runtime.open();
    const started = track(runtime.start("nap", 1, "2s"));
    await group.until(() => kinds(group).includes("sleep"));
    await group.until(() => runtime.activeRuns().length === 0);
    const sleep = group.log.find((c) => c.type === "Checkpoint" && c.kind === "sleep");
    const dueAtMs = (sleep?.type === "Checkpoint" ? sleep.atMs : 0) + 2_000;
    // Sleeping: no run, no wake, until the due time.
    await group.until(() => WALL_ORIGIN_MS + group.clock.nowMs() >= dueAtMs - 5);
    expect(runtime.activeRuns()).toEqual([]);
    expect(kinds(group)).not.toContain("wake");
    const finished = track(
      group.queries.wait((started.value as StartedExecution).workflowId, 10_000),
    );
    await group.until(() => finished.done);
    const wake = group.log.find((c) => c.type === "Checkpoint" && c.kind === "wake");
    expect(wake?.type === "Checkpoint" && wake.atMs).toBeGreaterThanOrEqual(dueAtMs);
    expect(kinds(group)).toEqual(["Start", "step", "sleep", "wake", "step", "Complete"]);
    expect(finished.value?.output).toMatchObject({ after: "done" });
    const output = finished.value?.output as { woke: number };
    expect(output.woke).toBeGreaterThanOrEqual(dueAtMs);
    expect(Object.fromEntries(executions)).toEqual({ before: 1, after: 1 });
    expect(group.fatal).toEqual([]);
  });

  test("a timer that found the wall clock an hour behind fires once the clock is put right", async () => {
    const { group } = napGroup();
    const runtime = group.runtime();
    runtime.open();
    const started = track(runtime.start("nap", 1, "20s"));
    await group.until(() => kinds(group).includes("sleep"));
    // Stepped back an hour before the timer came due: its run finds it not due, an hour off.
    group.wallStepMs = -3_600_000;
    await group.until(() => group.clock.nowMs() > 25_000, 30_000);
    expect(kinds(group)).not.toContain("wake");
    // Put right (as NTP would): it fires within the step check, not an hour later.
    group.wallStepMs = 0;
    const correctedAtMs = group.clock.nowMs();
    await group.until(() => kinds(group).includes("wake"), 5_000);
    expect(group.clock.nowMs() - correctedAtMs).toBeLessThanOrEqual(2_100);
    const finished = track(
      group.queries.wait((started.value as StartedExecution).workflowId, 10_000),
    );
    await group.until(() => finished.done);
    expect(finished.value?.output).toMatchObject({ after: "done" });
    expect(group.fatal).toEqual([]);
  });

  test("a sleep counts from its owner's clock, not from a start stamped by a clock an hour ahead", async () => {
    const { group } = napGroup();
    // Started through another node whose clock was an hour ahead; node 1 owns it.
    const startedAtMs = WALL_ORIGIN_MS + group.clock.nowMs() + 3_600_000;
    group.applyNow(
      encodeCommand({
        ...{ type: "Start", workflowId: "fast", name: "nap", version: 1, input: "2s" },
        ...{ owner: 1 as never, startedAtMs, seed: 7, runtimeVersion: 3 },
      }),
    );
    const runtime = group.runtime(1);
    runtime.open();
    const finished = track(group.queries.wait("fast", 10_000));
    await group.until(() => finished.done, 10_000);
    expect(finished.value?.status).toBe("Completed");
    const [, sleep, wake] = group.stateMachine.execution("fast")?.checkpoints ?? [];
    expect((wake?.atMs ?? 0) - (sleep?.atMs ?? 0)).toBeGreaterThanOrEqual(2_000);
  });

  test("a new owner replays the timer from the log and wakes it, never early", async () => {
    const { group, executions } = napGroup();
    const first = group.runtime(1);
    first.open();
    const started = track(first.start("nap", 1, 3_000));
    await group.until(() => kinds(group).includes("sleep"));
    const workflowId = (started.value as StartedExecution).workflowId;
    // Node 1 is gone; node 2 takes the execution over (AssignOwner, as the leader would).
    first.close();
    const second = group.runtime(2);
    second.open();
    group.applyNow(encodeCommand({ type: "AssignOwner", workflowId, owner: 2 as never, epoch: 2 }));
    const finished = track(group.queries.wait(workflowId, 20_000));
    await group.until(() => finished.done, 20_000);
    const records = group.stateMachine.execution(workflowId)?.checkpoints ?? [];
    const [, sleep, wake] = records;
    expect(records.map((r) => r.kind)).toEqual(["step", "sleep", "wake", "step"]);
    expect(wake?.ownerEpoch).toBe(2);
    expect(wake?.atMs).toBeGreaterThanOrEqual((sleep?.atMs ?? 0) + 3_000);
    // The step before the sleep is recorded: the new owner did not run it again.
    expect(Object.fromEntries(executions)).toEqual({ before: 1, after: 1 });
  });

  test("a timer that came due while no owner ran fires as soon as one does", async () => {
    const { group } = napGroup();
    const first = group.runtime(1);
    first.open();
    const started = track(first.start("nap", 1, "1s"));
    await group.until(() => kinds(group).includes("sleep"));
    first.close();
    await group.advance(5_000);
    expect(kinds(group)).not.toContain("wake");
    const restarted = group.runtime(1);
    restarted.open();
    const finished = track(
      group.queries.wait((started.value as StartedExecution).workflowId, 1_000),
    );
    await group.until(() => finished.done, 1_000);
    expect(finished.value?.status).toBe("Completed");
  });

  test("sleepUntil a past instant wakes at once; bad durations fail the workflow clearly", async () => {
    const { group } = napGroup();
    const runtime = group.runtime();
    runtime.open();
    const past = track(runtime.start("until", 1, WALL_ORIGIN_MS - 1));
    await group.until(() => past.done);
    const woke = track(group.queries.wait((past.value as StartedExecution).workflowId, 1_000));
    await group.until(() => woke.done);
    expect(woke.value?.status).toBe("Completed");
    const bad = track(runtime.start("nap", 1, "2 hours"));
    await group.until(() => bad.done);
    const failed = track(group.queries.wait((bad.value as StartedExecution).workflowId, 1_000));
    await group.until(() => failed.done);
    expect(failed.value?.status).toBe("Failed");
    expect(failed.value?.error?.message).toContain(
      'ctx.sleep() takes milliseconds or a duration such as "500ms"',
    );
  });
});
