// The latency budget of one workflow (W1, one_step: a start, one step, the completion) on 3 real node
// processes (SQLite storage, loopback), per transport: where the time goes between the
// client's call and its answer, stage by stage and node by node. The nodes run at log level
// trace, where each writes a line per workflow stage with the machine's clock
// (src/node/workflow-stages.ts); the client calls the nodes in turn, one workflow at a time,
// each under a trace id of its own, and joins its own send and receive times with the lines.
// A gRPC client runs a workflow in one call (RunWorkflowSync: a start and a wait inside the
// node); an HTTP client makes two, a start and then a wait.
// Three roles: the node called proposes the Start and holds the waiter; the owner (the node
// whose log says it ran the step: the group's leader when the Start was proposed) proposes the
// checkpoint and the completion; the leader is the first replica to apply an entry (a follower
// applies only once the leader told it of the commit). Runs are reported in two sets: those
// that called the leader, and those that called a follower.
// Prints one JSON line per stage (median offset from the call, and the step from the stage
// before), then the same as a waterfall on stderr; then the waterfall of each of the slowest 1%
// of runs, where the tail's time went, and (HTTP, whose nodes serve /metrics on their one port)
// the nodes' messages and writes per workflow, with the share of durable writes over 2.5 ms.
// All of that twice: the first pass on fresh nodes, as the workflow bench's first pass, and the
// warm pass after 12,000 more workflows at 64 in flight, once the nodes' and the client's code
// is compiled; the stages that differ between the two are where the JIT's warm-up goes.
// The commit inside each of the three proposals is broken down by latency-budget.bench.ts.

import { randomBytes } from "node:crypto";
import type { OperatorProtocolClient, ProtocolClient } from "../src/client/index.ts";
import { NodeProcessCluster } from "../test/support/node-process-cluster.ts";
import { clientFor, FIXTURE_WORKFLOWS } from "./bench-nodes.ts";
import { emit, scaled } from "./bench-stats.ts";
import { closedLoop } from "./closed-loop.ts";
import { readTraffic, trafficPerWorkflow } from "./node-traffic.ts";
import { printComparison, printWaterfall, type Timeline } from "./waterfall.ts";

const RUNS = scaled(Number(process.env.BENCH_WORKFLOWS ?? 300));
const WARM_UP = scaled(30);
/** Workflows run at 64 in flight between the two passes: the nodes' code compiles meanwhile. */
const WARMING = scaled(Number(process.env.BENCH_WARMING_WORKFLOWS ?? 12_000));
const WARMING_IN_FLIGHT = 64;

interface StageLine {
  readonly stage: string;
  readonly at_ms: number;
  readonly trace_id?: string;
  readonly call?: string;
  readonly workflow_id?: string;
  readonly command?: string;
  readonly event?: string;
  readonly duration_ms?: number;
}

interface Call {
  readonly traceId: string;
  readonly node: number;
  readonly sentMs: number;
  readonly answeredMs: number;
}

/** W1's proposals, each with the event its apply makes and who proposes it. */
const PROPOSALS = [
  ["Start", "started", "called"],
  ["Checkpoint", "recorded", "owner"],
  ["Complete", "finished", "owner"],
] as const;

function stageLines(log: string): StageLine[] {
  return log
    .split("\n")
    .filter((line) => line.includes('"Workflow stage"'))
    .map((line) => JSON.parse(line) as StageLine);
}

/** The workflow's stages on the node called, its owner and the first replica to apply. */
function timelineOf(
  call: Call,
  lines: readonly StageLine[][],
): { timeline: Timeline; calledTheLeader: boolean } | undefined {
  const ofTrace = (lines[call.node] ?? []).filter((l) => l.trace_id === call.traceId);
  const workflowId = ofTrace.find((l) => l.stage === "proposed")?.workflow_id;
  if (workflowId === undefined) return undefined;
  const ofWorkflow = lines.map((node) => node.filter((l) => l.workflow_id === workflowId));
  const called = ofWorkflow[call.node] ?? [];
  const owner = ofWorkflow.find((node) => node.some((l) => l.stage === "step-ran")) ?? [];
  const on = { called, owner };
  const at = (line: StageLine | undefined) =>
    line === undefined ? undefined : line.at_ms - call.sentMs;
  const timeline: Timeline = new Map();
  const put = (key: string, value: number | undefined) => {
    if (value !== undefined) timeline.set(key, value);
  };
  const callStage = (stage: string, name: string) =>
    at([...ofTrace, ...called].find((l) => l.stage === stage && l.call === name));
  put("client: call sent", 0);
  put("called: start received", callStage("call-received", "start"));
  put("called: start answered", callStage("call-answered", "start"));
  put("called: wait received", callStage("call-received", "wait"));
  put("called: wait answered", callStage("call-answered", "wait"));
  let calledTheLeader = true;
  for (const [command, event, proposer] of PROPOSALS) {
    const lineOf = (stage: string) =>
      on[proposer].find((l) => l.stage === stage && l.command === command);
    put(`${proposer}: ${command} proposed`, at(lineOf("proposed")));
    put(`${proposer}: ${command} answered`, at(lineOf("answered")));
    const applies = ofWorkflow.map((node) =>
      node.find((l) => l.stage === "applied" && l.event === event),
    );
    const first = Math.min(...applies.map((line) => line?.at_ms ?? Number.POSITIVE_INFINITY));
    const calledApply = applies[call.node];
    if (calledApply !== undefined && calledApply.at_ms > first) calledTheLeader = false;
    put(`leader: ${command} applied`, Number.isFinite(first) ? first - call.sentMs : undefined);
    put(`called: ${command} applied`, at(calledApply));
  }
  const step = owner.find((l) => l.stage === "step-ran");
  if (step !== undefined) {
    put("owner: step began", (at(step) ?? 0) - (step.duration_ms ?? 0));
    put("owner: step ended", at(step));
  }
  put("client: answer received", call.answeredMs - call.sentMs);
  return { timeline, calledTheLeader };
}

/** The runs whose answer took longest: the given share of them, at least one. */
function slowest<T extends { timeline: Timeline }>(runs: readonly T[], share: number): T[] {
  const total = (run: T) => run.timeline.get("client: answer received") ?? 0;
  const count = Math.max(1, Math.round(runs.length * share));
  return [...runs].sort((a, b) => total(b) - total(a)).slice(0, count);
}

async function runOne(client: ProtocolClient, traceId?: string): Promise<void> {
  const outcome = await client.runWorkflow(
    {
      workflowType: "one_step",
      version: 1,
      input: null,
      ...(traceId === undefined ? {} : { traceId }),
    },
    { timeoutMs: 60_000 },
  );
  if (!outcome.success) throw new Error(`one_step failed: ${outcome.failure.message}`);
}

/**
 * One pass: the warm-up runs, then RUNS traced runs one after the other, and their waterfalls.
 * The nodes' logs are emptied first, so that only this pass's stage lines are read.
 */
async function measurePass(
  cluster: NodeProcessCluster,
  clients: readonly ProtocolClient[],
  transport: "grpc" | "http",
  pass: "first" | "warm",
): Promise<Map<string, Timeline[]>> {
  for (let k = 0; k < WARM_UP; k++) await runOne(clients[k % 3] as ProtocolClient);
  for (const node of cluster.nodes) node.log = "";
  // Only an HTTP node serves /metrics on its one port.
  const addresses = cluster.nodes.map((node) => node.address);
  const trafficBefore = transport === "http" ? await readTraffic(addresses) : undefined;
  const calls: Call[] = [];
  for (let k = 0; k < RUNS; k++) {
    const traceId = randomBytes(16).toString("hex");
    const sentMs = performance.timeOrigin + performance.now();
    await runOne(clients[k % 3] as ProtocolClient, traceId);
    calls.push({
      traceId,
      node: k % 3,
      sentMs,
      answeredMs: performance.timeOrigin + performance.now(),
    });
  }
  if (trafficBefore !== undefined) {
    const traffic = trafficPerWorkflow(trafficBefore, await readTraffic(addresses), RUNS);
    emit({ bench: "workflow-budget", transport, pass, ...traffic });
    console.error(`the nodes' work per workflow (${pass} pass): ${JSON.stringify(traffic)}`);
  }
  const lines = cluster.nodes.map((node) => stageLines(node.log));
  const runs = calls.flatMap((call) => timelineOf(call, lines) ?? []);
  if (runs.length < calls.length / 2) {
    throw new Error(`only ${runs.length} of ${calls.length} workflows left stage lines`);
  }
  const groups = Map.groupBy(runs, (run) =>
    run.calledTheLeader ? "called the leader" : "called a follower",
  );
  const byPath = new Map(
    [...groups].map(([path, group]) => [path, group.map((run) => run.timeline)] as const),
  );
  for (const [path, timelines] of byPath) {
    printWaterfall(
      `workflow budget, ${transport}, ${pass} pass, ${path}, ${timelines.length} workflows`,
      timelines,
      { bench: "workflow-budget", transport, pass, path, workflows: timelines.length },
      4,
    );
  }
  for (const run of slowest(runs, 0.01)) {
    const totalMs = run.timeline.get("client: answer received") ?? Number.NaN;
    const path = run.calledTheLeader ? "called the leader" : "called a follower";
    printWaterfall(
      `workflow budget, ${transport}, ${pass} pass, one of the slowest 1%, ${path}, ${totalMs.toFixed(2)} ms`,
      [run.timeline],
      { bench: "workflow-budget", transport, pass, path, slowest: "1%", totalMs },
      4,
    );
  }
  return byPath;
}

async function budget(transport: "grpc" | "http"): Promise<void> {
  const cluster = new NodeProcessCluster(transport, ["--workflows", FIXTURE_WORKFLOWS], undefined, {
    RAFTORAL_LOG: "trace",
    RAFTORAL_LOG_FORMAT: "json",
  });
  const clients: OperatorProtocolClient[] = [];
  try {
    for (let k = 0; k < 3; k++) await cluster.add();
    clients.push(...cluster.nodes.map((node) => clientFor(transport, node.address)));
    const first = await measurePass(cluster, clients, transport, "first");
    // Past the 10,000 finished workflows a group keeps: drop the oldest rather than refuse.
    await (clients[0] as OperatorProtocolClient).clusterRetention(
      { retainAtLeastMs: 0 },
      { timeoutMs: 10_000 },
    );
    await closedLoop(WARMING, WARMING_IN_FLIGHT, (k) => runOne(clients[k % 3] as ProtocolClient));
    const warm = await measurePass(cluster, clients, transport, "warm");
    for (const [path, timelines] of first) {
      printComparison(
        `workflow budget, ${transport}, ${path}: the first pass against the warm pass`,
        timelines,
        warm.get(path) ?? [],
        { bench: "workflow-budget.firstAgainstWarm", transport, path },
      );
    }
  } finally {
    for (const client of clients) await client.close();
    await cluster.stop();
  }
}

for (const transport of ["grpc", "http"] as const) await budget(transport);
