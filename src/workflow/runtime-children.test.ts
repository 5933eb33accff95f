// Child workflows through the owner runtime on a local group under a virtual clock: the
// parent gets the child's output (or its error), the child is started once under an id fixed
// by the parent's record, also when the parent's owner restarts while the child runs, and a
// start the cluster refuses for good is recorded as the parent's error.

import { describe, expect, test } from "bun:test";
import { nestedArrays } from "../../test/support/nested-arrays.ts";
import { LocalWorkflowGroup, track } from "../../test/support/workflow-local-group.ts";
import { nodeId, RaftoralError } from "../lib/index.ts";
import { CancelledError } from "./cancel.ts";
import type { ChildLauncher } from "./children.ts";
import { RECORDED_COMMAND_BYTES_MAX } from "./command-size.ts";
import { encodeCommand } from "./commands.ts";
import { defineWorkflow } from "./definition.ts";
import type { ChildWorkflowError } from "./errors.ts";
import { registryWithBuiltins } from "./ping-pong.ts";
import type { WorkflowRuntime } from "./runtime.ts";

/** Sleeps `input.ms`, then doubles `input.n`, or fails when n is negative. */
const double = defineWorkflow("double", 1, async (input: { n: number; ms: number }, ctx) => {
  await ctx.sleep(input.ms);
  if (input.n < 0) throw new RaftoralError("INVALID_ARGUMENT", `cannot double ${input.n}`);
  return input.n * 2;
});

const parent = defineWorkflow("parent", 1, async (input: { n: number; ms: number }, ctx) => {
  const child = await ctx.startChild(double, input);
  try {
    return { id: child.workflowId, doubled: await child.result() };
  } catch (error) {
    const failed = error as ChildWorkflowError;
    return { id: child.workflowId, failed: failed.message, code: failed.code };
  }
});

/** Returns `levels` arrays, one in the other. */
const deep = defineWorkflow("deep", 1, async (levels: number) => nestedArrays(levels));

/** Waits for a `deep` child; returns how deep its output went, or the child's error. */
const deepParent = defineWorkflow("deep_parent", 1, async (levels: number, ctx) => {
  const child = await ctx.startChild(deep, levels);
  try {
    return { depth: depthOf(await child.result()) };
  } catch (error) {
    const failed = error as ChildWorkflowError;
    return { failed: failed.message, code: failed.code };
  }
});

/** Returns `length` bytes of text. */
const large = defineWorkflow("large", 1, async (length: number) => "x".repeat(length));

/** Waits for a `large` child; returns the length of its output, or the child's error. */
const largeParent = defineWorkflow("large_parent", 1, async (length: number, ctx) => {
  const child = await ctx.startChild(large, length);
  try {
    return { length: ((await child.result()) as string).length };
  } catch (error) {
    const failed = error as ChildWorkflowError;
    return { failed: failed.message, code: failed.code };
  }
});

function depthOf(value: unknown): number {
  return Array.isArray(value) && value.length > 0 ? 1 + depthOf(value[0]) : 0;
}

const orphan = defineWorkflow("orphan", 1, async (_: null, ctx) => {
  await ctx.startChild("no_such_workflow", null);
  return "unreachable";
});

/** Starts children in the same local group, as a node would in any group. */
function launcherOn(group: LocalWorkflowGroup, runtime: () => WorkflowRuntime) {
  const starts: string[] = [];
  const launcher: ChildLauncher = {
    start: async (request) => {
      starts.push(request.workflowId);
      const { name, version, input, workflowId } = request;
      await runtime().start(name, version, input, { workflowId });
      return { executionClusterId: "1" };
    },
    outcome: async (child, signal) => {
      const view = await group.queries.wait(child.workflowId, 3_600_000, signal);
      if (view.status === "Completed") return { ok: true, output: view.output ?? null };
      return { ok: false, error: view.error ?? { name: "Error", message: "failed" } };
    },
    stop: async (child, type, reason) => {
      await runtime().stop({ type, workflowId: child.workflowId, reason });
    },
  };
  return { launcher, starts };
}

function childGroup() {
  const group = new LocalWorkflowGroup({
    registry: registryWithBuiltins([
      double,
      parent,
      orphan,
      patient,
      deep,
      deepParent,
      large,
      largeParent,
      fanOut,
      tidy,
    ]),
  });
  let current: WorkflowRuntime | undefined;
  const { launcher, starts } = launcherOn(group, () => current as WorkflowRuntime);
  const open = () => {
    current = group.runtime(1, group.proposer, launcher);
    current.open();
    return current;
  };
  return { group, open, starts };
}

async function settle<T>(group: LocalWorkflowGroup, promise: Promise<T>) {
  const tracked = track(promise);
  await group.until(() => tracked.done, 60_000);
  return tracked;
}

/** Starts `input` children at once and waits for all of them (fan-out, fan-in). */
const fanOut = defineWorkflow("fan_out", 1, async (input: number, ctx) => {
  const kids = await Promise.all(
    Array.from({ length: input }, (_, k) =>
      ctx.startChild(double, { n: k, ms: 1_000 * (input - k) }),
    ),
  );
  return await Promise.all(kids.map((kid) => kid.result()));
});

/** Starts a child that sleeps an hour, and waits for it. */
const patient = defineWorkflow("patient", 1, async (_: null, ctx) => {
  const child = await ctx.startChild(double, { n: 1, ms: 3_600_000 });
  return await child.result();
});

/**
 * Waits an hour for a child; once cancelled, starts a clean-up child, waits for it, and ends
 * cancelled.
 */
const tidy = defineWorkflow("tidy", 1, async (_: null, ctx) => {
  const first = await ctx.startChild(double, { n: 1, ms: 3_600_000 });
  try {
    return await first.result();
  } catch (error) {
    if (!(error instanceof CancelledError)) throw error;
    const cleanup = await ctx.startChild(double, { n: 2, ms: 10_000 });
    await cleanup.result();
    throw error;
  }
});

describe("WorkflowRuntime: child workflows", () => {
  test("a parent waits for several children at once, whichever ends first", async () => {
    const { group, open } = childGroup();
    const runtime = open();
    await settle(group, runtime.start("fan_out", 1, 3, { workflowId: "f-1" }));
    const finished = await settle(group, group.queries.wait("f-1", 60_000));
    expect(finished.value?.output).toEqual([0, 2, 4]);
    expect(group.fatal).toEqual([]);
  });

  test("the parent gets the child's output; the child's id follows from the parent's", async () => {
    const { group, open, starts } = childGroup();
    const runtime = open();
    await settle(group, runtime.start("parent", 1, { n: 21, ms: 1_000 }, { workflowId: "p-1" }));
    const finished = await settle(group, group.queries.wait("p-1", 60_000));
    expect(finished.value?.output).toEqual({ id: "p-1:child-0", doubled: 42 });
    expect(starts).toEqual(["p-1:child-0"]);
    const parentRecord = group.stateMachine.execution("p-1");
    expect(parentRecord?.checkpoints.map((checkpoint) => checkpoint.kind)).toEqual([
      "child",
      "event-wait",
      "event",
    ]);
    expect(group.fatal).toEqual([]);
  });

  test("a child's failure reaches the parent as a ChildWorkflowError with its code", async () => {
    const { group, open } = childGroup();
    const runtime = open();
    await settle(group, runtime.start("parent", 1, { n: -1, ms: 10 }, { workflowId: "p-2" }));
    const finished = await settle(group, group.queries.wait("p-2", 60_000));
    expect(finished.value?.output).toEqual({
      id: "p-2:child-0",
      failed: "child workflow p-2:child-0: cannot double -1",
      code: "INVALID_ARGUMENT",
    });
  });

  test("an output too deep for the parent's record reaches it as the child's failure", async () => {
    const { group, open } = childGroup();
    const runtime = open();
    // 65 arrays: the child may return it (innermost at level 64), but the parent's record of
    // the outcome holds it two levels down. 63 arrays are as deep as a child's output reaches.
    for (const [workflowId, levels] of [
      ["d-1", 65],
      ["d-2", 63],
    ] as const) {
      await settle(group, runtime.start("deep_parent", 1, levels, { workflowId }));
    }
    const tooDeep = await settle(group, group.queries.wait("d-1", 60_000));
    expect(tooDeep.value?.output).toEqual({
      failed:
        "child workflow d-1:child-0: the child's output nests deeper than 62 levels of arrays and objects, more than its parent can record; return a flatter value",
      code: "INVALID_ARGUMENT",
    });
    expect(group.stateMachine.execution("d-1:child-0")?.status).toBe("Completed");
    const deepest = await settle(group, group.queries.wait("d-2", 60_000));
    expect(deepest.value?.output).toEqual({ depth: 62 });
  });

  test("an output too large for the parent's record reaches it as the child's failure", async () => {
    const { group, open } = childGroup();
    const runtime = open();
    // The child records it (its Complete has few other fields), but the parent's record of the
    // outcome adds the event's fields: without the check, the parent would fail, uncaught.
    for (const [workflowId, length] of [
      ["l-1", RECORDED_COMMAND_BYTES_MAX - 150],
      ["l-2", RECORDED_COMMAND_BYTES_MAX - 500],
    ] as const) {
      await settle(group, runtime.start("large_parent", 1, length, { workflowId }));
    }
    const tooLarge = await settle(group, group.queries.wait("l-1", 60_000));
    expect(tooLarge.value?.status).toBe("Completed");
    expect(tooLarge.value?.output).toMatchObject({ code: "RESOURCE_EXHAUSTED" });
    expect(JSON.stringify(tooLarge.value?.output)).toContain("too large for its parent to record");
    expect(group.stateMachine.execution("l-1:child-0")?.status).toBe("Completed");
    const fits = await settle(group, group.queries.wait("l-2", 60_000));
    expect(fits.value?.output).toEqual({ length: RECORDED_COMMAND_BYTES_MAX - 500 });
  });

  test("an owner restart while the child runs neither starts it again nor loses it", async () => {
    const { group, open, starts } = childGroup();
    const first = open();
    await settle(group, first.start("parent", 1, { n: 5, ms: 5_000 }, { workflowId: "p-3" }));
    await group.until(() => group.stateMachine.execution("p-3")?.checkpoints.length === 2);
    first.close();
    const second = open();
    const finished = await settle(group, group.queries.wait("p-3", 60_000));
    expect(finished.value?.output).toEqual({ id: "p-3:child-0", doubled: 10 });
    expect(starts).toEqual(["p-3:child-0"]);
    expect(group.log.filter((command) => command.type === "Start")).toHaveLength(2);
    second.close();
  });

  test("an owner that loses the parent and gets it back while it waits still delivers the child's outcome", async () => {
    const { group, open } = childGroup();
    const runtime = open();
    await settle(group, runtime.start("parent", 1, { n: 4, ms: 5_000 }, { workflowId: "p-6" }));
    await group.until(() => group.stateMachine.execution("p-6")?.checkpoints.length === 2);
    await group.advance(100);
    // A failover hands the waiting parent to node 2 and, later, back to node 1.
    group.applyNow(
      encodeCommand({ type: "AssignOwner", workflowId: "p-6", owner: nodeId(2), epoch: 2 }),
    );
    await group.advance(100);
    group.applyNow(
      encodeCommand({ type: "AssignOwner", workflowId: "p-6", owner: nodeId(1), epoch: 3 }),
    );
    const finished = await settle(group, group.queries.wait("p-6", 60_000));
    expect(finished.value).toMatchObject({ status: "Completed", owner: 1 });
    expect(finished.value?.output).toEqual({ id: "p-6:child-0", doubled: 8 });
    runtime.close();
  });

  test("a start refused for good fails the parent, naming the child", async () => {
    const { group, open } = childGroup();
    const runtime = open();
    await settle(group, runtime.start("orphan", 1, null, { workflowId: "p-4" }));
    const finished = await settle(group, group.queries.wait("p-4", 60_000));
    expect(finished.value?.status).toBe("Failed");
    expect(finished.value?.error?.code).toBe("NOT_FOUND");
    expect(finished.value?.error?.message).toContain("child workflow p-4:child-0");
    expect(finished.value?.error?.message).toContain("no_such_workflow");
    // Recorded: the refusal is the child checkpoint's outcome, so replays see it too.
    const [child] = group.stateMachine.execution("p-4")?.checkpoints ?? [];
    expect(child).toMatchObject({ kind: "child", outcome: { ok: false } });
  });

  test("without a launcher, ctx.startChild says it needs a node", async () => {
    const group = new LocalWorkflowGroup({ registry: registryWithBuiltins([orphan]) });
    const runtime = group.runtime();
    runtime.open();
    await settle(group, runtime.start("orphan", 1, null, { workflowId: "p-5" }));
    const finished = await settle(group, group.queries.wait("p-5", 60_000));
    expect(finished.value?.error?.message).toContain("needs a Raftoral node");
  });

  test("an owner that dies between the child's start and its record starts the same child", async () => {
    const { group, open, starts } = childGroup();
    let first: WorkflowRuntime | undefined = open();
    const { launcher } = launcherOn(group, () => first as WorkflowRuntime);
    // The first owner starts the child, then dies before the child checkpoint is recorded.
    const dying: ChildLauncher = {
      ...launcher,
      start: async (request) => {
        const started = await launcher.start(request);
        first?.close();
        return started;
      },
    };
    first.close();
    first = group.runtime(1, group.proposer, dying);
    first.open();
    await settle(group, first.start("parent", 1, { n: 4, ms: 10 }, { workflowId: "p-6" }));
    await group.until(() => group.stateMachine.execution("p-6:child-0") !== undefined);
    expect(group.stateMachine.execution("p-6")?.checkpoints).toEqual([]);
    open();
    const finished = await settle(group, group.queries.wait("p-6", 60_000));
    expect(finished.value?.output).toEqual({ id: "p-6:child-0", doubled: 8 });
    expect(starts).toEqual(["p-6:child-0"]);
    const childIds = [...group.stateMachine.executions()].map((execution) => execution.workflowId);
    expect(childIds.filter((id) => id.startsWith("p-6:"))).toEqual(["p-6:child-0"]);
  });

  test.each([
    ["Cancel", "Cancelled"],
    ["Terminate", "Terminated"],
  ] as const)("a parent's %s reaches its child", async (type, status) => {
    const { group, open } = childGroup();
    const runtime = open();
    await settle(group, runtime.start("patient", 1, null, { workflowId: "p-7" }));
    await group.until(() => group.stateMachine.execution("p-7:child-0")?.checkpoints.length === 1);
    await settle(group, runtime.stop({ type, workflowId: "p-7", reason: "no longer needed" }));
    const child = await settle(group, group.queries.wait("p-7:child-0", 60_000));
    expect(child.error).toBeUndefined();
    expect(child.value?.status).toBe(status);
    const parentEnd = await settle(group, group.queries.wait("p-7", 60_000));
    expect(parentEnd.value?.status).toBe(status);
    // Either way the child's error names its parent and carries the parent's reason.
    const verb = type === "Cancel" ? "cancelled" : "terminated";
    expect(child.value?.error?.message).toContain(`its parent p-7 was ${verb}: no longer needed`);
  });

  /** A launcher that lets `during` happen after it started a child, before its record. */
  function openWith(during: (runtime: WorkflowRuntime) => Promise<unknown>) {
    const { group, open } = childGroup();
    let runtime: WorkflowRuntime | undefined = open();
    const { launcher } = launcherOn(group, () => runtime as WorkflowRuntime);
    const racing: ChildLauncher = {
      ...launcher,
      start: async (request) => {
        const started = await launcher.start(request);
        await during(runtime as WorkflowRuntime);
        return started;
      },
    };
    runtime.close();
    runtime = group.runtime(1, group.proposer, racing);
    runtime.open();
    return { group, runtime };
  }

  test("a child whose record comes after its parent's cancel request is cancelled too", async () => {
    const { group, runtime } = openWith((owner) =>
      owner.stop({ type: "Cancel", workflowId: "p-8", reason: "racing" }),
    );
    await settle(group, runtime.start("patient", 1, null, { workflowId: "p-8" }));
    await group.until(() => group.stateMachine.execution("p-8:child-0") !== undefined);
    const child = await settle(group, group.queries.wait("p-8:child-0", 60_000));
    expect(child.value?.status).toBe("Cancelled");
    expect(child.value?.error?.message).toContain("its parent p-8 was cancelled: racing");
    expect((await settle(group, group.queries.wait("p-8", 60_000))).value?.status).toBe(
      "Cancelled",
    );
  });

  test("a child started while its parent is terminated is terminated, though no record names it", async () => {
    const { group, runtime } = openWith((owner) =>
      owner.stop({ type: "Terminate", workflowId: "p-9", reason: "racing" }),
    );
    await settle(group, runtime.start("patient", 1, null, { workflowId: "p-9" }));
    await group.until(() => group.stateMachine.execution("p-9:child-0") !== undefined);
    const child = await settle(group, group.queries.wait("p-9:child-0", 60_000));
    expect(child.value?.status).toBe("Terminated");
    expect(child.value?.error?.message).toContain("its parent p-9 was terminated: racing");
    expect(group.stateMachine.execution("p-9")).toMatchObject({
      status: "Terminated",
      checkpoints: [],
    });
  });

  /** Cancels `tidy` once its first child sleeps; resolves once the clean-up child sleeps. */
  async function cancelTidy(group: LocalWorkflowGroup, runtime: WorkflowRuntime, id: string) {
    await settle(group, runtime.start("tidy", 1, null, { workflowId: id }));
    await group.until(
      () => group.stateMachine.execution(`${id}:child-0`)?.checkpoints.length === 1,
    );
    await settle(group, runtime.stop({ type: "Cancel", workflowId: id, reason: "enough" }));
    const cleanup = () => group.stateMachine.execution(`${id}:child-3`);
    await group.until(() => cleanup()?.checkpoints.length === 1);
  }

  test("a cancelled parent's clean-up child runs to its end, also after an owner restart", async () => {
    const { group, open } = childGroup();
    const runtime = open();
    await cancelTidy(group, runtime, "p-10");
    runtime.close();
    open();
    const cleanup = await settle(group, group.queries.wait("p-10:child-3", 60_000));
    expect(cleanup.value).toMatchObject({ status: "Completed", output: 4 });
    const first = await settle(group, group.queries.wait("p-10:child-0", 60_000));
    expect(first.value?.status).toBe("Cancelled");
    expect((await settle(group, group.queries.wait("p-10", 60_000))).value?.status).toBe(
      "Cancelled",
    );
  });

  test("a terminate after a cancel terminates the clean-up child as well", async () => {
    const { group, open } = childGroup();
    const runtime = open();
    await cancelTidy(group, runtime, "p-11");
    await settle(group, runtime.stop({ type: "Terminate", workflowId: "p-11", reason: "now" }));
    const cleanup = await settle(group, group.queries.wait("p-11:child-3", 60_000));
    expect(cleanup.value?.status).toBe("Terminated");
    expect(cleanup.value?.error?.message).toContain("its parent p-11 was terminated: now");
  });

  test("a parent's stop reaches its child however long the reason grew down the tree", async () => {
    const { group, open } = childGroup();
    const runtime = open();
    await settle(group, runtime.start("patient", 1, null, { workflowId: "p-12" }));
    await group.until(() => group.stateMachine.execution("p-12:child-0")?.checkpoints.length === 1);
    const reason = "r".repeat(1_020);
    await settle(group, runtime.stop({ type: "Terminate", workflowId: "p-12", reason }));
    const child = await settle(group, group.queries.wait("p-12:child-0", 60_000));
    expect(child.value?.status).toBe("Terminated");
    const message = child.value?.error?.message ?? "";
    expect(message).toContain("its parent p-12 was terminated: rrr");
    expect(message).toEndWith("r…");
  });

  test("a child started just before its parent moved to another owner and was terminated is terminated", async () => {
    const { group, runtime } = openWith(async (owner) => {
      // The group hands p-13 to node 2, and an operator terminates it before node 2's run
      // starts the child again.
      const epoch = group.stateMachine.execution("p-13")?.ownerEpoch ?? 0;
      const assign = {
        type: "AssignOwner",
        workflowId: "p-13",
        owner: nodeId(2),
        epoch: epoch + 1,
      };
      await group.proposer.propose(encodeCommand(assign as never));
      await owner.stop({ type: "Terminate", workflowId: "p-13", reason: "racing" });
    });
    await settle(group, runtime.start("patient", 1, null, { workflowId: "p-13" }));
    await group.until(() => group.stateMachine.execution("p-13")?.status === "Terminated");
    expect(group.stateMachine.execution("p-13")).toMatchObject({ owner: 2, checkpoints: [] });
    const child = await settle(group, group.queries.wait("p-13:child-0", 60_000));
    expect(child.value?.status).toBe("Terminated");
  });
});
