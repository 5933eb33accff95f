// A step result or an output too large to replicate fails its workflow with a LimitError that
// names it, and never reaches the log; the group keeps running other workflows. Every such
// LimitError, the one for too many recorded calls too, carries the code RESOURCE_EXHAUSTED.

import { expect, test } from "bun:test";
import { LocalWorkflowGroup, track } from "../../test/support/workflow-local-group.ts";
import type { StartedExecution } from "./apply-result.ts";
import { EXECUTION_RECORD_BYTES_MAX, RECORDED_COMMAND_BYTES_MAX } from "./command-size.ts";
import { encodeCommand } from "./commands.ts";
import { defineWorkflow } from "./definition.ts";
import { DEFAULT_WORKFLOW_STATE_CONFIG } from "./execution-table.ts";
import { registryWithBuiltins } from "./ping-pong.ts";

/** A limit's failure carries the code of every limit, so callers can tell it from the code's. */
const LIMIT = { name: "LimitError", code: "RESOURCE_EXHAUSTED" };
const HUGE = "x".repeat(RECORDED_COMMAND_BYTES_MAX + 1);

const bigStep = defineWorkflow("big_step", 1, async (_: null, ctx) => {
  await ctx.step("fetch", () => HUGE);
  return "never";
});
/** Millions of numbers: told too large without writing them out (isJsonLargerThan). */
const hugeStep = defineWorkflow("huge_step", 1, async (_: null, ctx) => {
  await ctx.step("numbers", () => Array.from({ length: 3_000_000 }, (_, k) => k));
  return "never";
});
const bigOutput = defineWorkflow("big_output", 1, async (_: null, ctx) => {
  const part = await ctx.step("part", () => "y".repeat(1_000));
  return part + HUGE;
});

/** A loop of results each under the entry's limit, together far over the record's. */
const RESULT = "z".repeat(RECORDED_COMMAND_BYTES_MAX - 1_000);
const growingRecord = defineWorkflow("growing_record", 1, async (_: null, ctx) => {
  for (let k = 0; k < 64; k++) await ctx.step(`part-${k}`, () => RESULT);
  return "never";
});

const manySteps = defineWorkflow("many_steps", 1, async (_: null, ctx) => {
  for (let k = 0; k < 5; k++) await ctx.step(`step-${k}`, () => k);
  return "never";
});

/** Runs `name` on a runtime that goes ahead of its steps' commits, or one that does not. */
async function outcomeOf(
  group: LocalWorkflowGroup,
  name: string,
  input: string | null = null,
  isAhead = false,
) {
  const runtime = isAhead ? group.runtime(1, group.chainedProposer) : group.runtime();
  runtime.open();
  const started = track(runtime.start(name, 1, input));
  await group.until(() => started.done);
  const finished = track(group.queries.wait((started.value as StartedExecution).workflowId, 5_000));
  await group.until(() => finished.done);
  return finished.value;
}

test.each([false, true])(
  "a step result over the limit fails the workflow with a LimitError naming the step (going ahead: %p)",
  async (isAhead) => {
    const group = new LocalWorkflowGroup({ registry: registryWithBuiltins([bigStep]) });
    const outcome = await outcomeOf(group, "big_step", null, isAhead);
    expect(outcome).toMatchObject({ status: "Failed", error: LIMIT });
    expect(JSON.stringify(outcome)).toContain('step \\"fetch\\" (checkpoint 0)');
    expect(JSON.stringify(outcome)).toContain(`the limit is ${RECORDED_COMMAND_BYTES_MAX}`);
    const largest = Math.max(...group.log.map((command) => encodeCommand(command).byteLength));
    expect(largest).toBeLessThan(RECORDED_COMMAND_BYTES_MAX);
  },
);

test.each([false, true])(
  "an output over the limit is recorded as a failure, not as the output (going ahead: %p)",
  async (isAhead) => {
    const group = new LocalWorkflowGroup({ registry: registryWithBuiltins([bigOutput]) });
    const outcome = await outcomeOf(group, "big_output", null, isAhead);
    expect(outcome).toMatchObject({ status: "Failed", error: LIMIT });
    expect(JSON.stringify(outcome)).toContain("the output is");
    expect(group.log.map((command) => command.type)).toEqual(["Start", "Checkpoint", "Fail"]);
    expect(await outcomeOf(group, "ping_pong", "ping")).toMatchObject({
      status: "Completed",
      output: "pong",
    });
  },
);

test("a step result of many megabytes fails the same way, told by its size without writing it", async () => {
  const group = new LocalWorkflowGroup({ registry: registryWithBuiltins([hugeStep]) });
  const outcome = await outcomeOf(group, "huge_step");
  expect(outcome).toMatchObject({ status: "Failed", error: LIMIT });
  expect(outcome?.error?.message).toContain(
    `step "numbers" (checkpoint 0) is more than ${RECORDED_COMMAND_BYTES_MAX} bytes encoded`,
  );
  expect(group.log.map((command) => command.type)).toEqual(["Start", "Fail"]);
});

test.each([false, true])(
  "results that together pass the record's limit fail the workflow at the one that would pass it (going ahead: %p)",
  async (isAhead) => {
    const group = new LocalWorkflowGroup({ registry: registryWithBuiltins([growingRecord]) });
    const outcome = await outcomeOf(group, "growing_record", null, isAhead);
    expect(outcome).toMatchObject({ status: "Failed", error: LIMIT });
    const sizes = group.log
      .filter((command) => command.type === "Checkpoint")
      .map((command) => encodeCommand(command).byteLength);
    const total = sizes.reduce((sum, size) => sum + size, 0);
    // Recorded while the record stayed within the limit; the next would have passed it.
    expect(total).toBeLessThanOrEqual(EXECUTION_RECORD_BYTES_MAX);
    expect(total + (sizes.at(-1) ?? 0)).toBeGreaterThan(EXECUTION_RECORD_BYTES_MAX);
    expect(outcome?.error?.message).toContain(
      `step "part-${sizes.length}" (checkpoint ${sizes.length}, `,
    );
    expect(outcome?.error?.message).toContain(
      `one execution's record holds at most ${EXECUTION_RECORD_BYTES_MAX}`,
    );
  },
);

test.each([false, true])(
  "a workflow past its number of recorded calls fails with the same LimitError (going ahead: %p)",
  async (isAhead) => {
    const group = new LocalWorkflowGroup({
      registry: registryWithBuiltins([manySteps]),
      config: { ...DEFAULT_WORKFLOW_STATE_CONFIG, checkpointsPerExecutionMax: 3 },
    });
    const outcome = await outcomeOf(group, "many_steps", null, isAhead);
    expect(outcome).toMatchObject({ status: "Failed", error: LIMIT });
    expect(outcome?.error?.message).toContain("reached the limit of 3 recorded calls");
  },
);
