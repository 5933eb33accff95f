// Cancel and terminate through the owner runtime on a local group under a virtual clock: a
// sleeping or waiting workflow is woken at once to see its CancelledError, clean-up steps
// run after it, a new owner replays the cancel at the same call, and a terminated run stops
// with nothing of it recorded afterwards.

import { describe, expect, test } from "bun:test";
import { LocalWorkflowGroup, track } from "../../test/support/workflow-local-group.ts";
import { CancelledError } from "./cancel.ts";
import { decodeCommand, encodeCommand } from "./commands.ts";
import type { WorkflowContext } from "./context.ts";
import { defineWorkflow } from "./definition.ts";
import type { ExecutionState } from "./execution-table.ts";
import { registryWithBuiltins } from "./ping-pong.ts";
import type { WorkflowProposer } from "./proposer.ts";
import { ReplayRun } from "./replay-engine.ts";

interface Gate {
  readonly promise: Promise<void>;
  open(): void;
}

function gate(): Gate {
  let open = (): void => undefined;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** Workflows that wait in different ways and clean up when cancelled; counts real step runs. */
function cancelGroup() {
  const runs = new Map<string, number>();
  const count = (key: string) => runs.set(key, (runs.get(key) ?? 0) + 1);
  const gates = { work: gate(), cleanup: gate(), second: gate() };
  /** The reasons the code saw, first run and replays alike. */
  const reasons: string[] = [];
  const napper = defineWorkflow("napper", 1, async (input: string, ctx: WorkflowContext) => {
    await ctx.step("before", () => count("before"));
    try {
      await (input === "event" ? ctx.waitForEvent("go") : ctx.sleep("1h"));
      return "woke normally";
    } catch (error) {
      if (!(error instanceof CancelledError)) throw error;
      reasons.push(error.reason);
      await ctx.step("cleanup", async () => {
        count("cleanup");
        if (input === "slow cleanup") await gates.cleanup.promise;
      });
      if (input === "swallow") return "cleaned up";
      throw error;
    }
  });
  const worker = defineWorkflow("worker", 1, async (_input: null, ctx: WorkflowContext) => {
    await ctx.step("work", async () => {
      count("work");
      await gates.work.promise;
    });
    await ctx.step("after", () => count("after"));
    return "done";
  });
  /** A step that always fails, retried 4 s apart; cleans up when cancelled. */
  const retrier = defineWorkflow("retrier", 1, async (_input: null, ctx: WorkflowContext) => {
    try {
      const failing = () => {
        count("flaky");
        throw new Error("down");
      };
      await ctx.step("flaky", failing, { retry: { attemptsMax: 4, initialDelayMs: 4_000 } });
    } catch (error) {
      if (!(error instanceof CancelledError)) throw error;
      await ctx.step("cleanup", () => count("cleanup"));
      throw error;
    }
  });
  /** Two steps awaited together, then one more. */
  const fanout = defineWorkflow("fanout", 1, async (_input: null, ctx: WorkflowContext) => {
    const gated = (key: string, until: Gate) => async () => {
      count(key);
      await until.promise;
    };
    await Promise.all([
      ctx.step("first", gated("first", gates.work)),
      ctx.step("second", gated("second", gates.second)),
    ]);
    await ctx.step("after", () => count("after"));
    return "done";
  });
  const group = new LocalWorkflowGroup({
    registry: registryWithBuiltins([napper, worker, fanout, retrier]),
  });
  return { group, runs, gates, reasons };
}

const kinds = (group: LocalWorkflowGroup, workflowId: string) =>
  group.log
    .filter((c) => "workflowId" in c && c.workflowId === workflowId)
    .map((c) => (c.type === "Checkpoint" ? c.kind : c.type));

async function settle<T>(group: LocalWorkflowGroup, promise: Promise<T>, limitMs = 30_000) {
  const tracked = track(promise);
  await group.until(() => tracked.done, limitMs);
  return tracked;
}

describe("WorkflowRuntime: cancel", () => {
  test.each([["sleep"], ["event"]])(
    "a workflow waiting (%s) is woken at once, cleans up, and ends Cancelled",
    async (how) => {
      const { group, runs, reasons } = cancelGroup();
      const runtime = group.runtime();
      runtime.open();
      await settle(group, runtime.start("napper", 1, how, { workflowId: "w" }));
      await group.until(() => runtime.activeRuns().length === 0);
      const asked = await settle(
        group,
        runtime.stop({ type: "Cancel", workflowId: "w", reason: "not needed" }),
      );
      expect(asked.value).toEqual({ status: "Running", isDuplicate: false });
      // Woken within moments, not after the hour the sleep asked for.
      const finished = await settle(group, group.queries.wait("w", 1_000), 1_000);
      expect(finished.value?.status).toBe("Cancelled");
      expect(finished.value?.error).toEqual({
        name: "CancelledError",
        message: "workflow w was cancelled: not needed",
        code: "CANCELLED",
      });
      const wait = how === "sleep" ? "sleep" : "event-wait";
      expect(kinds(group, "w")).toEqual([
        "Start",
        "step",
        wait,
        "Cancel",
        "cancel",
        "step",
        "Fail",
      ]);
      expect(Object.fromEntries(runs)).toEqual({ before: 1, cleanup: 1 });
      expect(reasons).toEqual(["not needed"]);
      expect(group.fatal).toEqual([]);
    },
  );

  test("a workflow that catches the cancel and returns completes", async () => {
    const { group } = cancelGroup();
    const runtime = group.runtime();
    runtime.open();
    await settle(group, runtime.start("napper", 1, "swallow", { workflowId: "w" }));
    await group.until(() => runtime.activeRuns().length === 0);
    await settle(group, runtime.stop({ type: "Cancel", workflowId: "w" }));
    const finished = await settle(group, group.queries.wait("w", 1_000));
    expect(finished.value).toMatchObject({ status: "Completed", output: "cleaned up" });
  });

  test("a step in progress finishes; the next ctx call gets the cancel", async () => {
    const { group, runs, gates } = cancelGroup();
    const runtime = group.runtime();
    runtime.open();
    await settle(group, runtime.start("worker", 1, null, { workflowId: "w" }));
    await group.until(() => runs.get("work") === 1);
    await settle(group, runtime.stop({ type: "Cancel", workflowId: "w" }));
    gates.work.open();
    const finished = await settle(group, group.queries.wait("w", 1_000));
    expect(finished.value?.status).toBe("Cancelled");
    expect(kinds(group, "w")).toEqual(["Start", "Cancel", "step", "cancel", "Fail"]);
    expect(runs.get("after")).toBeUndefined();
  });

  test("a step waiting to retry gets the cancel: no attempt runs after it", async () => {
    const { group, runs } = cancelGroup();
    const runtime = group.runtime();
    runtime.open();
    await settle(group, runtime.start("retrier", 1, null, { workflowId: "w" }));
    await group.until(() => runs.get("flaky") === 1);
    const askedAtMs = group.clock.nowMs();
    await settle(group, runtime.stop({ type: "Cancel", workflowId: "w" }));
    const finished = await settle(group, group.queries.wait("w", 1_000), 1_000);
    expect(finished.value?.status).toBe("Cancelled");
    // Within the check's 100 ms, not at the next attempt 4 s on (nor after all three).
    expect(group.clock.nowMs() - askedAtMs).toBeLessThan(1_000);
    expect(Object.fromEntries(runs)).toEqual({ flaky: 1, cleanup: 1 });
    // The cancel is recorded where the step was, so a replay throws it from that call.
    expect(kinds(group, "w")).toEqual(["Start", "Cancel", "cancel", "step", "Fail"]);
    expect(group.fatal).toEqual([]);
  });

  test("a new owner that finds the cancel applied before it resumed gives it to the step's retry", async () => {
    // Every node down in a retry's wait, the cancel asked once they are back (an upgrade
    // tour, 2026-12-07): the step may have been in its body when the request came, so its body
    // runs again; but then it waits to retry, and that wait takes the cancel. It ran every
    // attempt, and the workflow completed as if never cancelled.
    const { group, runs } = cancelGroup();
    const first = group.runtime(1);
    first.open();
    await settle(group, first.start("retrier", 1, null, { workflowId: "w" }));
    await group.until(() => runs.get("flaky") === 1);
    first.close();
    const cancel = { type: "Cancel", workflowId: "w", reason: "", requestedAtMs: 0 } as const;
    group.applyNow(encodeCommand(cancel));
    const second = group.runtime(2);
    second.open();
    group.applyNow(
      encodeCommand({ type: "AssignOwner", workflowId: "w", owner: 2 as never, epoch: 2 }),
    );
    const finished = await settle(group, group.queries.wait("w", 2_000), 2_000);
    expect(finished.value?.status).toBe("Cancelled");
    expect(Object.fromEntries(runs)).toEqual({ flaky: 2, cleanup: 1 });
    const record = group.stateMachine.execution("w") as ExecutionState;
    expect(record.checkpoints.map((c) => [c.kind, c.ownerEpoch])).toEqual([
      ["cancel", 2],
      ["step", 2],
    ]);
  });

  test("a repeat is acknowledged; unknown and finished workflows are refused", async () => {
    const { group } = cancelGroup();
    const runtime = group.runtime();
    runtime.open();
    await settle(group, runtime.start("napper", 1, "swallow", { workflowId: "w" }));
    await settle(group, runtime.stop({ type: "Cancel", workflowId: "w" }));
    await settle(group, group.queries.wait("w", 1_000));
    const again = await settle(group, runtime.stop({ type: "Cancel", workflowId: "w" }));
    expect(again.value).toEqual({ status: "Completed", isDuplicate: true });
    const unknown = await settle(group, runtime.stop({ type: "Cancel", workflowId: "nobody" }));
    expect(unknown.error).toMatchObject({ code: "NOT_FOUND" });
    const late = await settle(group, runtime.stop({ type: "Terminate", workflowId: "w" }));
    expect(late.error).toMatchObject({ code: "FAILED_PRECONDITION" });
    expect(late.error?.message).toContain("workflow w already completed");
    const long = await settle(
      group,
      runtime.stop({ type: "Cancel", workflowId: "w", reason: "x".repeat(2_000) }),
    );
    expect(long.error).toMatchObject({ code: "INVALID_ARGUMENT" });
  });

  test("a new owner replays the cancel at the same call and ends the same way", async () => {
    const { group, runs, gates, reasons } = cancelGroup();
    const first = group.runtime(1);
    first.open();
    await settle(group, first.start("napper", 1, "slow cleanup", { workflowId: "w" }));
    await group.until(() => first.activeRuns().length === 0);
    await settle(group, first.stop({ type: "Cancel", workflowId: "w", reason: "why: because" }));
    // Node 1 delivered the cancel and is in the middle of its clean-up step when it fails.
    await group.until(() => runs.get("cleanup") === 1);
    const delivered = [...(group.stateMachine.execution("w")?.checkpoints ?? [])];
    first.close();
    const second = group.runtime(2);
    second.open();
    group.applyNow(
      encodeCommand({ type: "AssignOwner", workflowId: "w", owner: 2 as never, epoch: 2 }),
    );
    gates.cleanup.open();
    const finished = await settle(group, group.queries.wait("w", 5_000));
    expect(finished.value?.status).toBe("Cancelled");
    const record = group.stateMachine.execution("w") as ExecutionState;
    // The cancel stays where node 1 recorded it; node 2 ran only the unrecorded clean-up.
    expect(record.checkpoints.slice(0, delivered.length)).toEqual(delivered);
    expect(record.checkpoints.map((c) => [c.kind, c.ownerEpoch])).toEqual([
      ["step", 1],
      ["sleep", 1],
      ["cancel", 1],
      ["step", 2],
    ]);
    expect(Object.fromEntries(runs)).toEqual({ before: 1, cleanup: 2 });
    // Node 2's replay saw the same reason node 1's first run saw.
    expect(reasons).toEqual(["why: because", "why: because"]);
    // A full replay of the finished record proposes nothing and ends with the same error.
    const workflow = group.stateMachine.registry.get("napper", 1);
    if (workflow === undefined) throw new Error("napper is registered");
    const replayed = await new ReplayRun({
      execution: { ...record, status: "Running" },
      workflow,
      effects: {
        record: () => Promise.reject(new Error("a full replay must not record anything")),
        sleep: () => Promise.resolve(),
        wallClockMs: () => 0,
        monotonicMs: () => 0,
        nextEvent: () => undefined,
        stepRan: () => undefined,
        cancelRequested: () => ({ reason: "" }),
      },
      logger: group.logger,
    }).run();
    expect(replayed).toEqual({ type: "failed", error: record.error as never });
  });
});

/** The kinds of `w`'s checkpoints, with the epoch each was recorded under. */
const recorded = (group: LocalWorkflowGroup) =>
  group.stateMachine.execution("w")?.checkpoints.map((c) => [c.kind, c.name, c.ownerEpoch]);

/**
 * Node 1 runs `w` until `isInside`, the Cancel is applied, and node 1 fails (its runtime
 * closes, as in a crash) once `beforeFailing` holds; then node 2 takes `w` over (epoch 2), or
 * node 1 starts again (same epoch) as after a restart.
 */
async function cancelThenFail(options: {
  readonly workflow: "worker" | "fanout";
  readonly isInside: (runs: Map<string, number>) => boolean;
  readonly beforeFailing?: (context: ReturnType<typeof cancelGroup>) => boolean;
  readonly heir: "new owner" | "restart";
  /** Node 1's proposals; the group's own when absent. */
  readonly proposer?: (group: LocalWorkflowGroup) => WorkflowProposer;
}) {
  const context = cancelGroup();
  const { group, runs } = context;
  const first = group.runtime(1, options.proposer?.(group));
  first.open();
  await settle(group, first.start(options.workflow, 1, null, { workflowId: "w" }));
  await group.until(() => options.isInside(runs));
  await settle(group, first.stop({ type: "Cancel", workflowId: "w", reason: "stop" }));
  await group.until(() => options.beforeFailing?.(context) ?? true);
  first.close();
  const heir = group.runtime(options.heir === "new owner" ? 2 : 1);
  heir.open();
  if (options.heir === "new owner") {
    group.applyNow(
      encodeCommand({ type: "AssignOwner", workflowId: "w", owner: 2 as never, epoch: 2 }),
    );
  }
  return { ...context, epoch: options.heir === "new owner" ? 2 : 1 };
}

describe("WorkflowRuntime: cancel while the owner fails", () => {
  test.each([["new owner"], ["restart"]] as const)(
    "a step that was running when the cancel came runs again (%s); the next call gets it",
    async (heir) => {
      const { group, runs, gates, epoch } = await cancelThenFail({
        workflow: "worker",
        isInside: (counted) => counted.get("work") === 1,
        heir,
      });
      await group.until(() => runs.get("work") === 2);
      gates.work.open();
      const finished = await settle(group, group.queries.wait("w", 5_000));
      expect(finished.value?.status).toBe("Cancelled");
      expect(recorded(group)).toEqual([
        ["step", "work", epoch],
        ["cancel", "after", epoch],
      ]);
      expect(runs.get("after")).toBeUndefined();
      expect(group.fatal).toEqual([]);
    },
  );

  test("steps awaited together that were running all run again, recorded or not", async () => {
    const { group, runs, gates } = await cancelThenFail({
      workflow: "fanout",
      isInside: (counted) => counted.get("second") === 1,
      // The first step is recorded after the request; the second is still running.
      beforeFailing: (context) => {
        context.gates.work.open();
        return recorded(context.group)?.length === 1;
      },
      heir: "new owner",
    });
    await group.until(() => runs.get("second") === 2);
    gates.second.open();
    const finished = await settle(group, group.queries.wait("w", 5_000));
    expect(finished.value?.status).toBe("Cancelled");
    expect(recorded(group)).toEqual([
      ["step", "first", 1],
      ["step", "second", 2],
      ["cancel", "after", 2],
    ]);
    expect(Object.fromEntries(runs)).toEqual({ first: 1, second: 2 });
  });

  test("a step begun after the request's step was recorded gets the cancel", async () => {
    const { group, runs } = await cancelThenFail({
      workflow: "worker",
      isInside: (counted) => counted.get("work") === 1,
      // Node 1 records the step, then fails before its cancel at the next call commits.
      beforeFailing: (context) => {
        context.gates.work.open();
        return recorded(context.group)?.length === 1;
      },
      proposer: (g) => ({
        ...g.proposer,
        propose: (bytes) => {
          const decoded = decodeCommand(bytes);
          const isCancel =
            decoded.ok && "kind" in decoded.command && decoded.command.kind === "cancel";
          // Lost with node 1: never applied, never answered.
          return isCancel ? new Promise(() => undefined) : g.proposer.propose(bytes);
        },
      }),
      heir: "new owner",
    });
    const finished = await settle(group, group.queries.wait("w", 5_000));
    expect(finished.value?.status).toBe("Cancelled");
    expect(recorded(group)).toEqual([
      ["step", "work", 1],
      ["cancel", "after", 2],
    ]);
    expect(Object.fromEntries(runs)).toEqual({ work: 1 });
  });
});

describe("ReplayRun: a cancel request from an older build", () => {
  test("a request an older build applied (no atSeq) lands at a run's first live step, as before", async () => {
    const { group, runs, gates } = cancelGroup();
    const start = group.runtime(2);
    start.open();
    // Owned by node 1, which runs nothing here: the run below is the first.
    await settle(group, start.start("worker", 1, null, { workflowId: "w", owner: 1 as never }));
    start.close();
    const workflow = group.stateMachine.registry.get("worker", 1);
    if (workflow === undefined) throw new Error("worker is registered");
    gates.work.open();
    const kinds: string[] = [];
    const ended = await new ReplayRun({
      execution: group.stateMachine.execution("w") as ExecutionState,
      workflow,
      effects: {
        record: async (checkpoint) => kinds.push(checkpoint.kind) > 0,
        sleep: () => Promise.resolve(),
        wallClockMs: () => 0,
        monotonicMs: () => 0,
        nextEvent: () => undefined,
        stepRan: () => undefined,
        cancelRequested: () => ({ reason: "old" }),
      },
      logger: group.logger,
    }).run();
    expect(ended).toMatchObject({ type: "failed", error: { code: "CANCELLED" } });
    expect(kinds).toEqual(["cancel"]);
    expect(runs.get("work")).toBeUndefined();
  });
});

describe("WorkflowRuntime: cancel after going ahead of a step", () => {
  test("a step claimed before the request, begun after it, gets the cancel", async () => {
    const { group, runs, gates } = cancelGroup();
    const cancel = encodeCommand({
      type: "Cancel",
      workflowId: "w",
      reason: "stop",
      requestedAtMs: 0,
    });
    const proposer: WorkflowProposer = {
      ...group.chainedProposer,
      propose: (bytes) => {
        const decoded = decodeCommand(bytes);
        // 1. The code saw `work` ahead of its commit and claimed `after`; 2. the request is
        // applied; 3. `work` commits, and only then may `after` begin.
        if (
          decoded.ok &&
          decoded.command.type === "Checkpoint" &&
          decoded.command.kind === "step"
        ) {
          group.clock.setTimer(0, () => group.applyNow(cancel));
        }
        return group.chainedProposer.propose(bytes);
      },
    };
    const runtime = group.runtime(1, proposer, undefined, () => true);
    runtime.open();
    await settle(group, runtime.start("worker", 1, null, { workflowId: "w" }));
    await group.until(() => runs.get("work") === 1);
    gates.work.open();
    const finished = await settle(group, group.queries.wait("w", 5_000));
    expect(kinds(group, "w")).toEqual(["Start", "Cancel", "step", "cancel", "Fail"]);
    expect(finished.value?.status).toBe("Cancelled");
    expect(runs.get("after")).toBeUndefined();
  });
});

describe("WorkflowRuntime: terminate", () => {
  test("ends a running workflow at once; its run stops and records nothing more", async () => {
    const { group, runs, gates } = cancelGroup();
    const runtime = group.runtime();
    runtime.open();
    await settle(group, runtime.start("worker", 1, null, { workflowId: "w" }));
    await group.until(() => runs.get("work") === 1);
    const waiting = track(group.queries.wait("w", 10_000));
    const ended = await settle(
      group,
      runtime.stop({ type: "Terminate", workflowId: "w", reason: "stuck" }),
    );
    expect(ended.value).toEqual({ status: "Terminated", isDuplicate: false });
    await group.until(() => waiting.done);
    expect(waiting.value?.error).toMatchObject({ code: "TERMINATED" });
    await group.until(() => runtime.activeRuns().length === 0);
    // The step body the run was in finishes later: its result is never recorded.
    gates.work.open();
    await group.advance(1_000);
    expect(kinds(group, "w")).toEqual(["Start", "Terminate"]);
    expect(runs.get("after")).toBeUndefined();
    expect(group.fatal).toEqual([]);
  });
});
