// What applying a workflow's entries costs one member, in this process: W1's three commands
// (Start, the step's Checkpoint, Complete) applied to a workflow state machine, in rounds of
// 20,000 workflows, so that from the second round on the group keeps the 10,000 finished
// workflows retention allows and drops the oldest after each new one, as a busy group does.
// Every member of a group pays this for every workflow. One JSON line per round.

import { DEFAULT_RETENTION, logIndex, nodeId } from "../src/lib/index.ts";
import {
  defineWorkflow,
  encodeCommand,
  WorkflowRegistry,
  WorkflowStateMachine,
} from "../src/workflow/index.ts";
import { emit, scaled } from "./bench-stats.ts";

const PER_ROUND = scaled(20_000);
const ROUNDS = 4;

const oneStep = defineWorkflow("one_step", 1, async (_input: null, ctx) =>
  ctx.step("s", () => "pong"),
);
const machine = new WorkflowStateMachine({ registry: new WorkflowRegistry([oneStep]) });
let index = 0;
const apply = (command: Parameters<typeof encodeCommand>[0]) =>
  machine.apply(encodeCommand(command), logIndex(++index));
// As in a cluster: the group's leader copies the cluster's retention into the log first.
apply({ type: "Configure", retention: { ...DEFAULT_RETENTION, retainAtLeastMs: 0 } });

for (let round = 1; round <= ROUNDS; round++) {
  const commands: Uint8Array[] = [];
  for (let k = 0; k < PER_ROUND; k++) {
    const workflowId = `w1-${round}-${k}`;
    const atMs = 1_000 + round * PER_ROUND * 3 + k * 3;
    commands.push(
      encodeCommand({
        type: "Start",
        workflowId,
        name: "one_step",
        version: 1,
        input: null,
        owner: nodeId(1),
        startedAtMs: atMs,
        seed: k,
        runtimeVersion: 3,
      }),
      encodeCommand({
        type: "Checkpoint",
        workflowId,
        ownerEpoch: 1,
        seq: 0,
        kind: "step",
        name: "s",
        outcome: { ok: true, value: "pong" },
        atMs: atMs + 1,
      }),
      encodeCommand({
        type: "Complete",
        workflowId,
        ownerEpoch: 1,
        output: "pong",
        finishedAtMs: atMs + 2,
      }),
    );
  }
  const started = performance.now();
  for (const command of commands) machine.apply(command, logIndex(++index));
  const elapsedMs = performance.now() - started;
  emit({
    bench: "workflow.apply.W1",
    round,
    workflows: PER_ROUND,
    retained: [...machine.executions()].length,
    usPerWorkflow: Number(((elapsedMs * 1000) / PER_ROUND).toFixed(2)),
  });
}
