import { describe, expect, test } from "bun:test";
import { createLogger, InvalidArgumentError, type NodeId } from "../lib/index.ts";
import type { WorkflowContext } from "./context.ts";
import { defineWorkflow } from "./definition.ts";
import { DeterminismViolationError, WorkflowStepError } from "./errors.ts";
import { type InboxEvent, nextEvent } from "./events.ts";
import type { CheckpointRecord } from "./execution.ts";
import type { ExecutionState } from "./execution-table.ts";
import type { JsonValue } from "./json.ts";
import { WorkflowRegistry } from "./registry.ts";
import type { ReplayEffects, StepReport } from "./replay-cursor.ts";
import { type ReplayOutcome, ReplayRun } from "./replay-engine.ts";

function execution(checkpoints: CheckpointRecord[] = [], input: JsonValue = null): ExecutionState {
  return {
    workflowId: "wf-1",
    name: "test",
    version: 1,
    input,
    runtimeVersion: 1,
    seed: 42,
    startedAtMs: 1_000,
    owner: 1 as NodeId,
    ownerEpoch: 1,
    status: "Running",
    checkpoints,
  };
}

interface Harness {
  readonly recorded: CheckpointRecord[];
  /** What stepRan was told: steps whose body ran in this run. */
  readonly steps: StepReport[];
  readonly sleeps: number[];
  readonly lines: string[];
  wallMs: number;
  /** Answer of the next record() calls: true = recorded. */
  verdicts: boolean[];
  /** The execution's inbox as applied here. */
  readonly inbox: InboxEvent[];
  run(
    fn: (input: JsonValue, ctx: WorkflowContext) => Promise<unknown>,
    from?: CheckpointRecord[],
    input?: JsonValue,
    runtimeVersion?: number,
  ): Promise<ReplayOutcome>;
}

function harness(): Harness {
  const h: Harness = {
    recorded: [],
    steps: [],
    sleeps: [],
    lines: [],
    wallMs: 5_000,
    verdicts: [],
    inbox: [],
    run: (fn, from = [], input = null, runtimeVersion = 1) => {
      const effects: ReplayEffects = {
        record: async (checkpoint) => {
          await Promise.resolve();
          const verdict = h.verdicts.shift() ?? true;
          if (verdict) h.recorded.push(checkpoint);
          return verdict;
        },
        sleep: async (delayMs) => {
          h.sleeps.push(delayMs);
        },
        wallClockMs: () => h.wallMs++,
        monotonicMs: () => h.wallMs,
        stepRan: (report) => h.steps.push(report),
        nextEvent: (name) => nextEvent(h.inbox, name),
      };
      const workflow = new WorkflowRegistry([
        defineWorkflow(
          "test",
          1,
          fn as (input: JsonValue, ctx: WorkflowContext) => Promise<JsonValue>,
        ),
      ]).require("test", 1);
      const logger = createLogger({ level: "info", format: "text", write: (l) => h.lines.push(l) });
      return new ReplayRun({
        execution: { ...execution(from, input), runtimeVersion },
        workflow,
        effects,
        logger,
      }).run();
    },
  };
  return h;
}

/** A three-call workflow whose step bodies count their real executions. */
function counted() {
  const calls = { fetch: 0, charge: 0 };
  const fn = async (_input: JsonValue, ctx: WorkflowContext) => {
    const status = await ctx.checkpoint("status", "new");
    const price = await ctx.step("fetch", () => {
      calls.fetch++;
      return 10;
    });
    await status.set(`priced ${price}`);
    const receipt = await ctx.step("charge", ({ idempotencyKey }) => {
      calls.charge++;
      return `paid ${price} with key ${idempotencyKey}`;
    });
    return { status: status.get(), receipt };
  };
  return { calls, fn };
}

describe("replay engine: live runs", () => {
  test("each ctx call takes the next seq and continues only after it is recorded", async () => {
    const h = harness();
    const { calls, fn } = counted();
    const outcome = await h.run(fn);
    expect(outcome).toEqual({
      type: "completed",
      output: { status: "priced 10", receipt: "paid 10 with key wf-1:3" },
    });
    expect(h.recorded.map((c) => [c.seq, c.kind, c.name])).toEqual([
      [0, "checkpoint", "status"],
      [1, "step", "fetch"],
      [2, "set", "status"],
      [3, "step", "charge"],
    ]);
    expect(calls).toEqual({ fetch: 1, charge: 1 });
    expect(h.recorded.every((c) => c.ownerEpoch === 1)).toBe(true);
  });

  test("checkpoint times never go backwards, even if the wall clock does", async () => {
    const h = harness();
    h.wallMs = 500; // behind startedAtMs
    await h.run(counted().fn);
    const times = h.recorded.map((c) => c.atMs);
    expect(times[0]).toBe(1_000);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });

  test("a refused checkpoint halts the run: the code never continues past it", async () => {
    const h = harness();
    h.verdicts = [true, false];
    const { calls, fn } = counted();
    const outcome = await h.run(fn);
    expect(outcome).toEqual({ type: "stopped", reason: "the group did not record it" });
    expect(calls).toEqual({ fetch: 1, charge: 0 });
  });

  test("parallel steps commit in seq order whatever order they finish in", async () => {
    const h = harness();
    const outcome = await h.run(async (_input, ctx) => {
      let release = (): void => undefined;
      const slow = new Promise<void>((resolve) => {
        release = resolve;
      });
      const a = ctx.step("slow", async () => {
        await slow;
        return "a";
      });
      const b = ctx.step("fast", () => {
        release();
        return "b";
      });
      return Promise.all([a, b]);
    });
    expect(outcome).toEqual({ type: "completed", output: ["a", "b"] });
    expect(h.recorded.map((c) => c.name)).toEqual(["slow", "fast"]);
  });

  test("ctx.log writes only while live", async () => {
    const h = harness();
    const fn = async (_input: JsonValue, ctx: WorkflowContext) => {
      ctx.log.info("before");
      await ctx.step("one", () => 1);
      ctx.log.info("after", { n: 1 });
      return null;
    };
    await h.run(fn);
    expect(h.lines).toEqual([
      "INFO before, workflow_id: wf-1",
      "INFO after, workflow_id: wf-1, n: 1",
    ]);
    const replay = harness();
    await replay.run(fn, h.recorded);
    expect(replay.lines).toEqual(["INFO after, workflow_id: wf-1, n: 1"]);
  });
});

describe("replay engine: replay", () => {
  test("a full record replays to the same output with no side effect and no proposal", async () => {
    const live = harness();
    await live.run(counted().fn);
    const replay = harness();
    const { calls, fn } = counted();
    const outcome = await replay.run(fn, live.recorded);
    expect(outcome).toEqual({
      type: "completed",
      output: { status: "priced 10", receipt: "paid 10 with key wf-1:3" },
    });
    expect(calls).toEqual({ fetch: 0, charge: 0 });
    expect(replay.recorded).toEqual([]);
  });

  test("a partial record replays its prefix, then runs the rest for real", async () => {
    const live = harness();
    await live.run(counted().fn);
    const replay = harness();
    const { calls, fn } = counted();
    await replay.run(fn, live.recorded.slice(0, 2));
    expect(calls).toEqual({ fetch: 0, charge: 1 });
    expect(replay.recorded.map((c) => c.seq)).toEqual([2, 3]);
  });

  test("the recorded outcome wins over what the code would compute now", async () => {
    const live = harness();
    await live.run(async (_input, ctx) => ctx.step("quote", () => 1));
    const replay = harness();
    const outcome = await replay.run(
      async (_input, ctx) => ctx.step("quote", () => 2),
      live.recorded,
    );
    expect(outcome).toEqual({ type: "completed", output: 1 });
  });

  test("code that changes a replayed result changes its own copy, never the record", async () => {
    const fn = async (_input: JsonValue, ctx: WorkflowContext) => {
      const order = await ctx.step("load", () => ({ items: ["book"] }));
      order.items.push("pen");
      return order;
    };
    const record: CheckpointRecord[] = [
      {
        seq: 0,
        kind: "step",
        name: "load",
        outcome: { ok: true, value: { items: ["book"] } },
        atMs: 1_000,
        ownerEpoch: 1,
      },
    ];
    const replay = harness();
    expect(await replay.run(fn, record)).toEqual({
      type: "completed",
      output: { items: ["book", "pen"] },
    });
    expect(record[0]?.outcome).toEqual({ ok: true, value: { items: ["book"] } });
  });

  test("code that changes its input changes its own copy, never the record", async () => {
    const input = { items: ["book"] };
    const h = harness();
    const outcome = await h.run(
      async (given, _ctx) => {
        (given as { items: string[] }).items.push("pen");
        return given;
      },
      [],
      input,
    );
    expect(outcome).toEqual({ type: "completed", output: { items: ["book", "pen"] } });
    expect(input).toEqual({ items: ["book"] });
  });

  test("code that changes an event's payload changes its own copy, never the inbox", async () => {
    const h = harness();
    h.inbox.push({ eventId: "e1", name: "approval", payload: { by: ["ann"] }, isConsumed: false });
    const outcome = await h.run(
      async (_input, ctx) => {
        const got = await ctx.waitForEvent<{ by: string[] }>("approval");
        if (got.isTimedOut) return null;
        got.payload.by.push("bob");
        return got.payload;
      },
      [],
      null,
      2,
    );
    expect(outcome).toEqual({ type: "completed", output: { by: ["ann", "bob"] } });
    expect(h.inbox[0]?.payload).toEqual({ by: ["ann"] });
  });

  test("now() and random() replay identically", async () => {
    const fn = async (_input: JsonValue, ctx: WorkflowContext) => {
      const seen: number[] = [ctx.now(), ctx.random()];
      await ctx.step("wait", () => null);
      seen.push(ctx.now(), ctx.random(), ctx.random());
      return seen;
    };
    const live = harness();
    const first = await live.run(fn);
    const replay = harness();
    replay.wallMs = 99_999_999;
    const second = await replay.run(fn, live.recorded);
    expect(second).toEqual(first);
    const values = (first as { output: number[] }).output;
    expect(values[0]).toBe(1_000);
    expect(values[2]).toBe(live.recorded[0]?.atMs);
    for (const value of [values[1], values[3], values[4]]) {
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(1);
    }
  });
});

describe("replay engine: user errors are data", () => {
  test("a step error is recorded and rethrown identically on replay", async () => {
    class PaymentDeclined extends Error {
      override name = "PaymentDeclined";
    }
    const fn = async (_input: JsonValue, ctx: WorkflowContext) => {
      try {
        await ctx.step("charge", () => {
          throw new PaymentDeclined("card 42 declined");
        });
        return "charged";
      } catch (error) {
        const e = error as WorkflowStepError;
        return [e instanceof WorkflowStepError, e.name, e.message, e.stepName, e.seq];
      }
    };
    const live = harness();
    const first = await live.run(fn);
    expect(first).toEqual({
      type: "completed",
      output: [true, "PaymentDeclined", "card 42 declined", "charge", 0],
    });
    expect(live.recorded[0]?.outcome).toEqual({
      ok: false,
      error: { name: "PaymentDeclined", message: "card 42 declined" },
    });
    expect(await harness().run(fn, live.recorded)).toEqual(first);
  });

  test("an uncaught error fails the execution with its name and message", async () => {
    const outcome = await harness().run(async () => {
      throw new InvalidArgumentError("bad order");
    });
    expect(outcome).toEqual({
      type: "failed",
      error: { name: "InvalidArgumentError", message: "bad order", code: "INVALID_ARGUMENT" },
    });
  });

  test("a step error left uncaught fails the execution with the original error", async () => {
    const outcome = await harness().run(async (_input, ctx) =>
      ctx.step("boom", () => {
        throw new TypeError("nope");
      }),
    );
    expect(outcome).toEqual({ type: "failed", error: { name: "TypeError", message: "nope" } });
  });

  test("retries follow the policy; only the final outcome is recorded, in whole ms", async () => {
    const h = harness();
    const attempts: { key: string; attempt: number }[] = [];
    const outcome = await h.run(async (_input, ctx) =>
      ctx.step(
        "flaky",
        ({ idempotencyKey, attempt }) => {
          attempts.push({ key: idempotencyKey, attempt });
          h.wallMs += 0.4;
          if (attempt < 3) throw new Error(`try ${attempt}`);
          return "ok";
        },
        { retry: { attemptsMax: 4, initialDelayMs: 50, backoffFactor: 3 } },
      ),
    );
    expect(outcome).toEqual({ type: "completed", output: "ok" });
    expect(attempts).toEqual([
      { key: "wf-1:0", attempt: 1 },
      { key: "wf-1:0", attempt: 2 },
      { key: "wf-1:0", attempt: 3 },
    ]);
    // 50 ms, then 150 ms taken 100 ms at a time (a cancel is looked for in between).
    expect(h.sleeps).toEqual([50, 100, 50]);
    expect(h.recorded).toHaveLength(1);
    // The report (for the metrics) keeps the fraction of a millisecond; the record does not.
    expect(h.steps[0]?.durationMs).toBeCloseTo(1.2, 6);
    expect(h.recorded[0]?.stats).toEqual({ attempts: 3, durationMs: 1 });
  });

  test("a step replayed from the record is not reported as run", async () => {
    const first = harness();
    await first.run(async (_input, ctx) => ctx.step("once", () => "v"));
    expect(first.steps.map((step) => step.name)).toEqual(["once"]);
    const again = harness();
    await again.run(async (_input, ctx) => ctx.step("once", () => "v"), first.recorded);
    expect(again.steps).toEqual([]);
  });

  test("results and outputs that are not JSON fail cleanly", async () => {
    const step = await harness().run(async (_input, ctx) => {
      await ctx.step("big", () => 10n as unknown as number);
      return null;
    });
    expect(step.type).toBe("failed");
    expect(step.type === "failed" && step.error.message).toContain('step "big"');
    const output = await harness().run(async () => () => 1);
    expect(output.type).toBe("failed");
  });

  test("bad ctx usage throws into the code before any seq is taken", async () => {
    const h = harness();
    const outcome = await h.run(async (_input, ctx) => {
      await ctx.checkpoint("k", 1);
      const errors: string[] = [];
      for (const attempt of [
        () => ctx.checkpoint("k", 2),
        () => ctx.checkpoint("u", undefined as unknown as null),
        () => ctx.step("", () => 1),
        () => ctx.step("r", () => 1, { retry: { attemptsMax: 0 } }),
      ]) {
        await attempt().catch((error: Error) => errors.push(error.name));
      }
      await ctx.step("last", () => 1);
      return errors;
    });
    expect(outcome).toEqual({ type: "completed", output: Array(4).fill("InvalidArgumentError") });
    expect(h.recorded.map((c) => c.seq)).toEqual([0, 1]);
  });
});

describe("replay engine: determinism", () => {
  test("a different step name at a recorded seq is a determinism violation naming both", async () => {
    const live = harness();
    await live.run(counted().fn);
    const replay = harness();
    const outcome = await replay.run(async (_input, ctx) => {
      await ctx.checkpoint("status", "new");
      await ctx.step("fetch-v2", () => 1);
      return null;
    }, live.recorded);
    expect(outcome.type).toBe("diverged");
    const error = (outcome as { error: DeterminismViolationError }).error;
    expect(error).toBeInstanceOf(DeterminismViolationError);
    expect(error.code).toBe("DETERMINISM_VIOLATION");
    expect(error.seq).toBe(1);
    expect(error.recorded).toEqual({ kind: "step", name: "fetch" });
    expect(error.attempted).toEqual({ kind: "step", name: "fetch-v2" });
    expect(error.message).toContain('checkpoint 1: the log recorded step "fetch"');
    expect(error.message).toContain('calls step "fetch-v2"');
    expect(replay.recorded).toEqual([]);
  });

  test("a different kind at a recorded seq diverges too", async () => {
    const live = harness();
    await live.run(counted().fn);
    const outcome = await harness().run(async (_input, ctx) => {
      await ctx.step("status", () => 1);
      return null;
    }, live.recorded);
    expect(outcome.type === "diverged" && outcome.error.attempted.kind).toBe("step");
    expect(outcome.type === "diverged" && outcome.error.recorded.kind).toBe("checkpoint");
  });

  test("code that ends before its recorded calls diverges", async () => {
    const live = harness();
    await live.run(counted().fn);
    const outcome = await harness().run(async (_input, ctx) => {
      await ctx.checkpoint("status", "new");
      return "short";
    }, live.recorded);
    expect(outcome.type).toBe("diverged");
    expect(outcome.type === "diverged" && outcome.error.message).toContain("ends before");
  });

  test("even code that catches everything cannot continue past a divergence", async () => {
    let afterwards = false;
    const outcome = await harness().run(
      async (_input, ctx) => {
        try {
          await ctx.step("other", () => 1);
        } catch {
          // The test's point: nothing reaches here either.
        }
        afterwards = true;
        return null;
      },
      [
        {
          seq: 0,
          kind: "step",
          name: "original",
          outcome: { ok: true, value: 1 },
          atMs: 1,
          ownerEpoch: 1,
        },
      ],
    );
    expect(outcome.type).toBe("diverged");
    expect(afterwards).toBe(false);
  });

  test("an execution from an unknown runtime version is not run", async () => {
    const { calls, fn } = counted();
    const outcome = await harness().run(fn, [], null, 99);
    expect(outcome.type).toBe("unsupported");
    expect(calls.fetch).toBe(0);
  });
});
