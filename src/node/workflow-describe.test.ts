import { expect, test } from "bun:test";
import { groupId, type LogIndex, type NodeId, RaftoralError } from "../lib/index.ts";
import {
  encodeCommand,
  registryWithBuiltins,
  type WorkflowCommand,
  WorkflowStateMachine,
} from "../workflow/index.ts";
import { describeWorkflow, type LookupDeps } from "./workflow-describe.ts";

const GROUP = groupId(1);

/** Group 1 hosted here, whose read barrier fails as in a group that lost its leader. */
function leaderlessGroup() {
  const machine = new WorkflowStateMachine({ registry: registryWithBuiltins() });
  const apply = (command: WorkflowCommand) =>
    machine.apply(encodeCommand(command), (machine.lastAppliedIndex() + 1) as LogIndex);
  for (const workflowId of ["done", "running"]) {
    apply({
      type: "Start",
      workflowId,
      name: "ping_pong",
      version: 1,
      input: "ping",
      owner: 1 as NodeId,
      startedAtMs: 1_000,
      seed: 7,
      runtimeVersion: 1,
    });
  }
  apply({
    type: "Complete",
    workflowId: "done",
    ownerEpoch: 1,
    output: "pong",
    finishedAtMs: 2_000,
  });
  const deps: LookupDeps = {
    groups: () => [GROUP],
    resolveGroup: async (id) => id,
    machineOf: async () => machine,
    barrier: async () => {
      throw new RaftoralError("UNAVAILABLE", "Execution cluster 1 has had no leader for 12 s");
    },
    forward: async () => {
      throw new Error("group 1 is hosted here");
    },
    forwardTimeoutMs: 1_000,
  };
  return deps;
}

test("a finished workflow is described without a read barrier, also while its group has no leader", async () => {
  const deps = leaderlessGroup();
  const described = await describeWorkflow(deps, { workflowId: "done", executionClusterId: GROUP });
  expect(described).toMatchObject({ workflowId: "done", status: "completed" });
});

test("a running or unknown workflow waits for the barrier, which says why it cannot be read", async () => {
  const deps = leaderlessGroup();
  for (const workflowId of ["running", "unknown"]) {
    const refused = await describeWorkflow(deps, { workflowId, executionClusterId: GROUP }).catch(
      (error: unknown) => error,
    );
    expect((refused as RaftoralError).message).toContain("has had no leader");
  }
});
