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
    catchUpManagement: async () => undefined,
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

/** Group 1 hosted here with one running execution of `name`@1 and a barrier that succeeds. */
function groupRunning(name: string) {
  const machine = new WorkflowStateMachine({ registry: registryWithBuiltins() });
  const start: WorkflowCommand = {
    type: "Start",
    workflowId: "held",
    name,
    version: 1,
    input: null,
    owner: 1 as NodeId,
    startedAtMs: 1_000,
    seed: 7,
    runtimeVersion: 3,
  };
  machine.apply(encodeCommand(start), 1 as LogIndex);
  const deps: LookupDeps = {
    ...leaderlessGroup(),
    machineOf: async () => machine,
    barrier: async () => undefined,
  };
  return deps;
}

test("a running workflow whose pair this node does not register says it is held, and why", async () => {
  const described = await describeWorkflow(groupRunning("renamed_away"), {
    workflowId: "held",
    executionClusterId: GROUP,
  });
  expect(described.status).toBe("running");
  expect(described.held).toContain("renamed_away@1 is not registered on the node that answered");
  expect(described.held).toContain("terminate");
  const known = await describeWorkflow(groupRunning("ping_pong"), {
    workflowId: "held",
    executionClusterId: GROUP,
  });
  expect(known.held).toBeUndefined();
});
