// A workflow or a step that throws an error the log could not hold as it is (an empty name,
// an empty or huge code) ends as any failure does. Before, the Fail was refused as malformed
// and proposed again a thousand times a second, each a log entry, and the workflow never
// ended; a step's such error was refused with its checkpoint while the end chained behind it
// was taken, so the workflow completed with the step missing from its record.

import { expect, test } from "bun:test";
import { LocalWorkflowGroup, track } from "../../test/support/workflow-local-group.ts";
import type { StartedExecution } from "./apply-result.ts";
import { decodeCommand } from "./commands.ts";
import { defineWorkflow } from "./definition.ts";
import { registryWithBuiltins } from "./ping-pong.ts";
import type { WorkflowProposer } from "./proposer.ts";
import { RUN_RETRY_DELAY_MS } from "./runtime.ts";

const nameless = () => Object.assign(new Error("nameless"), { name: "" });

const throwsNameless = defineWorkflow("throws_nameless", 1, async (_: null, _ctx) => {
  throw nameless();
});
const stepThrowsNameless = defineWorkflow("step_throws_nameless", 1, async (_: null, ctx) => {
  try {
    await ctx.step("charge", () => {
      throw Object.assign(new Error("declined"), { name: "", code: "" });
    });
  } catch (error) {
    return `caught ${(error as Error).message}`;
  }
  return "not thrown";
});

async function outcomeOf(name: string, isAhead: boolean) {
  const group = new LocalWorkflowGroup({
    registry: registryWithBuiltins([throwsNameless, stepThrowsNameless]),
  });
  const runtime = isAhead ? group.runtime(1, group.chainedProposer) : group.runtime();
  runtime.open();
  const started = track(runtime.start(name, 1, null));
  await group.until(() => started.done);
  const finished = track(group.queries.wait((started.value as StartedExecution).workflowId, 5_000));
  await group.until(() => finished.done);
  const record = group.stateMachine.execution((started.value as StartedExecution).workflowId);
  return { outcome: finished.value, record, log: group.log };
}

test.each([false, true])(
  "a workflow that throws an error with an empty name fails with it (going ahead: %p)",
  async (isAhead) => {
    const { outcome, log } = await outcomeOf("throws_nameless", isAhead);
    expect(outcome).toMatchObject({
      status: "Failed",
      error: { name: "Error", message: "nameless" },
    });
    expect(log.map((command) => command.type)).toEqual(["Start", "Fail"]);
  },
);

test.each([false, true])(
  "a step's error with an empty name and code is recorded before the workflow ends (going ahead: %p)",
  async (isAhead) => {
    const { outcome, record } = await outcomeOf("step_throws_nameless", isAhead);
    expect(outcome).toMatchObject({ status: "Completed", output: "caught declined" });
    expect(record?.checkpoints).toHaveLength(1);
    expect(record?.checkpoints[0]?.outcome).toEqual({
      ok: false,
      error: { name: "Error", message: "declined" },
    });
  },
);

test("an end the group refuses for a reason that does not end the run is proposed again after a pause, not at once", async () => {
  // Any end the log refuses as malformed (a bug of this build) would otherwise be proposed
  // again at once, for ever: a log entry each time, a thousand a second.
  const group = new LocalWorkflowGroup({ registry: registryWithBuiltins([throwsNameless]) });
  let ends = 0;
  const refusingEnds: WorkflowProposer = {
    propose: (bytes) => {
      const decoded = decodeCommand(bytes);
      if (decoded.ok && decoded.command.type === "Fail") {
        ends++;
        return Promise.resolve({ type: "refused", reason: "malformed", message: "test" });
      }
      return group.proposer.propose(bytes);
    },
    barrier: () => group.proposer.barrier(),
  };
  const runtime = group.runtime(1, refusingEnds);
  runtime.open();
  const started = track(runtime.start("throws_nameless", 1, null));
  await group.until(() => started.done);
  await group.until(() => ends > 0);
  await group.advance(1_000);
  expect(ends).toBeGreaterThan(1);
  expect(ends).toBeLessThanOrEqual(1 + Math.ceil(1_000 / RUN_RETRY_DELAY_MS));
  runtime.close();
});
