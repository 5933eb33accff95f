// What listing costs with a full retention (issue 14, item 4: "fast with 100,000 finished
// workflows retained"): one group's state machine holds FINISHED finished executions of two
// names (half failed) and RUNNING running ones, started by proposers whose clocks disagree
// by up to a second, then pages of 50 are listed with several filters. Prints one JSON line
// per query: the time per page (p50, p99, max over ROUNDS pages), and what a naive sort of
// every record would cost for comparison.

import type { LogIndex } from "../src/lib/index.ts";
import { nodeId } from "../src/lib/index.ts";
import {
  defineWorkflow,
  encodeCommand,
  type ListQuery,
  registryWithBuiltins,
  type WorkflowCommand,
  WorkflowStateMachine,
} from "../src/workflow/index.ts";
import { machineLoad, round, scaled, summarize } from "./bench-stats.ts";

const FINISHED = scaled(Number(process.env.FINISHED ?? 100_000));
const RUNNING = scaled(Number(process.env.RUNNING ?? 1_000));
const ROUNDS = scaled(Number(process.env.ROUNDS ?? 200));
const PAGE = 50;
const BASE_MS = 1_767_225_600_000;

const other = defineWorkflow("other", 1, async () => null);
const machine = new WorkflowStateMachine({
  registry: registryWithBuiltins([other]),
  config: {
    finishedRetainedMax: FINISHED,
    finishedRetainedBytesMax: 1 << 30,
    runningExecutionsMax: RUNNING + FINISHED,
    checkpointsPerExecutionMax: 10,
  },
});
let index = 0;
const apply = (command: WorkflowCommand) =>
  machine.apply(encodeCommand(command), ++index as LogIndex);

/** Starts (and, below FINISHED, finishes) workflows `from` to `to`: ids w-<k>. */
function load(from: number, to: number): void {
  for (let k = from; k < to; k++) {
    const workflowId = `w-${k}`;
    // Three proposers, clocks up to a second apart: starts do not arrive in time order.
    const startedAtMs = BASE_MS + k * 10 + ((k % 3) - 1) * 1_000;
    const name = k % 2 === 0 ? "ping_pong" : "other";
    const input = name === "ping_pong" ? "ping" : null;
    const owner = nodeId(1);
    apply({
      type: "Start",
      workflowId,
      name,
      version: 1,
      input,
      owner,
      startedAtMs,
      seed: k,
      runtimeVersion: 1,
    });
    if (k >= FINISHED && k < FINISHED + RUNNING) continue;
    const finishedAtMs = startedAtMs + 5;
    const error = { name: "Error", message: "no" };
    apply(
      k % 4 === 1
        ? { type: "Fail", workflowId, ownerEpoch: 1, error, finishedAtMs }
        : { type: "Complete", workflowId, ownerEpoch: 1, output: null, finishedAtMs },
    );
  }
}

const loadBegin = performance.now();
load(0, FINISHED + RUNNING);
const loadMs = performance.now() - loadBegin;
// Steady state: each further finish prunes the oldest finished record (and its index entries).
const STEADY = scaled(5_000);
const steadyBegin = performance.now();
load(FINISHED + RUNNING, FINISHED + RUNNING + STEADY);
const steadyUs = ((performance.now() - steadyBegin) * 1_000) / STEADY;
console.log(
  JSON.stringify({
    bench: "workflow-list-load",
    finished: FINISHED,
    running: RUNNING,
    applyMs: round(loadMs, 1),
    steadyStartAndFinishUs: round(steadyUs, 1),
    ...machineLoad(),
  }),
);

const middle = BASE_MS + (FINISHED + RUNNING + STEADY) * 5;
const queries: ReadonlyArray<readonly [string, Omit<ListQuery, "limit">]> = [
  ["first page, no filter", {}],
  ["page 1000 deep (cursor)", { after: { startedAtMs: middle, workflowId: "w-0" } }],
  ["running only", { statuses: ["running"] }],
  ["failed only", { statuses: ["failed"] }],
  ["name and completed", { name: "other", statuses: ["completed"] }],
  ["started in a 10 s window", { startedAfterMs: middle, startedBeforeMs: middle + 10_000 }],
];
for (const [what, filter] of queries) {
  const samples: number[] = [];
  let listed = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const begin = performance.now();
    listed = machine.list({ ...filter, limit: PAGE }).summaries.length;
    samples.push(performance.now() - begin);
  }
  console.log(
    JSON.stringify({
      bench: "workflow-list-page",
      query: what,
      retained: FINISHED + RUNNING,
      pageSize: PAGE,
      listed,
      ...summarize(samples),
      ...machineLoad(),
    }),
  );
}

// For comparison: what one page would cost without the index (sort everything per call).
const naive: number[] = [];
for (let round = 0; round < 5; round++) {
  const begin = performance.now();
  [...machine.executions()]
    .sort((a, b) => b.startedAtMs - a.startedAtMs || (a.workflowId < b.workflowId ? 1 : -1))
    .slice(0, PAGE);
  naive.push(performance.now() - begin);
}
console.log(
  JSON.stringify({
    bench: "workflow-list-page",
    query: "naive sort of every record",
    retained: FINISHED + RUNNING,
    pageSize: PAGE,
    ...summarize(naive),
    ...machineLoad(),
  }),
);
