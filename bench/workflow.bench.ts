// Workflow latency and throughput on 3 real node processes (SQLite storage, loopback), per
// transport, measured by a client in this process that calls the nodes in turn, after 30
// warm-up runs (the fixed workloads of docs/performance.md):
//   W1 one_step (exactly one step): sequential latency over 300 runs; throughput with 64 in
//      flight over 3000; then the warm-up and sequential runs again ("sequentialWarm"), on
//      nodes whose code the JIT has compiled by then;
//   W2 ten_stamped_steps (ten steps, each stamped with the time it ran): the same, plus the
//      latency of one step, (last step's time - first step's) / 9, per sequential run;
//   W1 sequential under ids of the caller's ("callerIds.sequentialWarm", after W1's passes);
//   then W1 with 64 in flight once more after 12,000 more runs ("inFlight64Warm"), once the
//      JIT has compiled the nodes' code;
// with the CPU time per workflow of the three nodes and the client for every part, the
// nodes' share of it by thread (main, JIT compiler, GC, allocator's scavenger, other), and,
// over HTTP, the messages the nodes took from each other and the storage writes they made per
// workflow (node-traffic.ts).
// (Owner failover has its own bench: failover.bench.ts.)
// Prints one JSON line per measurement.

import type { OperatorProtocolClient, ProtocolClient } from "../src/client/index.ts";
import type { JsonValue } from "../src/lib/index.ts";
import { NodeProcessCluster } from "../test/support/node-process-cluster.ts";
import { clientFor, FIXTURE_WORKFLOWS } from "./bench-nodes.ts";
import { emit, scaled } from "./bench-stats.ts";
import { closedLoop } from "./closed-loop.ts";
import { readTraffic, type TrafficTotals, trafficPerWorkflow } from "./node-traffic.ts";
import { processCpuMs, threadCpuMs, threadCpuUsPer } from "./proc-stats.ts";

const WARM_UP = scaled(30);
/** Runs made before the warm throughput pass (measureWarmThroughput). */
const JIT_WARM_UP = scaled(12_000);

/**
 * The node processes, and where their metrics are read: over HTTP only, where the nodes serve
 * GET /metrics on the address the client calls (a gRPC node would need --http-listen, which
 * loads the HTTP side too). What the nodes count per workflow is the protocol's work, the same
 * over either transport.
 */
interface BenchNodes {
  readonly pids: readonly number[];
  readonly metricsAddresses: readonly string[];
}

async function trafficOf(nodes: BenchNodes): Promise<TrafficTotals | undefined> {
  return nodes.metricsAddresses.length === 0 ? undefined : readTraffic(nodes.metricsAddresses);
}

function trafficFields(
  before: TrafficTotals | undefined,
  after: TrafficTotals | undefined,
  runs: number,
): Record<string, number> {
  return before === undefined || after === undefined ? {} : trafficPerWorkflow(before, after, runs);
}

/** Runs one workflow (under `workflowId`, if given); resolves with its latency (ms) and output. */
async function runOne(
  client: ProtocolClient,
  type: string,
  workflowId?: string,
): Promise<{ ms: number; output: JsonValue }> {
  const begin = performance.now();
  const outcome = await client.runWorkflow(
    {
      workflowType: type,
      version: 1,
      input: null,
      ...(workflowId === undefined ? {} : { workflowId }),
    },
    { timeoutMs: 120_000 },
  );
  if (!outcome.success) throw new Error(`${type} failed: ${outcome.failure.message}`);
  return { ms: performance.now() - begin, output: outcome.output };
}

/** W2's latency of one step: the time between its first and last steps, over nine. */
function stepMsOf(output: JsonValue): number {
  const steps = (output as { steps: { at: number }[] }).steps;
  return ((steps[9]?.at ?? Number.NaN) - (steps[0]?.at ?? Number.NaN)) / 9;
}

function quantiles(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { p50Ms: Number(at(0.5).toFixed(2)), p99Ms: Number(at(0.99).toFixed(2)) };
}

async function measure(
  transport: "grpc" | "http",
  clients: ProtocolClient[],
  nodes: BenchNodes,
  name: string,
  type: string,
  perStep?: (output: JsonValue) => number,
) {
  const sequential = { transport, clients, nodes, type, perStep };
  await runSequentially({ ...sequential, bench: `workflow.${name}.sequential` });
  await runInFlight(transport, clients, nodes, `workflow.${name}.inFlight64`, type);
  // The same sequential runs again, now that the nodes have run thousands of workflows: the
  // first runs share two cores with the JIT compiling the nodes' code (docs/performance.md).
  // Their warm-up runs also let the nodes finish the work of the runs in flight.
  await runSequentially({ ...sequential, bench: `workflow.${name}.sequentialWarm` });
}

/**
 * W1 sequential once more, each run under an id of the caller's: what the claim on the id
 * and the look-up in the other groups add (docs/workflows.md, "Caller-chosen ids").
 */
function measureCallerIds(
  transport: "grpc" | "http",
  clients: ProtocolClient[],
  nodes: BenchNodes,
): Promise<void> {
  const bench = "workflow.W1.oneStep.callerIds.sequentialWarm";
  return runSequentially({ transport, clients, nodes, bench, type: "one_step", callerIds: true });
}

/** `scaled(300)` runs of `type` one after the other, on the nodes in turn, after a warm-up. */
async function runSequentially(options: {
  readonly transport: "grpc" | "http";
  readonly clients: ProtocolClient[];
  readonly nodes: BenchNodes;
  readonly bench: string;
  readonly type: string;
  readonly perStep?: ((output: JsonValue) => number) | undefined;
  /** Each run under an id of its own, as a caller that names its workflows. */
  readonly callerIds?: boolean;
}): Promise<void> {
  const { clients, nodes, type, perStep } = options;
  const clientOf = (k: number) => clients[k % clients.length] as ProtocolClient;
  let named = 0;
  const idOf = () => (options.callerIds === true ? `${options.bench}-${named++}` : undefined);
  for (let k = 0; k < WARM_UP; k++) await runOne(clientOf(k), type, idOf());
  const sequential: number[] = [];
  const stepMs: number[] = [];
  const runs = scaled(300);
  const trafficBefore = await trafficOf(nodes);
  const cpuBefore = clusterCpuMs(nodes.pids);
  const threadsBefore = threadCpuMs(nodes.pids);
  for (let k = 0; k < runs; k++) {
    const run = await runOne(clientOf(k), type, idOf());
    sequential.push(run.ms);
    if (perStep !== undefined) stepMs.push(perStep(run.output));
  }
  const cpuMs = clusterCpuMs(nodes.pids) - cpuBefore;
  const threadsAfter = threadCpuMs(nodes.pids);
  emit({
    bench: options.bench,
    transport: options.transport,
    runs,
    ...quantiles(sequential),
    ...(perStep === undefined ? {} : { perStepP50Ms: quantiles(stepMs).p50Ms }),
    cpuMsPerWorkflow: Number((cpuMs / runs).toFixed(3)),
    nodeThreadCpuUsPerWorkflow: threadCpuUsPer(threadsBefore, threadsAfter, runs),
    ...trafficFields(trafficBefore, await trafficOf(nodes), runs),
  });
}

/** `scaled(3000)` runs of `type`, 64 at a time, on the nodes in turn: rate, CPU, latency. */
async function runInFlight(
  transport: "grpc" | "http",
  clients: ProtocolClient[],
  nodes: BenchNodes,
  bench: string,
  type: string,
): Promise<void> {
  const total = scaled(3000);
  const concurrent: number[] = [];
  const trafficBefore = await trafficOf(nodes);
  const cpuBefore = clusterCpuMs(nodes.pids);
  const threadsBefore = threadCpuMs(nodes.pids);
  const started = performance.now();
  await closedLoop(total, 64, async (k) => {
    const { ms } = await runOne(clients[k % clients.length] as ProtocolClient, type);
    concurrent.push(ms);
  });
  const seconds = (performance.now() - started) / 1000;
  const cpuMs = clusterCpuMs(nodes.pids) - cpuBefore;
  const threadsAfter = threadCpuMs(nodes.pids);
  emit({
    bench,
    transport,
    runs: total,
    workflowsPerSecond: Math.round(total / seconds),
    cpuMsPerWorkflow: Number((cpuMs / total).toFixed(3)),
    nodeThreadCpuUsPerWorkflow: threadCpuUsPer(threadsBefore, threadsAfter, total),
    ...quantiles(concurrent),
    ...trafficFields(trafficBefore, await trafficOf(nodes), total),
  });
}

/**
 * W1 with 64 in flight once more, after JIT_WARM_UP more runs: JavaScriptCore compiles the
 * nodes' code for about 14,000 workflows (docs/performance.md), and a node that has run for a
 * while is what serves in production. The runs go past the 10,000 finished workflows a group
 * keeps, so the oldest results are dropped at once instead of new starts being refused.
 */
async function measureWarmThroughput(
  transport: "grpc" | "http",
  clients: OperatorProtocolClient[],
  nodes: BenchNodes,
): Promise<void> {
  await (clients[0] as OperatorProtocolClient).clusterRetention(
    { retainAtLeastMs: 0 },
    { timeoutMs: 10_000 },
  );
  const client = (k: number) => clients[k % clients.length] as ProtocolClient;
  await closedLoop(JIT_WARM_UP, 64, async (k) => {
    await runOne(client(k), "one_step");
  });
  await runInFlight(transport, clients, nodes, "workflow.W1.oneStep.inFlight64Warm", "one_step");
}

/** CPU used so far by the node processes and by this client process, in ms. */
function clusterCpuMs(nodePids: readonly number[]): number {
  const client = process.cpuUsage();
  const nodes = nodePids.reduce((sum, pid) => sum + processCpuMs(pid), 0);
  return nodes + (client.user + client.system) / 1000;
}

/**
 * Starts 3 nodes (SQLite storage, or none: `inMemory`), runs `work` with a client of each,
 * then stops them.
 */
async function withCluster(
  transport: "grpc" | "http",
  inMemory: boolean,
  work: (clients: OperatorProtocolClient[], nodes: BenchNodes) => Promise<void>,
): Promise<void> {
  const cluster = new NodeProcessCluster(transport, ["--workflows", FIXTURE_WORKFLOWS]);
  try {
    for (let k = 0; k < 3; k++) await cluster.add(transport, { inMemory });
    const clients = cluster.nodes.map((node) => clientFor(transport, node.address));
    await work(clients, {
      pids: cluster.nodes.flatMap((node) => node.process?.pid ?? []),
      metricsAddresses: transport === "http" ? cluster.nodes.map((node) => node.address) : [],
    });
    for (const client of clients) await client.close();
  } finally {
    await cluster.stop();
  }
}

for (const transport of ["grpc", "http"] as const) {
  await withCluster(transport, false, async (clients, nodes) => {
    await measure(transport, clients, nodes, "W1.oneStep", "one_step");
    await measureCallerIds(transport, clients, nodes);
    await measure(transport, clients, nodes, "W2.tenSteps", "ten_stamped_steps", stepMsOf);
    await measureWarmThroughput(transport, clients, nodes);
  });
  // W2's step on nodes that keep their logs in memory: the step without the disk's writes,
  // beside the skeleton's step (floor.bench.ts), which is the disk's part with nothing else.
  await withCluster(transport, true, (clients, nodes) =>
    runSequentially({
      transport,
      clients,
      nodes,
      bench: "workflow.W2.tenSteps.memoryStorage",
      type: "ten_stamped_steps",
      perStep: stepMsOf,
    }),
  );
}
