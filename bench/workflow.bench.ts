// Workflow latency and throughput on 3 real node processes (SQLite storage, loopback), per
// transport, measured by a client in this process:
//   W1 ping_pong: sequential latency over 300 runs; throughput with 64 in flight over 3000;
//   W2 ten sequential steps: the same, plus per-step latency;
// (Owner failover has its own bench: failover.bench.ts.)
// Prints one JSON line per measurement.

import type { ProtocolClient } from "../src/client/index.ts";
import type { JsonValue } from "../src/lib/index.ts";
import { NodeProcessCluster } from "../test/support/node-process-cluster.ts";
import { clientFor, FIXTURE_WORKFLOWS } from "./bench-nodes.ts";
import { emit, scaled } from "./bench-stats.ts";
import { processCpuMs } from "./proc-stats.ts";

async function runOne(client: ProtocolClient, type: string, input: JsonValue): Promise<number> {
  const begin = performance.now();
  const outcome = await client.runWorkflow(
    { workflowType: type, version: 1, input },
    { timeoutMs: 120_000 },
  );
  if (!outcome.success) throw new Error(`${type} failed: ${outcome.failure.message}`);
  return performance.now() - begin;
}

function quantiles(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { p50Ms: Number(at(0.5).toFixed(2)), p99Ms: Number(at(0.99).toFixed(2)) };
}

async function measure(
  transport: "grpc" | "http",
  clients: ProtocolClient[],
  nodePids: readonly number[],
  name: string,
  type: string,
  input: JsonValue,
  steps: number,
) {
  const sequential: number[] = [];
  const runs = scaled(300);
  for (let k = 0; k < runs; k++)
    sequential.push(await runOne(clients[k % clients.length] as ProtocolClient, type, input));
  const latency = quantiles(sequential);
  emit({
    bench: `workflow.${name}.sequential`,
    transport,
    runs,
    ...latency,
    perStepP50Ms: Number((latency.p50Ms / steps).toFixed(2)),
  });
  let next = 0;
  const total = scaled(3000);
  const concurrent: number[] = [];
  const cpuBefore = clusterCpuMs(nodePids);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      for (;;) {
        const k = next++;
        if (k >= total) return;
        concurrent.push(await runOne(clients[k % clients.length] as ProtocolClient, type, input));
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const cpuMs = clusterCpuMs(nodePids) - cpuBefore;
  emit({
    bench: `workflow.${name}.inFlight64`,
    transport,
    runs: total,
    workflowsPerSecond: Math.round(total / seconds),
    cpuMsPerWorkflow: Number((cpuMs / total).toFixed(3)),
    ...quantiles(concurrent),
  });
}

/** CPU used so far by the node processes and by this client process, in ms. */
function clusterCpuMs(nodePids: readonly number[]): number {
  const client = process.cpuUsage();
  const nodes = nodePids.reduce((sum, pid) => sum + processCpuMs(pid), 0);
  return nodes + (client.user + client.system) / 1000;
}

for (const transport of ["grpc", "http"] as const) {
  const cluster = new NodeProcessCluster(transport, ["--workflows", FIXTURE_WORKFLOWS]);
  try {
    for (let k = 0; k < 3; k++) await cluster.add();
    const clients = cluster.nodes.map((node) => clientFor(transport, node.address));
    await runOne(clients[0] as ProtocolClient, "ping_pong", "ping");
    const pids = cluster.nodes.flatMap((node) => node.process?.pid ?? []);
    await measure(transport, clients, pids, "W1.pingPong", "ping_pong", "ping", 2);
    await measure(transport, clients, pids, "W2.tenSteps", "ten_steps", { stepMs: 0 }, 10);
    for (const client of clients) await client.close();
  } finally {
    await cluster.stop();
  }
}
