// The step gate through a replay run: a step body holds its slot until its checkpoint is
// recorded, and a step reached once the gate is closed never runs its body.

import { expect, test } from "bun:test";
import { createLogger, type NodeId } from "../lib/index.ts";
import type { WorkflowContext } from "./context.ts";
import { defineWorkflow } from "./definition.ts";
import { nextEvent } from "./events.ts";
import type { CheckpointRecord } from "./execution.ts";
import type { JsonValue } from "./json.ts";
import { WorkflowRegistry } from "./registry.ts";
import type { ReplayEffects } from "./replay-cursor.ts";
import { ReplayRun } from "./replay-engine.ts";
import { StepGate } from "./step-gate.ts";

test("closing waits for the running step's checkpoint, and no later step body runs", async () => {
  const gate = new StepGate();
  const bodies: string[] = [];
  const recorded: CheckpointRecord[] = [];
  const body = Promise.withResolvers<void>();
  const commit = Promise.withResolvers<void>();
  const effects: ReplayEffects = {
    record: async (checkpoint) => {
      await commit.promise;
      recorded.push(checkpoint);
      return true;
    },
    sleep: async () => undefined,
    wallClockMs: () => 5_000,
    monotonicMs: () => 5_000,
    stepRan: () => undefined,
    nextEvent: (name) => nextEvent([], name),
    stepGate: gate,
  };
  const workflow = new WorkflowRegistry([
    defineWorkflow("test", 1, async (_: JsonValue, ctx: WorkflowContext) => {
      await ctx.step("first", async () => {
        bodies.push("first");
        await body.promise;
        return 1;
      });
      await ctx.step("second", () => {
        bodies.push("second");
        return 2;
      });
      return "done";
    }),
  ]).require("test", 1);
  const execution = {
    workflowId: "wf-1",
    name: "test",
    version: 1,
    input: null,
    runtimeVersion: 1,
    seed: 42,
    startedAtMs: 1_000,
    owner: 1 as NodeId,
    ownerEpoch: 1,
    status: "Running" as const,
    checkpoints: [],
  };
  const logger = createLogger({ level: "error", format: "text", write: () => undefined });
  let isEnded = false;
  void new ReplayRun({ execution, workflow, effects, logger }).run().then(() => {
    isEnded = true;
  });
  while (bodies.length === 0) await Promise.resolve();
  let isDrained = false;
  const drained = gate.close().then(() => {
    isDrained = true;
  });
  // The body ends; its checkpoint is not recorded yet.
  body.resolve();
  for (let k = 0; k < 20; k++) await Promise.resolve();
  expect(isDrained).toBe(false);
  commit.resolve();
  await drained;
  expect(recorded.map((checkpoint) => checkpoint.name)).toEqual(["first"]);
  for (let k = 0; k < 20; k++) await Promise.resolve();
  expect(bodies).toEqual(["first"]);
  expect(isEnded).toBe(false);
});
