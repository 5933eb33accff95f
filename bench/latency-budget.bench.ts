// The latency budget of one replicated commit: where the time goes between a proposal on the
// leader and its answer, stage by stage, on 3 real node processes (SQLite storage, loopback),
// per transport. Each node runs with a latency probe (test/support/latency-probe.ts) that
// marks, with the machine's clock, when an entry's write starts and is durable, when appends
// and acknowledgements leave and arrive, and when it is applied. One proposal is in flight at
// a time, so every stage belongs to exactly one proposal.
// Prints one JSON line per stage (median offset from the proposal, median time since the
// previous stage on the path that decided the commit), then the same as a waterfall on stderr.

import { KvProcessCluster } from "../test/support/kv-process-cluster.ts";
import type { ProbeMark, ProbeStage } from "../test/support/latency-probe.ts";
import { scaled } from "./bench-stats.ts";
import { printWaterfall, type Timeline } from "./waterfall.ts";

const PROPOSALS = scaled(Number(process.env.BENCH_PROPOSALS ?? 300));
const WARM_UP = scaled(100);
const WARM_UP_IN_FLIGHT = scaled(14_000);

/** The path that decides a commit: the leader's own write runs beside it. */
const PATH: readonly { readonly on: "leader" | "follower"; readonly stage: ProbeStage }[] = [
  { on: "leader", stage: "proposed" },
  { on: "leader", stage: "write-begun" },
  { on: "leader", stage: "append-sent" },
  { on: "follower", stage: "append-received" },
  { on: "follower", stage: "write-begun" },
  { on: "follower", stage: "write-durable" },
  { on: "follower", stage: "ack-sent" },
  { on: "leader", stage: "ack-received" },
  { on: "leader", stage: "applied" },
  { on: "leader", stage: "resolved" },
];

/** The first mark of `stage` on `node` for index `index` or later, at or after `after`. */
function first(
  marks: readonly ProbeMark[],
  node: number,
  stage: ProbeStage,
  index: number,
  after: number,
): number | undefined {
  let best: number | undefined;
  for (const mark of marks) {
    if (mark.node !== node || mark.stage !== stage || mark.index < index || mark.t < after)
      continue;
    if (best === undefined || mark.t < best) best = mark.t;
  }
  return best;
}

/** One proposal's stages: the leader's, and those of the follower whose ack came first. */
function timelineOf(
  marks: readonly ProbeMark[],
  leader: number,
  followers: readonly number[],
  proposed: ProbeMark,
): Timeline | undefined {
  const { index, t } = proposed;
  const timeline: Timeline = new Map([["leader proposed", 0]]);
  let decider: { ack: number; stages: Timeline } | undefined;
  for (const follower of followers) {
    const stages: Timeline = new Map();
    let at = t;
    for (const { on, stage } of PATH.slice(2, 8)) {
      const node = on === "leader" ? leader : follower;
      const found = first(marks, node, stage, index, at);
      if (found === undefined) break;
      stages.set(`${on} ${stage}`, found - t);
      at = found;
    }
    const ack = stages.get("leader ack-received");
    if (ack !== undefined && (decider === undefined || ack < decider.ack))
      decider = { ack, stages };
  }
  if (decider === undefined) return undefined;
  for (const [key, value] of decider.stages) timeline.set(key, value);
  const leaderStages = [
    "write-begun",
    "write-durable",
    "commit-write-begun",
    "commit-write-durable",
    "applied",
    "resolved",
  ] as const;
  for (const stage of leaderStages) {
    const found = first(marks, leader, stage, index, t);
    if (found !== undefined) timeline.set(`leader ${stage}`, found - t);
  }
  return timeline;
}

async function budget(transport: "grpc" | "http"): Promise<void> {
  const cluster = await KvProcessCluster.start({ size: 3, transport, args: ["--probe"] });
  try {
    const leader = await cluster.awaitLeader(1);
    const run = (count: number, concurrency = 1) =>
      cluster.call(leader, "/bench", { count, concurrency, bytes: 200, groups: 1 });
    // Past the start's transient: the JIT compiling, and SQLite's WAL file growing (an fsync
    // that extends a file also commits file-system metadata); see docs/performance.md.
    await run(WARM_UP_IN_FLIGHT, 64);
    await run(WARM_UP);
    const ids = cluster.nodes.map((node) => node.id);
    await Promise.all(ids.map((id) => cluster.call(id, "/probe")));
    await run(PROPOSALS);
    const marks = (await Promise.all(ids.map((id) => cluster.call<ProbeMark[]>(id, "/probe"))))
      .flat()
      .filter((mark) => mark.group === 1);
    const followers = ids.filter((id) => id !== leader);
    const timelines = marks
      .filter((mark) => mark.node === leader && mark.stage === "proposed")
      .map((proposed) => timelineOf(marks, leader, followers, proposed))
      .filter((timeline): timeline is Timeline => timeline !== undefined);
    printWaterfall(
      `latency budget, ${transport}, ${timelines.length} proposals`,
      timelines,
      { bench: "latency-budget", transport, proposals: timelines.length },
      10,
    );
  } finally {
    await cluster.stop();
  }
}

for (const transport of ["grpc", "http"] as const) await budget(transport);
