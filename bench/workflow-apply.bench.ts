// What applying a workflow's entries costs one member, in this process: W1's three commands
// (Start, the step's Checkpoint, Complete) applied to a workflow state machine, in rounds of
// 20,000 workflows, so that from the second round on the group keeps the 10,000 finished
// workflows retention allows and drops the oldest after each new one, as a busy group does.
// Every member of a group pays this for every workflow. Two orders: one workflow after the
// other, and 64 in flight (64 start, then they finish in another order than they started, as
// under the workflow bench's load). One JSON line per round and order.

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
/** 64 in flight finish in this order: a fixed shuffle of their start order. */
const IN_FLIGHT = 64;
const finishOrder = (count: number) =>
  Array.from({ length: count }, (_, k) => k).sort(
    (a, b) => ((a * 37) % 64) - ((b * 37) % 64) || a - b,
  );

function commandsOf(round: number, k: number): Uint8Array[] {
  const workflowId = `w1-${round}-${k}`;
  const atMs = 1_000 + round * PER_ROUND * 3 + k * 3;
  return [
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
  ];
}

/** A round's commands: each workflow's in turn, or waves of IN_FLIGHT finishing out of order. */
function roundOf(round: number, order: "sequential" | "inFlight64"): Uint8Array[] {
  const commands: Uint8Array[] = [];
  for (let first = 0; first < PER_ROUND; first += IN_FLIGHT) {
    const wave = Array.from({ length: Math.min(IN_FLIGHT, PER_ROUND - first) }, (_, k) =>
      commandsOf(round, first + k),
    );
    if (order === "sequential") {
      for (const workflow of wave) commands.push(...workflow);
      continue;
    }
    for (const workflow of wave) commands.push(workflow[0] as Uint8Array);
    const finishing = finishOrder(wave.length).map((k) => wave[k] as Uint8Array[]);
    for (const workflow of finishing)
      commands.push(workflow[1] as Uint8Array, workflow[2] as Uint8Array);
  }
  return commands;
}

for (const order of ["sequential", "inFlight64"] as const) {
  const machine = new WorkflowStateMachine({ registry: new WorkflowRegistry([oneStep]) });
  let index = 0;
  // As in a cluster: the group's leader copies the cluster's retention into the log first.
  machine.apply(
    encodeCommand({ type: "Configure", retention: { ...DEFAULT_RETENTION, retainAtLeastMs: 0 } }),
    logIndex(++index),
  );
  for (let round = 1; round <= ROUNDS; round++) {
    const commands = roundOf(round, order);
    const started = performance.now();
    for (const command of commands) machine.apply(command, logIndex(++index));
    const elapsedMs = performance.now() - started;
    emit({
      bench: "workflow.apply.W1",
      order,
      round,
      workflows: PER_ROUND,
      retained: [...machine.executions()].length,
      usPerWorkflow: Number(((elapsedMs * 1000) / PER_ROUND).toFixed(2)),
    });
  }
}
