// Each workflow's story in the log: started, new owner, completed or failed with duration and
// error code; at info on the owner, at debug on the other replicas.

import { expect, test } from "bun:test";
import { createLogger, groupId, type LogIndex, nodeId } from "../lib/index.ts";
import {
  encodeCommand,
  registryWithBuiltins,
  type WorkflowCommand,
  WorkflowStateMachine,
} from "../workflow/index.ts";
import { logWorkflowEvents } from "./workflow-log.ts";

function replicaOf(self: number, replayedThrough = 0) {
  const lines: string[] = [];
  const machine = new WorkflowStateMachine({ registry: registryWithBuiltins() });
  const logger = createLogger({
    level: "debug",
    format: "text",
    write: (line) => lines.push(line),
  });
  const isReplay = () => machine.lastAppliedIndex() <= replayedThrough;
  logWorkflowEvents(machine, { group: groupId(3), self: nodeId(self), logger, isReplay });
  let index = 0;
  const apply = (command: WorkflowCommand) =>
    machine.apply(encodeCommand(command), ++index as LogIndex);
  return { lines, apply };
}

const START: WorkflowCommand = {
  type: "Start",
  workflowId: "w1",
  name: "ping_pong",
  version: 1,
  input: "ping",
  owner: nodeId(1),
  startedAtMs: 10_000,
  seed: 7,
  runtimeVersion: 1,
};

/** W1 ends 250 ms after its start. */
const COMPLETE: WorkflowCommand = {
  type: "Complete",
  workflowId: "w1",
  ownerEpoch: 1,
  output: "pong",
  finishedAtMs: 10_250,
};

test("the owner logs start and completion at info, with cluster and duration", () => {
  const { lines, apply } = replicaOf(1);
  apply(START);
  apply(COMPLETE);
  expect(lines).toEqual([
    "INFO Workflow started, workflow_id: w1, name: ping_pong, version: 1, cluster: 3, owner: 1",
    "INFO Workflow completed, workflow_id: w1, name: ping_pong, version: 1, cluster: 3, owner: 1, duration_ms: 250",
  ]);
});

test("another replica logs at debug; a failure names its error code; a new owner is logged", () => {
  const { lines, apply } = replicaOf(2);
  apply(START);
  apply({ type: "AssignOwner", workflowId: "w1", owner: nodeId(2), epoch: 2 });
  apply({
    type: "Fail",
    workflowId: "w1",
    ownerEpoch: 2,
    error: { name: "RaftoralError", message: "card declined", code: "FAILED_PRECONDITION" },
    finishedAtMs: 12_000,
  });
  expect(lines[0]).toStartWith("DEBUG Workflow started, workflow_id: w1");
  expect(lines[1]).toBe(
    "INFO Workflow has a new owner, workflow_id: w1, name: ping_pong, version: 1, cluster: 3, owner: 2, epoch: 2",
  );
  expect(lines[2]).toBe(
    "INFO Workflow failed, workflow_id: w1, name: ping_pong, version: 1, cluster: 3, owner: 2, " +
      "duration_ms: 2000, error_code: FAILED_PRECONDITION, error: card declined",
  );
});

test("every line about a traced workflow carries its trace id, on every replica", () => {
  const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
  for (const self of [1, 2]) {
    const { lines, apply } = replicaOf(self);
    apply({ ...START, traceId });
    apply({ type: "Complete", workflowId: "w1", ownerEpoch: 1, output: "pong", finishedAtMs: 1 });
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).toContain(`trace_id: ${traceId}`);
  }
});

test("after a restart, the owner logs what it applies again from its log at debug only", () => {
  const { lines, apply } = replicaOf(1, 1);
  apply(START);
  apply(COMPLETE);
  expect(lines).toEqual([
    "DEBUG Workflow started, workflow_id: w1, name: ping_pong, version: 1, cluster: 3, owner: 1",
    "INFO Workflow completed, workflow_id: w1, name: ping_pong, version: 1, cluster: 3, owner: 1, duration_ms: 250",
  ]);
});
