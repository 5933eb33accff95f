// Going ahead of a step's commit (GoingAhead in replay-cursor.ts): a fresh run that returns
// right after its last step proposes that step's checkpoint and its end together, chained;
// anything else the code does waits for the commit, as before.

import { describe, expect, test } from "bun:test";
import { LocalWorkflowGroup, track } from "../../test/support/workflow-local-group.ts";
import { nodeId } from "../lib/index.ts";
import type { StartedExecution } from "./apply-result.ts";
import { encodeCommand } from "./commands.ts";
import { defineWorkflow } from "./definition.ts";
import { registryWithBuiltins } from "./ping-pong.ts";

const APPLY_DELAY_MS = 10;

/** Step bodies log the checkpoints recorded when they begin. */
function workflows(group: () => LocalWorkflowGroup, seen: number[], gate: Promise<void>) {
  const recorded = (id: string) => group().stateMachine.execution(id)?.checkpoints.length ?? -1;
  return [
    defineWorkflow("one", 1, async (_input: null, ctx) => ctx.step("pong", () => "pong")),
    defineWorkflow("two", 1, async (_input: null, ctx) => {
      const first = await ctx.step("a", () => {
        seen.push(recorded(ctx.workflowId));
        return 1;
      });
      const second = await ctx.step("b", () => {
        seen.push(recorded(ctx.workflowId));
        return 2;
      });
      return first + second;
    }),
    defineWorkflow("waits-outside", 1, async (_input: null, ctx) => {
      const value = await ctx.step("a", () => "a");
      // Not a ctx call: the step must get recorded all the same.
      await gate;
      return value;
    }),
  ];
}

function setUp(isLeaderEntry = true) {
  const seen: number[] = [];
  let open = (): void => undefined;
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  let group: LocalWorkflowGroup | undefined;
  const defined = workflows(() => group as LocalWorkflowGroup, seen, gate);
  group = new LocalWorkflowGroup({
    registry: registryWithBuiltins(defined),
    applyDelayMs: APPLY_DELAY_MS,
  });
  const runtime = group.runtime(1, group.chainedProposer, undefined, () => isLeaderEntry);
  runtime.open();
  return { group, runtime, seen, openGate: open };
}

async function run(name: string, isLeaderEntry = true, prepare?: (g: LocalWorkflowGroup) => void) {
  const context = setUp(isLeaderEntry);
  const { group, runtime } = context;
  prepare?.(group);
  const started = track(runtime.start(name, 1, null));
  await group.until(() => started.done);
  const workflowId = (started.value as StartedExecution).workflowId;
  const finished = track(group.queries.wait(workflowId, 5_000));
  await group.until(() => finished.done, 5_000);
  const kinds = group.log.map((c) => (c.type === "Checkpoint" ? `${c.kind}:${c.name}` : c.type));
  return { ...context, workflowId, finished, kinds };
}

describe("going ahead of a step's commit", () => {
  test("a fresh run's last step and its end commit in one round", async () => {
    const { group, finished, kinds } = await run("one");
    expect(finished.value).toMatchObject({ status: "Completed", output: "pong" });
    expect(kinds).toEqual(["Start", "step:pong", "Complete"]);
    expect(group.chains).toBe(1);
    const [, stepAt, completeAt] = group.appliedAtMs;
    expect(completeAt).toBe(stepAt);
  });

  test("a run that needs a read barrier waits for every commit, as before", async () => {
    const { group } = setUp(false);
    // Another member proposes the Start naming node 1: its entry was not node 1's own.
    const starter = group.runtime(2);
    starter.open();
    const started = track(starter.start("one", 1, null, { owner: nodeId(1) }));
    await group.until(() => started.done);
    const finished = track(
      group.queries.wait((started.value as StartedExecution).workflowId, 5_000),
    );
    await group.until(() => finished.done, 5_000);
    expect(finished.value).toMatchObject({ status: "Completed", output: "pong", owner: 1 });
    expect(group.chains).toBe(0);
    const [, stepAt, completeAt] = group.appliedAtMs;
    expect(completeAt).toBeGreaterThanOrEqual((stepAt ?? 0) + APPLY_DELAY_MS);
  });

  test("a step after one the code went ahead of runs only once that one is committed", async () => {
    const { group, finished, kinds, seen } = await run("two");
    expect(finished.value).toMatchObject({ status: "Completed", output: 3 });
    expect(kinds).toEqual(["Start", "step:a", "step:b", "Complete"]);
    expect(seen).toEqual([0, 1]);
    expect(group.chains).toBe(1);
  });

  test("an end that cannot follow its checkpoint is proposed by itself", async () => {
    const { group, finished, kinds } = await run("one", true, (g) => {
      g.breakNextChain = true;
    });
    expect(finished.value).toMatchObject({ status: "Completed", output: "pong" });
    expect(kinds).toEqual(["Start", "step:pong", "Complete"]);
    expect(group.chains).toBe(1);
    // By the same run: not a later one that replays the step.
    expect(group.logLines.filter((line) => line.includes("Resuming"))).toEqual([]);
  });

  test("when apply refuses the checkpoint, it refuses the end behind it too", async () => {
    const { group, runtime } = setUp();
    const started = track(runtime.start("one", 1, null));
    // Another node takes the workflow over between the step and its commit.
    group.beforeNextChain = () =>
      encodeCommand({
        type: "AssignOwner",
        workflowId: (started.value as StartedExecution).workflowId,
        owner: nodeId(2),
        epoch: 2,
      });
    await group.until(() => started.done && group.chains === 1);
    const workflowId = (started.value as StartedExecution).workflowId;
    await group.advance(5 * APPLY_DELAY_MS);
    const kinds = group.log.map((c) => c.type);
    expect(kinds).toEqual(["Start", "AssignOwner", "Checkpoint", "Complete"]);
    const record = group.stateMachine.execution(workflowId);
    expect(record?.status).toBe("Running");
    expect(record?.checkpoints).toEqual([]);
    expect(runtime.activeRuns()).toEqual([]);
  });

  test("code that goes on without a ctx call still gets its step recorded", async () => {
    const context = setUp();
    const { group, runtime, openGate } = context;
    const started = track(runtime.start("waits-outside", 1, null));
    await group.until(() => started.done);
    const workflowId = (started.value as StartedExecution).workflowId;
    await group.until(
      () => group.stateMachine.execution(workflowId)?.checkpoints.length === 1,
      1_000,
    );
    expect(group.chains).toBe(0);
    openGate();
    const finished = track(group.queries.wait(workflowId, 5_000));
    await group.until(() => finished.done, 5_000);
    expect(finished.value).toMatchObject({ status: "Completed", output: "a" });
  });
});
