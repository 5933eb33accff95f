// What a sleeping workflow costs (issue 14: "thousands of concurrent sleeping workflows per
// group are cheap"): starts N workflows that sleep an hour on one local group (state machine
// and owner runtime, virtual clock), then measures the heap they hold, the runs left (none
// should be: a sleeping workflow holds no coroutine), and how long waking them all takes.
// Prints one JSON line per measurement.

import { heapStats } from "bun:jsc";
import { defineWorkflow, registryWithBuiltins } from "../src/workflow/index.ts";
import { LocalWorkflowGroup, track } from "../test/support/workflow-local-group.ts";
import { machineLoad, round, scaled } from "./bench-stats.ts";

const COUNT = scaled(Number(process.env.SLEEPERS ?? 5_000));
const SLEEP_MS = 3_600_000;

const napper = defineWorkflow("napper", 1, async (input: number, ctx) => {
  await ctx.sleep(SLEEP_MS);
  return input;
});

function heapBytes(): number {
  Bun.gc(true);
  return heapStats().heapSize;
}

const group = new LocalWorkflowGroup({
  registry: registryWithBuiltins([napper]),
  config: {
    runningExecutionsMax: COUNT + 10,
    finishedRetainedMax: COUNT + 10,
    finishedRetainedBytesMax: 1 << 30,
    checkpointsPerExecutionMax: 100,
  },
});
const runtime = group.runtime();
runtime.open();
const before = heapBytes();
const begin = performance.now();
const starts = Array.from({ length: COUNT }, (_, k) => track(runtime.start("napper", 1, k)));
await group.until(() => starts.every((start) => start.done), 60_000);
await group.until(() => runtime.activeRuns().length === 0, 60_000);
const startedMs = performance.now() - begin;
// The harness's own copy of the log is not part of what a node holds.
group.log.length = 0;
const held = heapBytes() - before;
console.log(
  JSON.stringify({
    bench: "sleeping-workflows",
    count: COUNT,
    startAndSleepMs: round(startedMs, 1),
    activeRuns: runtime.activeRuns().length,
    heapBytesPerSleeper: Math.round(held / COUNT),
    ...machineLoad(),
  }),
);
const wakeBegin = performance.now();
// One jump of the virtual clock to the due time: every wake timer fires at once.
group.clock.advance(SLEEP_MS);
await group.until(() => group.stateMachine.runningCount() === 0, 120_000);
console.log(
  JSON.stringify({
    bench: "sleeping-workflows-wake",
    count: COUNT,
    wakeAllMs: round(performance.now() - wakeBegin, 1),
    ...machineLoad(),
  }),
);
runtime.close();
