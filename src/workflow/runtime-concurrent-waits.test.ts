// Concurrent durable waits through the owner runtime on a local group under a virtual clock:
// `Promise.all` of sleeps and of event waits ends, each timer counted from its own call and
// never early, second halves taken in call order with other records between them, the same
// on a new owner's replay; and a bad wait argument fails the workflow instead of holding it.

import { describe, expect, test } from "bun:test";
import { ReplayHarness } from "../../test/support/replay-harness.ts";
import { LocalWorkflowGroup, track } from "../../test/support/workflow-local-group.ts";
import { CancelledError } from "./cancel.ts";
import { encodeCommand } from "./commands.ts";
import type { WorkflowContext } from "./context.ts";
import { defineWorkflow } from "./definition.ts";
import { describeExecution } from "./describe.ts";
import type { JsonValue } from "./json.ts";
import { registryWithBuiltins } from "./ping-pong.ts";

/** Sleeps 2 s and 3 s at once, then takes a step. */
const naps = defineWorkflow("naps", 1, async (_: null, ctx: WorkflowContext) => {
  await Promise.all([ctx.sleep("2s"), ctx.sleep("3s")]);
  return await ctx.step("after", () => "done");
});

/** Waits for "a" and "b" at once, "b" with a timeout. */
const both = defineWorkflow("both", 1, async (_: null, ctx: WorkflowContext) => {
  const [a, b] = await Promise.all([
    ctx.waitForEvent<string>("a"),
    ctx.waitForEvent<string>("b", { timeout: "1h" }),
  ]);
  return [a.isTimedOut ? "timeout" : a.payload, b.isTimedOut ? "timeout" : b.payload];
});

/** Waits for an event with the timeout it is given, then takes a step. */
const badTimeout = defineWorkflow("bad_timeout", 1, async (input: string | number, ctx) => {
  try {
    await ctx.waitForEvent("never", { timeout: input });
  } catch (error) {
    return await ctx.step("caught", () => (error as Error).message);
  }
  return "no error";
});

/** Waits for "a" and "b" at once, or sleeps 1 h and 10 h at once; a cancel ends it cleanly. */
const cancellable = defineWorkflow("cancellable", 1, async (input: string, ctx) => {
  try {
    if (input === "events") await Promise.all([ctx.waitForEvent("a"), ctx.waitForEvent("b")]);
    else await Promise.all([ctx.sleep("1h"), ctx.sleep("10h")]);
    return "woke";
  } catch (error) {
    if (!(error instanceof CancelledError)) throw error;
    return await ctx.step("clean-up", () => "cancelled");
  }
});

/** An event wait, a 1 s and a 20 s sleep, all at once. */
const three = defineWorkflow("three", 1, async (_: null, ctx: WorkflowContext) => {
  await Promise.all([ctx.waitForEvent("a"), ctx.sleep("1s"), ctx.sleep("20s")]);
  return "done";
});

function waitsGroup() {
  const group = new LocalWorkflowGroup({
    registry: registryWithBuiltins([naps, both, badTimeout, cancellable, three]),
  });
  return group;
}

async function settle<T>(group: LocalWorkflowGroup, promise: Promise<T>, withinMs = 30_000) {
  const tracked = track(promise);
  await group.until(() => tracked.done, withinMs);
  return tracked;
}

const describeIn = (group: LocalWorkflowGroup, workflowId: string) => {
  const execution = group.stateMachine.execution(workflowId);
  return execution === undefined ? undefined : describeExecution(execution);
};

const records = (group: LocalWorkflowGroup, workflowId: string) =>
  group.stateMachine.execution(workflowId)?.checkpoints ?? [];

describe("WorkflowRuntime: concurrent waits", () => {
  test("two sleeps at once each wake at their own due time, counted from their call", async () => {
    const group = waitsGroup();
    const runtime = group.runtime();
    runtime.open();
    await settle(group, runtime.start("naps", 1, null, { workflowId: "n-1" }));
    const finished = await settle(group, group.queries.wait("n-1", 30_000));
    expect(finished.value?.output).toBe("done");
    const [first, second, wakeFirst, wakeSecond] = records(group, "n-1");
    expect(records(group, "n-1").map((r) => r.kind)).toEqual([
      "sleep",
      "sleep",
      "wake",
      "wake",
      "step",
    ]);
    // Each wake names its sleep: other records came between them.
    expect(wakeFirst?.outcome).toEqual({ ok: true, value: { waitSeq: 0 } });
    expect(wakeSecond?.outcome).toEqual({ ok: true, value: { waitSeq: 1 } });
    expect(wakeFirst?.atMs).toBeGreaterThanOrEqual((first?.atMs ?? 0) + 2_000);
    expect(wakeSecond?.atMs).toBeGreaterThanOrEqual((second?.atMs ?? 0) + 3_000);
    // Both timers ran side by side: the workflow took about 3 s, not 5.
    expect((wakeSecond?.atMs ?? 0) - (first?.atMs ?? 0)).toBeLessThan(4_000);
    // No refused proposal loop: two sleeps, two wakes, a step, the start and the end.
    expect(group.proposals).toBeLessThanOrEqual(8);
    expect(group.fatal).toEqual([]);
  });

  test("two event waits at once take their events whatever order they come in", async () => {
    const group = waitsGroup();
    const runtime = group.runtime();
    runtime.open();
    await settle(group, runtime.start("both", 1, null, { workflowId: "b-1" }));
    await group.until(
      () => records(group, "b-1").length === 2 && runtime.activeRuns().length === 0,
    );
    expect(describeIn(group, "b-1")?.waitingFor).toBe("a");
    await settle(group, runtime.signal({ workflowId: "b-1", name: "b", payload: "second" }));
    await group.advance(1_000);
    // "b" is in, but the first wait called is still open.
    expect(describeIn(group, "b-1")?.status).toBe("waiting");
    expect(describeIn(group, "b-1")?.waitingFor).toBe("a");
    await settle(group, runtime.signal({ workflowId: "b-1", name: "a", payload: "first" }));
    const finished = await settle(group, group.queries.wait("b-1", 30_000));
    expect(finished.value?.output).toEqual(["first", "second"]);
    expect(records(group, "b-1").map((r) => [r.kind, r.name])).toEqual([
      ["event-wait", "a"],
      ["event-wait", "b"],
      ["event", "a"],
      ["event", "b"],
    ]);
    expect(group.fatal).toEqual([]);
  });

  test.each([["events"], ["sleeps"]])(
    "a cancel of waits at once (%s) reaches the code at once",
    async (how) => {
      const group = waitsGroup();
      const runtime = group.runtime();
      runtime.open();
      await settle(group, runtime.start("cancellable", 1, how, { workflowId: "c-1" }));
      await group.until(
        () => records(group, "c-1").length === 2 && runtime.activeRuns().length === 0,
      );
      await settle(group, runtime.stop({ type: "Cancel", workflowId: "c-1", reason: "no longer" }));
      // The wait beside the one that got the cancel does not hold the clean-up.
      const finished = await settle(group, group.queries.wait("c-1", 10_000), 10_000);
      expect(finished.value?.output).toBe("cancelled");
      expect(records(group, "c-1").map((r) => r.kind)).toEqual([
        how === "events" ? "event-wait" : "sleep",
        how === "events" ? "event-wait" : "sleep",
        "cancel",
        "step",
      ]);
      expect(group.fatal).toEqual([]);
    },
  );

  test("each timer counts from its call, also when an earlier wait ends the run first", async () => {
    const group = waitsGroup();
    const runtime = group.runtime();
    runtime.open();
    await settle(group, runtime.start("three", 1, null, { workflowId: "t-1" }));
    await group.advance(15_000);
    await settle(group, runtime.signal({ workflowId: "t-1", name: "a", payload: 1 }));
    const finished = await settle(group, group.queries.wait("t-1", 30_000));
    expect(finished.value?.output).toBe("done");
    const [wait, , long] = records(group, "t-1");
    // The 20 s sleep was recorded with the others, not at the run the event started.
    expect((long?.atMs ?? 0) - (wait?.atMs ?? 0)).toBeLessThan(1_000);
    expect(
      (group.stateMachine.execution("t-1")?.finishedAtMs ?? 0) - (wait?.atMs ?? 0),
    ).toBeLessThan(25_000);
  });

  test("a new owner replays concurrent waits and finishes them", async () => {
    const group = waitsGroup();
    const first = group.runtime(1);
    first.open();
    await settle(group, first.start("naps", 1, null, { workflowId: "n-2" }));
    // Node 1 stops once the first timer woke; node 2 takes over.
    await group.until(() => records(group, "n-2").some((r) => r.kind === "wake"), 30_000);
    first.close();
    const second = group.runtime(2);
    second.open();
    group.applyNow(
      encodeCommand({ type: "AssignOwner", workflowId: "n-2", owner: 2 as never, epoch: 2 }),
    );
    const finished = await settle(group, group.queries.wait("n-2", 30_000));
    expect(finished.value?.output).toBe("done");
    expect(records(group, "n-2").map((r) => r.kind)).toEqual([
      "sleep",
      "sleep",
      "wake",
      "wake",
      "step",
    ]);
    expect(records(group, "n-2")[3]?.ownerEpoch).toBe(2);
    expect(group.fatal).toEqual([]);
  });

  test("while a member's build would read them otherwise, waits apart are held, not recorded", async () => {
    const group = waitsGroup();
    let isEveryNodeNew = false;
    group.mayPairWaits = () => isEveryNodeNew;
    const runtime = group.runtime();
    runtime.open();
    await settle(group, runtime.start("naps", 1, null, { workflowId: "n-3" }));
    await group.advance(15_000);
    // Both timers are due; their wakes would need waitSeq: nothing past the sleeps.
    expect(records(group, "n-3").map((r) => r.kind)).toEqual(["sleep", "sleep"]);
    expect(group.logLines.some((line) => line.includes("waits for every node to run"))).toBe(true);
    isEveryNodeNew = true;
    const finished = await settle(group, group.queries.wait("n-3", 30_000));
    expect(finished.value?.output).toBe("done");
    expect(group.fatal).toEqual([]);
  });

  test("a wake an older build paired by position cannot be replayed, and says so", async () => {
    const at = (seq: number, kind: "sleep" | "wake", value?: JsonValue) => ({
      seq,
      kind,
      name: "timer",
      outcome: value === undefined ? { ok: true as const } : { ok: true as const, value },
      atMs: 1_000,
      ownerEpoch: 1,
    });
    // Two sleeps at once under a build before this one: its wake, for the first, at seq 2.
    const from = [at(0, "sleep", { sleepMs: 1 }), at(1, "sleep", { sleepMs: 1 }), at(2, "wake")];
    const outcome = await new ReplayHarness().run(
      async (_input, ctx) => Promise.all([ctx.sleep(1), ctx.sleep(1)]),
      { from },
    );
    expect(outcome.type).toBe("diverged");
    const error = outcome.type === "diverged" ? outcome.error.message : "";
    expect(error).toContain('recorded wake "timer, of the wait at 1"');
    expect(error).toContain("a build from before waits awaited together recorded it");
  });

  test("a bad event-wait timeout throws in the code, which goes on", async () => {
    const group = waitsGroup();
    const runtime = group.runtime();
    runtime.open();
    for (const [id, timeout] of [
      ["t-1", "2 days"],
      ["t-2", -1],
      ["t-3", "400d"],
    ] as const) {
      await settle(group, runtime.start("bad_timeout", 1, timeout, { workflowId: id }));
      const finished = await settle(group, group.queries.wait(id, 5_000));
      expect(finished.value?.status).toBe("Completed");
      expect(String(finished.value?.output)).toContain("the timeout of ctx.waitForEvent()");
      // Nothing was claimed for the bad wait: the step took seq 0.
      expect(records(group, id).map((r) => r.kind)).toEqual(["step"]);
    }
    expect(group.fatal).toEqual([]);
  });
});
