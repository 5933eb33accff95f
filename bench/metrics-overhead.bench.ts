// What the metrics cost a workflow, as a share of the CPU the workflow takes. A throughput
// comparison with and without metrics drowns in the noise of a shared 2-core machine, so this
// counts instead: the metric updates one ping_pong workflow (five commits) makes across a
// 3-node cluster (in this process, real gRPC on loopback), the time one update takes, and the
// CPU the cluster spends per workflow. Prints one JSON line.

import { cpus, loadavg } from "node:os";
import { RaftoralClient } from "../src/client/index.ts";
import { Counter, Histogram, MetricsRegistry } from "../src/lib/index.ts";
import type { RaftoralNode } from "../src/node/index.ts";
import { startInProcessCluster } from "../test/support/in-process-cluster.ts";
import { scaled } from "./bench-stats.ts";

const WORKFLOWS = scaled(2_000);
const IN_FLIGHT = 32;
const MICRO_UPDATES = scaled(2_000_000);

let updates = 0;

/** Counts every update of a counter or histogram (gauges are only set at scrape time). */
function countUpdates(): void {
  const inc = Counter.prototype.inc;
  Counter.prototype.inc = function (this: Counter, ...args: Parameters<Counter["inc"]>) {
    updates++;
    inc.apply(this, args);
  };
  const bind = Counter.prototype.bind;
  Counter.prototype.bind = function (this: Counter, labels) {
    const series = bind.call(this, labels);
    return {
      inc: (amount?: number) => {
        updates++;
        series.inc(amount);
      },
    };
  };
  const observe = Histogram.prototype.observe;
  Histogram.prototype.observe = function (this: Histogram, ...args) {
    updates++;
    observe.apply(this, args);
  };
}

/**
 * Nanoseconds per update, the mix of the hot paths: a bound counter, a labelled one, a
 * histogram. Measured with the counting above still in place: an upper bound.
 */
function nsPerUpdate(): number {
  const registry = new MetricsRegistry();
  const counter = registry.counter("bench_total", "bench");
  const bound = counter.bind({ group: "1" });
  const histogram = registry.histogram("bench_seconds", "bench");
  const begin = performance.now();
  for (let k = 0; k < MICRO_UPDATES / 3; k++) {
    bound.inc();
    counter.inc({ group: "2", status: "Completed" });
    histogram.observe(0.004, { outcome: "ok" });
  }
  return ((performance.now() - begin) * 1e6) / MICRO_UPDATES;
}

async function cpuPerWorkflow(client: RaftoralClient): Promise<{ cpuUs: number; perRun: number }> {
  await Promise.all(Array.from({ length: 50 }, () => client.run("ping_pong", "ping")));
  const updatesBefore = updates;
  const cpuBefore = process.cpuUsage();
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next++ < WORKFLOWS) {
        const result = await client.run("ping_pong", "ping");
        if (result.status !== "completed") throw new Error(`ping_pong: ${JSON.stringify(result)}`);
      }
    }),
  );
  const cpu = process.cpuUsage(cpuBefore);
  return {
    cpuUs: (cpu.user + cpu.system) / WORKFLOWS,
    perRun: (updates - updatesBefore) / WORKFLOWS,
  };
}

const nodes: RaftoralNode[] = [];
countUpdates();
const addresses = await startInProcessCluster({ size: 3, transport: "grpc", into: nodes });
const client = new RaftoralClient(addresses, { timeoutMs: 30_000 });
try {
  const { cpuUs, perRun } = await cpuPerWorkflow(client);
  const ns = nsPerUpdate();
  console.log(
    JSON.stringify({
      bench: "metrics-overhead",
      workflow: "ping_pong (five commits), 3 nodes in one process, gRPC",
      metricUpdatesPerWorkflow: Number(perRun.toFixed(1)),
      nsPerUpdate: Number(ns.toFixed(1)),
      cpuUsPerWorkflow: Math.round(cpuUs),
      overheadPercent: Number(((perRun * ns) / (cpuUs * 1_000)).toFixed(4)) * 100,
      load1m: Number(loadavg()[0]?.toFixed(2)),
      cores: cpus().length,
    }),
  );
} finally {
  await client.close();
  await Promise.all(nodes.map((node) => node.stop()));
}
