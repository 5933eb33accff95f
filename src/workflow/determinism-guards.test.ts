import { describe, expect, test } from "bun:test";
import { ReplayHarness, type WorkflowFn } from "../../test/support/replay-harness.ts";
import { guardHolders, processGuards } from "../node/determinism-guards.ts";
import type { ReplayOutcome } from "./replay-engine.ts";
import { replayRandomAt } from "./replay-random.ts";

/** Anything below this is virtual time (the harness counts from 1 000 ms); above: real. */
const REAL_TIME_MIN_MS = 1_600_000_000_000;

const guards = processGuards;
const originals = {
  Date: globalThis.Date,
  now: Date.now,
  random: Math.random,
  setTimeout: globalThis.setTimeout,
  setInterval: globalThis.setInterval,
  setImmediate: globalThis.setImmediate,
};

/** What `new Date()` with no argument says, read back (the constructor is under test). */
function constructedNow(): number {
  // biome-ignore lint/complexity/useDateNow: the constructor's no-argument form is under test
  return new Date().getTime();
}

function expectOriginalsBack(): void {
  expect(guardHolders()).toBe(0);
  expect(globalThis.Date).toBe(originals.Date);
  expect(Date.now).toBe(originals.now);
  expect(Math.random).toBe(originals.random);
  expect(globalThis.setTimeout).toBe(originals.setTimeout);
  expect(globalThis.setInterval).toBe(originals.setInterval);
  expect(globalThis.setImmediate).toBe(originals.setImmediate);
}

function outputOf(outcome: ReplayOutcome): unknown {
  expect(outcome.type).toBe("completed");
  return outcome.type === "completed" ? outcome.output : undefined;
}

describe("determinism guards: the clock in workflow code", () => {
  const clockWorkflow: WorkflowFn = async (_input, ctx) => {
    const seen = [[Date.now(), constructedNow(), ctx.now()]];
    await ctx.step("one", () => 1);
    seen.push([Date.now(), constructedNow(), ctx.now()]);
    await ctx.step("two", () => 2);
    seen.push([Date.now(), Date.parse(Date()), ctx.now()]);
    return seen;
  };

  test("Date.now() and new Date() give ctx.now(), on the first run and on replay", async () => {
    const live = new ReplayHarness();
    const first = outputOf(await live.run(clockWorkflow, { guards })) as number[][];
    // Before any checkpoint: the start time; then the atMs of each delivered checkpoint.
    expect(first[0]).toEqual([1_000, 1_000, 1_000]);
    expect(first[1]).toEqual([5_000, 5_000, 5_000]);
    // Date() as text has whole seconds only.
    expect(first[2]).toEqual([5_001, 5_000, 5_001]);
    const replay = new ReplayHarness();
    replay.wallMs = 900_000;
    const again = await replay.run(clockWorkflow, { guards, from: live.recorded });
    expect(outputOf(again)).toEqual(first);
    expect(replay.recorded).toEqual([]);
    expectOriginalsBack();
  });

  test("new Date(x) with an argument stays what it always was; instanceof still works", async () => {
    const live = new ReplayHarness();
    const outcome = await live.run(
      async () => {
        const fixed = new Date(86_400_000);
        const parsed = new Date("2020-01-01T00:00:00Z");
        return [
          fixed.getTime(),
          parsed.getTime(),
          fixed instanceof Date,
          new Date() instanceof Date,
        ];
      },
      { guards },
    );
    expect(outputOf(outcome)).toEqual([86_400_000, 1_577_836_800_000, true, true]);
  });

  test("code after an await, in .then callbacks and in microtasks still reads ctx.now()", async () => {
    const live = new ReplayHarness();
    const outcome = await live.run(
      async (_input, ctx) => {
        await ctx.step("one", () => 1);
        const chained = await Promise.resolve().then(() => Date.now());
        const queued = await new Promise<number>((resolve) => {
          queueMicrotask(() => resolve(Date.now()));
        });
        await null;
        await Promise.all([Promise.resolve(), Promise.resolve()]);
        return [chained, queued, Date.now(), ctx.now()];
      },
      { guards },
    );
    expect(outputOf(outcome)).toEqual([5_000, 5_000, 5_000, 5_000]);
  });

  test("the node's own code during a run sees the real clock, and so does other code", async () => {
    const live = new ReplayHarness();
    const seenByNode: number[] = [];
    live.onRecord = () => {
      seenByNode.push(Date.now(), constructedNow());
    };
    const seenOutside: number[] = [];
    // A microtask chain of the test itself, interleaved with the run's continuations.
    let ticks = 0;
    const outside = async () => {
      for (; ticks < 20; ticks++) {
        seenOutside.push(Date.now());
        await null;
      }
    };
    const [outcome] = await Promise.all([
      live.run(
        async (_input, ctx) => {
          await ctx.step("one", () => 1);
          await ctx.step("two", () => 2);
          return Date.now();
        },
        { guards },
      ),
      outside(),
    ]);
    expect(outputOf(outcome)).toBe(5_001);
    expect(seenByNode).toHaveLength(4);
    expect(seenByNode.every((ms) => ms > REAL_TIME_MIN_MS)).toBe(true);
    expect(seenOutside).toHaveLength(20);
    expect(seenOutside.every((ms) => ms > REAL_TIME_MIN_MS)).toBe(true);
  });

  test("two runs at once each read their own ctx.now()", async () => {
    const fn: WorkflowFn = async (_input, ctx) => {
      await ctx.step("one", () => 1);
      return [Date.now(), ctx.now()];
    };
    const a = new ReplayHarness();
    const b = new ReplayHarness();
    b.wallMs = 70_000;
    const [one, two] = await Promise.all([
      a.run(fn, { guards, startedAtMs: 1_000 }),
      b.run(fn, { guards, startedAtMs: 60_000 }),
    ]);
    expect(outputOf(one)).toEqual([5_000, 5_000]);
    expect(outputOf(two)).toEqual([70_000, 70_000]);
    expectOriginalsBack();
  });
});

describe("determinism guards: Math.random() in workflow code", () => {
  test("gives ctx.random()'s recorded sequence, shared with ctx.random()", async () => {
    const fn: WorkflowFn = async (_input, ctx) => {
      const first = Math.random();
      await ctx.step("one", () => 1);
      return [first, ctx.random(), Math.random()];
    };
    const live = new ReplayHarness();
    const output = outputOf(await live.run(fn, { guards }));
    expect(output).toEqual([replayRandomAt(42, 0), replayRandomAt(42, 1), replayRandomAt(42, 2)]);
    const replay = new ReplayHarness();
    expect(outputOf(await replay.run(fn, { guards, from: live.recorded }))).toEqual(output);
  });
});

describe("determinism guards: timers in workflow code", () => {
  test.each([
    ["setTimeout", () => setTimeout(() => undefined, 10)],
    ["setInterval", () => setInterval(() => undefined, 10)],
    ["setImmediate", () => setImmediate(() => undefined)],
  ] as const)("%s fails the run with an error naming it", async (call, schedule) => {
    const live = new ReplayHarness();
    const outcome = await live.run(
      async (_input, ctx) => {
        await ctx.step("one", () => 1);
        schedule();
        return "not reached";
      },
      { guards },
    );
    expect(outcome.type).toBe("failed");
    if (outcome.type !== "failed") return;
    expect(outcome.error.name).toBe("NondeterministicCallError");
    expect(outcome.error.code).toBe("FAILED_PRECONDITION");
    expect(outcome.error.message).toContain(`${call}() is not allowed in workflow code`);
    expect(outcome.error.message).toContain("ctx.sleep()");
    expectOriginalsBack();
  });

  test("guards are let go after workflow code throws, and after a failed run", async () => {
    const live = new ReplayHarness();
    const outcome = await live.run(
      async () => {
        throw new Error("boom");
      },
      { guards },
    );
    expect(outcome).toMatchObject({ type: "failed", error: { message: "boom" } });
    expectOriginalsBack();
  });
});

describe("determinism guards: step bodies", () => {
  test("a step body reads the real clock and may use timers", async () => {
    const live = new ReplayHarness();
    const outcome = await live.run(
      async (_input, ctx) => {
        const inStep = await ctx.step("clock", async () => {
          const before = Date.now();
          await new Promise<void>((resolve) => setTimeout(resolve, 1));
          return [before, constructedNow(), Date.now()];
        });
        return [...inStep, Date.now()];
      },
      { guards },
    );
    const [before, made, after, workflowNow] = outputOf(outcome) as number[];
    expect(before).toBeGreaterThan(REAL_TIME_MIN_MS);
    expect(made).toBeGreaterThan(REAL_TIME_MIN_MS);
    // After an await inside the step body: still the step's scope, still the real clock.
    expect(after).toBeGreaterThan(REAL_TIME_MIN_MS);
    expect(workflowNow).toBe(5_000);
  });

  test.each([
    ["now", (ctx: Parameters<WorkflowFn>[1]) => ctx.now()],
    ["random", (ctx: Parameters<WorkflowFn>[1]) => ctx.random()],
    ["step", (ctx: Parameters<WorkflowFn>[1]) => ctx.step("inner", () => 1)],
    ["checkpoint", (ctx: Parameters<WorkflowFn>[1]) => ctx.checkpoint("k", 1)],
    ["sleep", (ctx: Parameters<WorkflowFn>[1]) => ctx.sleep(10)],
    ["patched", (ctx: Parameters<WorkflowFn>[1]) => ctx.patched("p")],
  ] as const)(
    "ctx.%s() inside a step body fails the step with a named error",
    async (method, call) => {
      const live = new ReplayHarness();
      const outcome = await live.run(
        async (_input, ctx) => {
          await ctx.step("outer", async () => {
            // After an await too: the scope follows the body's continuations.
            await null;
            return (await call(ctx)) ?? null;
          });
          return "not reached";
        },
        { guards },
      );
      expect(outcome.type).toBe("failed");
      if (outcome.type !== "failed") return;
      expect(outcome.error).toMatchObject({
        name: "WorkflowApiMisuseError",
        code: "FAILED_PRECONDITION",
      });
      expect(outcome.error.message).toContain(`ctx.${method}() was called inside step "outer"`);
      expect(outcome.error.message).toContain("must not call ctx");
      // The step's failure is what was recorded: replay gives the same failure.
      expect(live.calls()).toEqual([[0, "step", "outer"]]);
    },
  );

  test("a checkpoint's set() inside a step body is refused too", async () => {
    const live = new ReplayHarness();
    const outcome = await live.run(
      async (_input, ctx) => {
        const status = await ctx.checkpoint("status", "new");
        await ctx.step("outer", () => status.set("from a step"));
        return status.get();
      },
      { guards },
    );
    expect(outcome).toMatchObject({
      type: "failed",
      error: { name: "WorkflowApiMisuseError", message: expect.stringContaining("ctx.set()") },
    });
  });
});
