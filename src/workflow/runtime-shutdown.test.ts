// A node that stops (its disk failed, a signal) stops its workflow runs: a proposal refused
// with SHUTTING_DOWN ends a run quietly, not as a failure logged at ERROR.

import { expect, test } from "bun:test";
import { LocalWorkflowGroup, track } from "../../test/support/workflow-local-group.ts";
import { RaftoralError } from "../lib/index.ts";
import { decodeCommand } from "./commands.ts";
import { defineWorkflow } from "./definition.ts";
import { registryWithBuiltins } from "./ping-pong.ts";
import type { WorkflowProposer } from "./proposer.ts";

const noSteps = defineWorkflow("no_steps", 1, async () => "done");

test("a run whose end the stopping node refuses stops without an error", async () => {
  const group = new LocalWorkflowGroup({ registry: registryWithBuiltins([noSteps]) });
  // The Start is committed; everything after it meets a node that is shutting down.
  const stopping: WorkflowProposer = {
    ...group.proposer,
    propose: async (bytes) => {
      const decoded = decodeCommand(bytes);
      if (decoded.ok && decoded.command.type === "Start") return group.proposer.propose(bytes);
      throw new RaftoralError("SHUTTING_DOWN", "the node is shutting down");
    },
  };
  const runtime = group.runtime(1, stopping);
  runtime.open();
  const started = track(runtime.start("no_steps", 1, null));
  await group.until(() => started.done);
  await group.until(() => group.logLines.some((line) => line.includes("shutting down")));
  expect(group.logLines.filter((line) => line.includes("Workflow run"))).toEqual([
    expect.stringContaining("Workflow run stops: the node is shutting down"),
  ]);
  expect(group.logLines.some((line) => line.includes("ERROR"))).toBe(false);
});
