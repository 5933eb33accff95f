// ctx.patched() and the determinism guards through the owner-side runtime and the group's
// log: a deploy of changed code meets an execution that the old code started, across an
// owner failover, while a new execution takes the new path.

import { describe, expect, test } from "bun:test";
import {
  LocalWorkflowGroup,
  track,
  WALL_ORIGIN_MS,
} from "../../test/support/workflow-local-group.ts";
import { type NodeId, nodeId } from "../lib/index.ts";
import { processGuards } from "../node/determinism-guards.ts";
import type { StartedExecution } from "./apply-result.ts";
import type { WorkflowContext } from "./context.ts";
import { defineWorkflow } from "./definition.ts";
import { registryWithBuiltins } from "./ping-pong.ts";

/** Which code is "deployed": the test flips it, as a rolling deploy would. */
let deployed: "old" | "new" = "old";

function slowStep(group: () => LocalWorkflowGroup, value: string) {
  return async () => {
    await new Promise<void>((resolve) => group().clock.setTimer(20, resolve));
    return value;
  };
}

function versionedGroup() {
  let group: LocalWorkflowGroup | undefined;
  const current = () => group as LocalWorkflowGroup;
  const definition = defineWorkflow("versioned", 1, async (_input: null, ctx: WorkflowContext) => {
    const isNew = deployed === "new" && ctx.patched("fast-path");
    const a = await ctx.step(isNew ? "a2" : "a", slowStep(current, isNew ? "new a" : "old a"));
    const b = await ctx.step("b", slowStep(current, "b"));
    // Guarded: the clock in workflow code is the replayed ctx.now().
    return {
      a,
      b,
      // biome-ignore lint/complexity/useDateNow: the constructor's no-argument form is under test
      isClockReplayed: Date.now() === ctx.now() && new Date().valueOf() === ctx.now(),
    };
  });
  group = new LocalWorkflowGroup({
    registry: registryWithBuiltins([definition]),
    guards: processGuards,
  });
  return group;
}

describe("WorkflowRuntime: ctx.patched() across a deploy and a failover", () => {
  test("the old execution keeps its path on the new owner; a new one takes the new path", async () => {
    deployed = "old";
    const group = versionedGroup();
    const one = group.runtime(1);
    const two = group.runtime(2);
    one.open();
    two.open();
    const started = track(one.start("versioned", 1, null));
    await group.until(() => started.done);
    const oldId = (started.value as StartedExecution).workflowId;
    await group.until(() => (group.stateMachine.execution(oldId)?.checkpoints.length ?? 0) >= 1);
    // Node 1 dies with step "b" in flight; the new code is deployed on node 2.
    one.close();
    deployed = "new";
    const plan = track(two.reassignOwners([nodeId(2) as NodeId]));
    await group.until(() => plan.done);
    const oldEnd = track(group.queries.wait(oldId, 60_000));
    await group.until(() => oldEnd.done, 60_000);
    expect(oldEnd.value).toMatchObject({
      status: "Completed",
      owner: 2,
      output: { a: "old a", b: "b", isClockReplayed: true },
    });
    expect(group.stateMachine.execution(oldId)?.checkpoints.map((c) => c.kind)).toEqual([
      "step",
      "step",
    ]);

    const fresh = track(two.start("versioned", 1, null));
    await group.until(() => fresh.done);
    const newId = (fresh.value as StartedExecution).workflowId;
    const newEnd = track(group.queries.wait(newId, 60_000));
    await group.until(() => newEnd.done, 60_000);
    expect(newEnd.value).toMatchObject({
      status: "Completed",
      output: { a: "new a", b: "b", isClockReplayed: true },
    });
    const record = group.stateMachine.execution(newId);
    expect(record?.checkpoints.map((c) => [c.kind, c.name])).toEqual([
      ["patch", "fast-path"],
      ["step", "a2"],
      ["step", "b"],
    ]);
    expect(record?.checkpoints[0]?.atMs).toBeGreaterThanOrEqual(WALL_ORIGIN_MS);
    expect(group.fatal).toEqual([]);
  });

  test("a new owner replays a marker the failed owner committed", async () => {
    deployed = "new";
    const group = versionedGroup();
    const one = group.runtime(1);
    const two = group.runtime(2);
    one.open();
    two.open();
    const started = track(one.start("versioned", 1, null));
    await group.until(() => started.done);
    const id = (started.value as StartedExecution).workflowId;
    await group.until(() => (group.stateMachine.execution(id)?.checkpoints.length ?? 0) >= 1);
    one.close();
    const plan = track(two.reassignOwners([nodeId(2) as NodeId]));
    await group.until(() => plan.done);
    const end = track(group.queries.wait(id, 60_000));
    await group.until(() => end.done, 60_000);
    expect(end.value).toMatchObject({ status: "Completed", owner: 2, output: { a: "new a" } });
    const record = group.stateMachine.execution(id);
    expect(record?.checkpoints.map((c) => [c.kind, c.name, c.ownerEpoch])).toEqual([
      ["patch", "fast-path", 1],
      ["step", "a2", 2],
      ["step", "b", 2],
    ]);
  });
});
