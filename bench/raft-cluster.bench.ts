// Raft commit throughput and latency on 3 real node processes (SQLite storage, loopback),
// per transport: committed proposals per second with 1, 16 and 256 in flight, and the same
// with one group, 1 in flight once more after those ("raft.cluster.warm"), and the same
// with 32 and 100 groups sharing the nodes (RAFT_CLUSTER_GROUPS, comma-separated, picks other
// sets; RAFT_CLUSTER_TRANSPORTS the transports). Proposals are made inside the group-1
// leader's process, so the numbers are the replication pipeline's (loop turn, fsync, network),
// not a client's, and with many groups most are forwarded to their leader. With many groups,
// "raft.cluster.onLeaders" lines measure 256 in flight once more, each group's share proposed
// in its leader's process (as clients that know the leaders would): the groups' work without
// the forwarding. cpuMsPerProposal is the 3 processes' CPU time per commit, which a busy
// machine skews less. Last, every set of groups runs "raft.cluster.onLeaders" with 4,096 in
// flight: with 256 over 100 groups each group's append carries 2 or 3 entries, with 4,096
// dozens (one group's carry hundreds at 256), so that the groups' messages cost no more per
// commit than one group's (docs/performance.md, "Many groups"). One JSON line per measurement.

import { cpus, loadavg } from "node:os";
import { KvProcessCluster } from "../test/support/kv-process-cluster.ts";
import { scaled } from "./bench-stats.ts";
import { processCpuMs } from "./proc-stats.ts";

const PAYLOAD_BYTES = 200;
const SATURATING_IN_FLIGHT = 4_096;

interface BenchResult {
  readonly proposalsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly count: number;
}

const GROUP_COUNTS = (process.env.RAFT_CLUSTER_GROUPS ?? "1,32,100").split(",").map(Number);
const TRANSPORTS = (process.env.RAFT_CLUSTER_TRANSPORTS ?? "grpc,http").split(",") as (
  | "grpc"
  | "http"
)[];

for (const transport of TRANSPORTS) {
  for (const groups of GROUP_COUNTS) {
    const cluster = await KvProcessCluster.start({
      size: 3,
      transport,
      args: ["--groups", String(groups), "--snapshot-entries", "10000"],
    });
    try {
      for (let group = 1; group <= groups; group++) await cluster.awaitLeader(group);
      const leader = await cluster.awaitLeader(1);
      // Opens the connections, so that the first measured commits do not pay for them.
      await cluster.call(leader, "/bench", {
        count: scaled(200),
        concurrency: 16,
        bytes: PAYLOAD_BYTES,
        groups,
      });
      for (const concurrency of [1, 16, 256]) {
        await measure(cluster, { bench: "raft.cluster", transport, groups, concurrency });
      }
      // Once more at 1 in flight, after 14,500 commits: the first hundreds of commits of a
      // node run while the JIT compiles, and while SQLite's WAL file still grows (each
      // fsync that extends a file also commits file-system metadata), see docs/performance.md.
      if (groups === 1) {
        await measure(cluster, { bench: "raft.cluster.warm", transport, groups, concurrency: 1 });
      }
      if (groups > 1) await onLeaders(cluster, { transport, groups, inFlight: 256 });
      // Enough work that each group's appends carry dozens of entries, as one group's carry
      // hundreds at 256: what the groups commit when each has work to batch.
      await onLeaders(cluster, { transport, groups, inFlight: SATURATING_IN_FLIGHT });
    } finally {
      await cluster.stop();
    }
  }
}

/** Proposes through group 1's leader with `concurrency` in flight and prints one line. */
async function measure(
  cluster: KvProcessCluster,
  options: { bench: string; transport: string; groups: number; concurrency: number },
): Promise<void> {
  const { groups, concurrency } = options;
  const count = scaled(concurrency === 1 ? 500 : concurrency === 16 ? 4_000 : 10_000);
  const pids = cluster.nodes.map((node) => node.process?.pid ?? 0);
  const cpuBefore = pids.reduce((sum, pid) => sum + processCpuMs(pid), 0);
  const result = await cluster.call<BenchResult>(
    await cluster.awaitLeader(1),
    "/bench",
    { count, concurrency, bytes: PAYLOAD_BYTES, groups },
    300_000,
  );
  const cpuMs = pids.reduce((sum, pid) => sum + processCpuMs(pid), 0) - cpuBefore;
  console.log(
    JSON.stringify({
      bench: options.bench,
      transport: options.transport,
      nodes: 3,
      groups,
      inFlight: concurrency,
      payloadBytes: PAYLOAD_BYTES,
      proposalsPerSecond: Math.round(result.proposalsPerSecond),
      p50Ms: Number(result.p50Ms.toFixed(3)),
      p99Ms: Number(result.p99Ms.toFixed(3)),
      count: result.count,
      // The 3 processes' CPU time per commit: robust to other work on the machine.
      cpuMsPerProposal: Number((cpuMs / result.count).toFixed(3)),
      load1m: Number(loadavg()[0]?.toFixed(2)),
      cores: cpus().length,
    }),
  );
}

/** `inFlight` over `groups` groups, each group's proposals made in its leader's process. */
async function onLeaders(
  cluster: KvProcessCluster,
  options: { transport: string; groups: number; inFlight: number },
): Promise<void> {
  const { transport, groups, inFlight } = options;
  const led = new Map<number, number[]>();
  for (let group = 1; group <= groups; group++) {
    const leader = await cluster.awaitLeader(group);
    led.set(leader, [...(led.get(leader) ?? []), group]);
  }
  const total = scaled(inFlight === 256 ? 10_000 : 40_000);
  const pids = cluster.nodes.map((node) => node.process?.pid ?? 0);
  const cpuBefore = pids.reduce((sum, pid) => sum + processCpuMs(pid), 0);
  const results = await Promise.all(
    [...led].map(([leader, groupIds]) =>
      cluster.call<BenchResult>(
        leader,
        "/bench",
        {
          count: Math.max(1, Math.round((total * groupIds.length) / groups)),
          concurrency: Math.max(1, Math.round((inFlight * groupIds.length) / groups)),
          bytes: PAYLOAD_BYTES,
          groups,
          groupIds,
        },
        300_000,
      ),
    ),
  );
  const count = results.reduce((sum, result) => sum + result.count, 0);
  const seconds = Math.max(...results.map((result) => result.count / result.proposalsPerSecond));
  const cpuMs = pids.reduce((sum, pid) => sum + processCpuMs(pid), 0) - cpuBefore;
  console.log(
    JSON.stringify({
      bench: "raft.cluster.onLeaders",
      transport,
      nodes: 3,
      groups,
      inFlight,
      leaders: [...led].map(([leader, groupIds]) => `${leader}:${groupIds.length}`).join(" "),
      payloadBytes: PAYLOAD_BYTES,
      proposalsPerSecond: Math.round(count / seconds),
      count,
      cpuMsPerProposal: Number((cpuMs / count).toFixed(3)),
      load1m: Number(loadavg()[0]?.toFixed(2)),
      cores: cpus().length,
    }),
  );
}
