// Bad arguments to ctx calls fail the workflow with a message naming the call and what it
// takes (the binary's minified code would otherwise say "t is not a function").

import { expect, test } from "bun:test";
import { ReplayHarness } from "../../test/support/replay-harness.ts";
import type { StepInfo } from "./context.ts";
import { validateWorkflowName } from "./definition.ts";

test("a step whose body is not a function fails the workflow, naming the step", async () => {
  const outcome = await new ReplayHarness().run(async (_input, ctx) =>
    ctx.step("charge", 42 as unknown as (info: StepInfo) => number),
  );
  expect(outcome).toMatchObject({
    type: "failed",
    error: {
      message: 'ctx.step("charge", fn): fn is the step\'s body and must be a function; got number',
    },
  });
});

test("a step name too long is refused by its length, not repeated whole", async () => {
  const outcome = await new ReplayHarness().run(async (_input, ctx) =>
    ctx.step("n".repeat(5_000), () => 1),
  );
  expect(outcome).toMatchObject({
    type: "failed",
    error: {
      message: "step name must be a string of 1 to 128 characters, got one of 5000 characters",
    },
  });
});

test("an event name or a child's workflow name too long is refused by its length too", async () => {
  const long = "e".repeat(5_000);
  const waited = await new ReplayHarness().run(async (_input, ctx) => ctx.waitForEvent(long));
  expect(waited).toMatchObject({
    type: "failed",
    error: {
      message: "an event name must be a string of 1 to 128 characters, got one of 5000 characters",
    },
  });
  expect(() => validateWorkflowName(long)).toThrow(
    "workflow name must be a string of 1 to 128 characters, got one of 5000 characters",
  );
});
