// What idle Raft groups cost: KV node processes (test/support/kv-node-process.ts: the
// multi-Raft host with SQLite storage and a real transport, no workflows) hosting 1, 32
// and 100 groups, on 3 nodes (every group replicated on all 3) and on a node alone, idle once
// their leaders are elected. For IDLE_SECONDS (default 15) it reads each process's CPU time
// from /proc/<pid>/stat and its resident memory from /proc/<pid>/status, and prints the
// median and the highest over the nodes of CPU milliseconds per second and RSS. CPU time, not
// wall time, so that other work on the machine skews it little. Prints one JSON line per
// transport, cluster size and group count; IDLE_TRANSPORTS, IDLE_NODES and IDLE_GROUPS
// (comma-separated) pick other sets.

import { KvProcessCluster } from "../test/support/kv-process-cluster.ts";
import { machineLoad, round } from "./bench-stats.ts";
import { processCpuMs as cpuMs, processRssMb as rssMb } from "./proc-stats.ts";

const SECONDS = Number(process.env.IDLE_SECONDS ?? 15);
const GROUP_COUNTS = (process.env.IDLE_GROUPS ?? "1,32,100").split(",").map(Number);
const TRANSPORTS = (process.env.IDLE_TRANSPORTS ?? "grpc,http").split(",") as ("grpc" | "http")[];
const CLUSTER_SIZES = (process.env.IDLE_NODES ?? "3,1").split(",").map(Number);
/**
 * After the leaders are known: elections' and connections' traffic dies down, and the JIT
 * has compiled the idle paths. At idle rates JSC keeps compiling for about a minute: 100
 * groups on 3 nodes measured 130 ms/s in their first 15 s and 58 ms/s after 75 s.
 */
const SETTLE_MS = Number(process.env.IDLE_SETTLE_SECONDS ?? 60) * 1000;

async function waitForLeaders(cluster: KvProcessCluster, groups: number): Promise<void> {
  for (let group = 1; group <= groups; group++) await cluster.awaitLeader(group);
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

async function measure(transport: "grpc" | "http", size: number, groups: number): Promise<void> {
  const cluster = await KvProcessCluster.start({
    size,
    transport,
    args: ["--groups", String(groups), "--tick-ms", "100"],
  });
  try {
    await waitForLeaders(cluster, groups);
    await Bun.sleep(SETTLE_MS);
    const pids = cluster.nodes.map((node) => node.process?.pid ?? 0);
    const before = pids.map(cpuMs);
    const begin = performance.now();
    await Bun.sleep(SECONDS * 1000);
    const seconds = (performance.now() - begin) / 1000;
    const perSecond = pids.map((pid, k) => (cpuMs(pid) - (before[k] ?? 0)) / seconds);
    const rss = pids.map(rssMb);
    console.log(
      JSON.stringify({
        bench: "raft.idle-groups",
        transport,
        nodes: size,
        groups,
        seconds: round(seconds, 1),
        cpuMsPerSecondMedian: round(median(perSecond), 1),
        cpuMsPerSecondMax: round(Math.max(...perSecond), 1),
        rssMbMedian: round(median(rss), 1),
        rssMbMax: round(Math.max(...rss), 1),
        ...machineLoad(),
      }),
    );
  } finally {
    await cluster.stop();
  }
}

for (const transport of TRANSPORTS) {
  for (const size of CLUSTER_SIZES) {
    for (const groups of GROUP_COUNTS) await measure(transport, size, groups);
  }
}
