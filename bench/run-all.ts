// `make bench`: runs every bench/*.bench.ts in turn, passes their JSON lines through, and ends
// with a summary of the figures the performance targets name (docs/performance.md), each
// with its target, the floor measured in the same run (bench/floor.bench.ts) and the ratio
// to it, one JSON line per figure. `BENCH_SCALE=0.01` makes it a quick smoke run;
// `BENCH_ONLY=floor,workflow` runs only the benches whose names start with one of those.

import { readdirSync } from "node:fs";
import { join } from "node:path";
import { round } from "./bench-stats.ts";

type Line = Record<string, unknown>;

/** A figure of the summary: where it comes from in the run's lines, and its target. */
interface Figure {
  readonly figure: string;
  readonly target: string;
  readonly read: (lines: readonly Line[], transport: string) => number | undefined;
  /** Divided by this run's commit floor (a follower's fsync plus a round trip). */
  readonly isLatency: boolean;
}

const find = (lines: readonly Line[], fields: Line) =>
  lines.find((line) => Object.entries(fields).every(([key, value]) => line[key] === value));
const numberOf = (value: unknown) => (typeof value === "number" ? value : undefined);

const FIGURES: readonly Figure[] = [
  {
    figure: "one replicated commit, 1 in flight, one group: p50 ms",
    target: "<= 1",
    read: (lines, transport) =>
      numberOf(find(lines, { bench: "raft.cluster", transport, groups: 1, inFlight: 1 })?.p50Ms),
    isLatency: true,
  },
  {
    figure: "one replicated commit, again after 14,500 more (JIT and WAL warm): p50 ms",
    target: "<= 1",
    read: (lines, transport) =>
      numberOf(find(lines, { bench: "raft.cluster.warm", transport, groups: 1 })?.p50Ms),
    isLatency: true,
  },
  {
    figure: "W1 sequential: p50 ms",
    target: "<= 3",
    read: (lines, transport) =>
      numberOf(find(lines, { bench: "workflow.W1.oneStep.sequential", transport })?.p50Ms),
    isLatency: true,
  },
  {
    figure: "W1 sequential, again after the throughput run (JIT warm): p50 ms",
    target: "<= 3",
    read: (lines, transport) =>
      numberOf(find(lines, { bench: "workflow.W1.oneStep.sequentialWarm", transport })?.p50Ms),
    isLatency: true,
  },
  {
    figure: "W1 sequential under ids of the caller's, after that pass: p50 ms",
    target: "none: beside the pass before, what the claim on each id adds",
    read: (lines, transport) =>
      numberOf(
        find(lines, { bench: "workflow.W1.oneStep.callerIds.sequentialWarm", transport })?.p50Ms,
      ),
    isLatency: true,
  },
  {
    figure: "W1 sequential: p99 ms",
    target: "<= 15",
    read: (lines, transport) =>
      numberOf(find(lines, { bench: "workflow.W1.oneStep.sequential", transport })?.p99Ms),
    isLatency: true,
  },
  {
    figure: "W2 per step: p50 ms",
    target: "<= 0.7",
    read: (lines, transport) =>
      numberOf(find(lines, { bench: "workflow.W2.tenSteps.sequential", transport })?.perStepP50Ms),
    isLatency: true,
  },
  {
    figure:
      "W2 per step on nodes that keep their logs in memory (the step without the disk): p50 ms",
    target: "none: beside commitSkeletonSqliteStepMs, the disk's part",
    read: (lines, transport) =>
      numberOf(
        find(lines, { bench: "workflow.W2.tenSteps.memoryStorage", transport })?.perStepP50Ms,
      ),
    isLatency: true,
  },
  {
    figure: "W1, 64 in flight: workflows/s",
    target: ">= 1750",
    read: (lines, transport) =>
      numberOf(
        find(lines, { bench: "workflow.W1.oneStep.inFlight64", transport })?.workflowsPerSecond,
      ),
    isLatency: false,
  },
  {
    figure: "W1, 64 in flight: CPU ms per workflow (3 nodes + client)",
    target: "<= 1.1",
    read: (lines, transport) =>
      numberOf(
        find(lines, { bench: "workflow.W1.oneStep.inFlight64", transport })?.cpuMsPerWorkflow,
      ),
    isLatency: false,
  },
  {
    figure: "W1, 64 in flight, again after 12,000 more runs (JIT warm): workflows/s",
    target: ">= 1750",
    read: (lines, transport) =>
      numberOf(
        find(lines, { bench: "workflow.W1.oneStep.inFlight64Warm", transport })?.workflowsPerSecond,
      ),
    isLatency: false,
  },
  {
    figure: "W1, 64 in flight, again after 12,000 more runs (JIT warm): CPU ms per workflow",
    target: "<= 1.1",
    read: (lines, transport) =>
      numberOf(
        find(lines, { bench: "workflow.W1.oneStep.inFlight64Warm", transport })?.cpuMsPerWorkflow,
      ),
    isLatency: false,
  },
  {
    figure: "a killed owner's workflows resume on a survivor: p99 ms",
    target: "<= 2000",
    read: (lines, transport) =>
      numberOf(find(lines, { bench: "workflow.ownerFailover", transport })?.resumeP99Ms),
    isLatency: false,
  },
  ...[32, 100].flatMap((groups): Figure[] => {
    const rate = (lines: readonly Line[], fields: Line) =>
      numberOf(find(lines, fields)?.proposalsPerSecond);
    const ratio = (one: number | undefined, many: number | undefined) =>
      one === undefined || many === undefined ? undefined : round(many / one, 2);
    const oneAt256 = (transport: string) => ({
      bench: "raft.cluster",
      transport,
      groups: 1,
      inFlight: 256,
    });
    const saturated = (transport: string, groupCount: number) => ({
      bench: "raft.cluster.onLeaders",
      transport,
      groups: groupCount,
      inFlight: 4_096,
    });
    const against256 = (figure: string, bench: string): Figure => ({
      figure,
      target: ">= 1",
      read: (lines, transport) =>
        ratio(
          rate(lines, oneAt256(transport)),
          rate(lines, { bench, transport, groups, inFlight: 256 }),
        ),
      isLatency: false,
    });
    return [
      against256(
        `${groups} groups against one: total commits/s ratio (256 in flight)`,
        "raft.cluster",
      ),
      against256(
        `${groups} groups against one, each proposed on its leader: commits/s ratio (256 in flight)`,
        "raft.cluster.onLeaders",
      ),
      {
        // One group's best of 256 and 4,096 in flight: its capacity, as 4,096 is the groups'.
        figure: `${groups} groups against one, each proposed on its leader, 4,096 in flight against one group's best: commits/s ratio`,
        target: ">= 1",
        read: (lines, transport) => {
          const one = [oneAt256(transport), saturated(transport, 1)]
            .map((fields) => rate(lines, fields))
            .filter((value) => value !== undefined);
          const best = one.length === 0 ? undefined : Math.max(...one);
          return ratio(best, rate(lines, saturated(transport, groups)));
        },
        isLatency: false,
      },
    ];
  }),
  {
    figure: "100 idle groups on one node: % of a core",
    target: "< 5",
    read: (lines, transport) => {
      const idle = find(lines, { bench: "raft.idle-groups", transport, nodes: 1, groups: 100 });
      const msPerSecond = numberOf(idle?.cpuMsPerSecondMedian);
      return msPerSecond === undefined ? undefined : round(msPerSecond / 10, 1);
    },
    isLatency: false,
  },
  {
    figure: "100 idle groups on one node: RSS MB",
    target: "< 200",
    read: (lines, transport) =>
      numberOf(
        find(lines, { bench: "raft.idle-groups", transport, nodes: 1, groups: 100 })?.rssMbMedian,
      ),
    isLatency: false,
  },
];

async function runBench(file: string, lines: Line[]): Promise<void> {
  const child = Bun.spawn([process.execPath, file], { stdout: "pipe", stderr: "inherit" });
  let pending = "";
  const decoder = new TextDecoder();
  for await (const chunk of child.stdout) {
    pending += decoder.decode(chunk, { stream: true });
    const complete = pending.split("\n");
    pending = complete.pop() ?? "";
    for (const text of complete) {
      console.log(text);
      if (text.startsWith("{")) lines.push(JSON.parse(text) as Line);
    }
  }
  if (pending !== "") console.log(pending);
  const code = await child.exited;
  if (code !== 0) throw new Error(`${file} exited with ${code}`);
}

const directory = import.meta.dir;
const only = process.env.BENCH_ONLY?.split(",").filter((prefix) => prefix !== "");
const files = readdirSync(directory)
  .filter((name) => name.endsWith(".bench.ts"))
  .filter((name) => only === undefined || only.some((prefix) => name.startsWith(prefix)))
  .sort()
  .map((name) => join(directory, name));
const lines: Line[] = [];
for (const file of files) await runBench(file, lines);

const floor = find(lines, { bench: "floor" });
const commitFloorMs = numberOf(floor?.commitFloorMs);
for (const transport of ["grpc", "http"]) {
  for (const { figure, target, read, isLatency } of FIGURES) {
    const value = read(lines, transport);
    const ratio =
      isLatency && value !== undefined && commitFloorMs !== undefined && commitFloorMs > 0
        ? { timesCommitFloor: round(value / commitFloorMs, 1) }
        : {};
    console.log(
      JSON.stringify({
        bench: "summary",
        transport,
        figure,
        value: value ?? null,
        target,
        ...ratio,
      }),
    );
  }
}
console.log(
  JSON.stringify({
    bench: "summary.floor",
    fsync4KiBP50Ms: floor?.fsync4KiBP50Ms ?? null,
    fsync4KiBThreeAtOnceP50Ms: floor?.fsync4KiBThreeAtOnceP50Ms ?? null,
    loopbackRttP50Ms: floor?.loopbackRttP50Ms ?? null,
    httpRttP50Ms: floor?.httpRttP50Ms ?? null,
    commitFloorMs: commitFloorMs ?? null,
    commitSkeletonP50Ms: floor?.commitSkeletonP50Ms ?? null,
    commitSkeletonSqliteP50Ms: floor?.commitSkeletonSqliteP50Ms ?? null,
    commitSkeletonSqliteStepMs: floor?.commitSkeletonSqliteStepMs ?? null,
  }),
);
