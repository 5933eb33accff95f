import { describe, expect, test } from "bun:test";
import { ReplayHarness, type WorkflowFn } from "../../test/support/replay-harness.ts";
import type { CheckpointRecord } from "./execution.ts";

/** The code before the change: two steps. */
const oldCode: WorkflowFn = async (_input, ctx) => {
  const a = await ctx.step("a", () => "old a");
  const b = await ctx.step("b", () => "b");
  return [a, b];
};

/** The changed code: the first step is replaced, behind a patch. */
function newCode(answers: boolean[] = []): WorkflowFn {
  return async (_input, ctx) => {
    const isPatched = ctx.patched("new-a");
    answers.push(isPatched);
    const a = isPatched ? await ctx.step("a2", () => "new a") : await ctx.step("a", () => "old a");
    const b = await ctx.step("b", () => "b");
    return [a, b];
  };
}

async function recordOf(fn: WorkflowFn, options = {}): Promise<CheckpointRecord[]> {
  const live = new ReplayHarness();
  const outcome = await live.run(fn, options);
  expect(outcome.type).toBe("completed");
  return live.recorded;
}

describe("ctx.patched()", () => {
  test("a fresh execution records the marker and takes the new path", async () => {
    const live = new ReplayHarness();
    const answers: boolean[] = [];
    const outcome = await live.run(newCode(answers));
    expect(outcome).toEqual({ type: "completed", output: ["new a", "b"] });
    expect(answers).toEqual([true]);
    expect(live.calls()).toEqual([
      [0, "patch", "new-a"],
      [1, "step", "a2"],
      [2, "step", "b"],
    ]);
    expect(live.recorded[0]?.outcome).toEqual({ ok: true });
  });

  test("with the marker recorded, replay takes the new path and records nothing", async () => {
    const record = await recordOf(newCode());
    const replay = new ReplayHarness();
    const answers: boolean[] = [];
    const outcome = await replay.run(newCode(answers), { from: record });
    expect(outcome).toEqual({ type: "completed", output: ["new a", "b"] });
    expect(answers).toEqual([true]);
    expect(replay.recorded).toEqual([]);
  });

  test("an execution recorded by the old code replays down the old path", async () => {
    const record = await recordOf(oldCode);
    const replay = new ReplayHarness();
    const answers: boolean[] = [];
    const outcome = await replay.run(newCode(answers), { from: record });
    expect(outcome).toEqual({ type: "completed", output: ["old a", "b"] });
    expect(answers).toEqual([false]);
    expect(replay.recorded).toEqual([]);
  });

  test("an old execution that continues live keeps the old path and records no marker", async () => {
    const full = await recordOf(oldCode);
    const replay = new ReplayHarness();
    const answers: boolean[] = [];
    // Only "a" was recorded by the old code before the new code took over.
    const outcome = await replay.run(newCode(answers), { from: full.slice(0, 1) });
    expect(outcome).toEqual({ type: "completed", output: ["old a", "b"] });
    expect(answers).toEqual([false]);
    expect(replay.calls()).toEqual([[1, "step", "b"]]);
  });

  test("the first answer for an id holds: one marker, the same answer later", async () => {
    const twice: WorkflowFn = async (_input, ctx) => {
      const first = ctx.patched("p");
      await ctx.step("s", () => 1);
      return [first, ctx.patched("p"), ctx.patched("q")];
    };
    const live = new ReplayHarness();
    expect(await live.run(twice)).toEqual({ type: "completed", output: [true, true, true] });
    expect(live.calls()).toEqual([
      [0, "patch", "p"],
      [1, "step", "s"],
      [2, "patch", "q"],
    ]);
    const replay = new ReplayHarness();
    expect(await replay.run(twice, { from: live.recorded })).toEqual({
      type: "completed",
      output: [true, true, true],
    });
    expect(replay.recorded).toEqual([]);
  });

  test("a marker does not move ctx.now()", async () => {
    const fn: WorkflowFn = async (_input, ctx) => {
      ctx.patched("p");
      await ctx.step("s", () => 1);
      return ctx.now();
    };
    const live = new ReplayHarness();
    const outcome = await live.run(fn);
    // The marker got atMs 5000, the step 5001: now() is the step's time, on replay too.
    expect(live.recorded.map((c) => c.atMs)).toEqual([5_000, 5_001]);
    expect(outcome).toEqual({ type: "completed", output: 5_001 });
    expect(await new ReplayHarness().run(fn, { from: live.recorded })).toEqual(outcome);
  });

  test("an execution from runtime version 2 always gets false and records no marker", async () => {
    const live = new ReplayHarness();
    const answers: boolean[] = [];
    const outcome = await live.run(newCode(answers), { runtimeVersion: 2 });
    expect(outcome).toEqual({ type: "completed", output: ["old a", "b"] });
    expect(answers).toEqual([false]);
    expect(live.calls()).toEqual([
      [0, "step", "a"],
      [1, "step", "b"],
    ]);
  });

  test("a new owner after a failover replays the marker and finishes the new path", async () => {
    const first = new ReplayHarness();
    // The first owner records the marker and a2, then loses its ownership at b.
    first.verdicts = [true, true, false];
    const stopped = await first.run(newCode());
    expect(stopped.type).toBe("stopped");
    expect(first.calls()).toEqual([
      [0, "patch", "new-a"],
      [1, "step", "a2"],
    ]);
    const second = new ReplayHarness();
    const answers: boolean[] = [];
    const outcome = await second.run(newCode(answers), { from: first.recorded, ownerEpoch: 2 });
    expect(outcome).toEqual({ type: "completed", output: ["new a", "b"] });
    expect(answers).toEqual([true]);
    expect(second.calls()).toEqual([[2, "step", "b"]]);
    expect(second.recorded[0]?.ownerEpoch).toBe(2);
  });

  test("a marker whose commit is refused halts the run before any later call", async () => {
    const live = new ReplayHarness();
    live.verdicts = [false];
    let stepRan = false;
    const outcome = await live.run(async (_input, ctx) => {
      ctx.patched("p");
      await ctx.step("s", () => {
        stepRan = true;
        return 1;
      });
      return "not reached";
    });
    expect(outcome).toEqual({ type: "stopped", reason: "the group did not record it" });
    // The step body may run (at-least-once), but its result is never committed.
    expect(live.recorded).toEqual([]);
    expect(stepRan).toBe(true);
  });

  test("code that drops patched() while a marker is recorded diverges", async () => {
    const record = await recordOf(newCode());
    const dropped: WorkflowFn = async (_input, ctx) => [
      await ctx.step("a2", () => "new a"),
      await ctx.step("b", () => "b"),
    ];
    const outcome = await new ReplayHarness().run(dropped, { from: record });
    expect(outcome.type).toBe("diverged");
    expect(outcome.type === "diverged" && outcome.error.message).toContain(
      'recorded patch "new-a" but the code now calls step "a2"',
    );
    // What to do is to keep the marker's call, not to register a new version.
    expect(outcome.type === "diverged" && outcome.error.message).toContain(
      'keep ctx.patched("new-a") or ctx.deprecatePatch("new-a") at this point of the code',
    );
  });
});

describe("ctx.deprecatePatch()", () => {
  const deprecated: WorkflowFn = async (_input, ctx) => {
    ctx.deprecatePatch("new-a");
    return [await ctx.step("a2", () => "new a"), await ctx.step("b", () => "b")];
  };
  const removed: WorkflowFn = async (_input, ctx) => [
    await ctx.step("a2", () => "new a"),
    await ctx.step("b", () => "b"),
  ];

  test("records a deprecated marker that patched() code still reads as true", async () => {
    const record = await recordOf(deprecated);
    expect(record.map((c) => [c.kind, c.name])).toEqual([
      ["patch", "new-a"],
      ["step", "a2"],
      ["step", "b"],
    ]);
    expect(record[0]?.outcome).toEqual({ ok: true, value: { deprecated: true } });
    // Rolling back to the patched() code still replays the new path.
    const answers: boolean[] = [];
    const outcome = await new ReplayHarness().run(newCode(answers), { from: record });
    expect(outcome).toEqual({ type: "completed", output: ["new a", "b"] });
    expect(answers).toEqual([true]);
  });

  test("replays executions recorded by patched() code, with or without deprecatePatch()", async () => {
    const record = await recordOf(newCode());
    const replay = new ReplayHarness();
    expect(await replay.run(deprecated, { from: record })).toEqual({
      type: "completed",
      output: ["new a", "b"],
    });
    expect(replay.recorded).toEqual([]);
  });

  test("once deleted, its recorded deprecated markers are skipped on replay", async () => {
    const record = await recordOf(deprecated);
    const replay = new ReplayHarness();
    expect(await replay.run(removed, { from: record })).toEqual({
      type: "completed",
      output: ["new a", "b"],
    });
    expect(replay.recorded).toEqual([]);
    // A deprecated marker as the last record is skipped at the end too.
    const trailing: WorkflowFn = async (_input, ctx) => {
      await ctx.step("s", () => 1);
      ctx.deprecatePatch("late");
      return "done";
    };
    const tail = await recordOf(trailing);
    const ended = await new ReplayHarness().run(
      async (_input, ctx) => {
        await ctx.step("s", () => 1);
        return "done";
      },
      { from: tail },
    );
    expect(ended).toEqual({ type: "completed", output: "done" });
  });
});
