// Where the CPU goes while 3 node processes run W1 (one_step: exactly one step) with 64 in flight:
// each node runs under `bun --cpu-prof`, the client runs the workload over gRPC round-robin,
// the nodes stop gracefully (so each writes its profile), and the profiles are summed into
// the functions with the most time of their own and the most time including what they call.
// Not part of `make bench` (profiling slows the nodes down); run it as
//   bun bench/cpu-profile.ts [workflows=3000] [top=30]
// and keep the .cpuprofile files it names for Chrome's or VS Code's profile viewer.
// IN_FLIGHT=1 in the environment profiles sequential runs instead, and
// WORKFLOW=ten_stamped_steps W2 instead of W1. The profiles sample the
// main thread while it runs JavaScript or a call made from it, so a blocking fsync counts too.
// Each sample counts for one sampling interval at most: the profile's time delta before a
// sample also holds the idle time since the previous one, which would otherwise be charged to
// whatever ran after a wait (stopping, a timer).

import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FTL_OPTION } from "../src/cli/jit-tiers.ts";
import { GrpcProtocolClient, type ProtocolClient } from "../src/client/index.ts";
import { NodeProcessCluster } from "../test/support/node-process-cluster.ts";
import { FIXTURE_WORKFLOWS } from "./bench-nodes.ts";
import { closedLoop } from "./closed-loop.ts";

const WORKFLOWS = Number(process.argv[2] ?? 3000);
const TOP = Number(process.argv[3] ?? 30);
const IN_FLIGHT = Number(process.env.IN_FLIGHT ?? 64);
const WORKFLOW = process.env.WORKFLOW ?? "one_step";
const SAMPLE_INTERVAL_US = 500;

/** The parts of a .cpuprofile (Chrome's format) this summary reads. */
interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: { functionName: string; url: string; lineNumber: number };
    readonly children?: readonly number[];
  }[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

async function runWorkload(cluster: NodeProcessCluster): Promise<number> {
  const clients: ProtocolClient[] = cluster.nodes.map((n) => new GrpcProtocolClient(n.address));
  const run = (k: number) =>
    (clients[k % clients.length] as ProtocolClient).runWorkflow(
      { workflowType: WORKFLOW, version: 1, input: null },
      { timeoutMs: 120_000 },
    );
  for (let k = 0; k < 30; k++) await run(k);
  const begin = performance.now();
  await closedLoop(WORKFLOWS, IN_FLIGHT, async (k) => {
    await run(k);
  });
  const seconds = (performance.now() - begin) / 1000;
  for (const client of clients) await client.close();
  return WORKFLOWS / seconds;
}

/** Microseconds per function: of its own, and including its callees, over every profile. */
function summarize(profiles: readonly CpuProfile[]) {
  const own = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  const add = (map: Map<string, number>, key: string, us: number) =>
    map.set(key, (map.get(key) ?? 0) + us);
  for (const profile of profiles) {
    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    const parent = new Map<number, number>();
    for (const node of profile.nodes)
      for (const child of node.children ?? []) parent.set(child, node.id);
    const nameOf = (id: number) => {
      const frame = byId.get(id)?.callFrame;
      const file = frame?.url.replace(/^.*\/(src|node_modules)\//, "$1/") || "(native)";
      return `${frame?.functionName || "(anonymous)"} ${file}:${frame?.lineNumber ?? 0}`;
    };
    profile.samples.forEach((sample, k) => {
      const us = Math.min(profile.timeDeltas[k] ?? 0, SAMPLE_INTERVAL_US);
      total += us;
      add(own, nameOf(sample), us);
      const seen = new Set<string>();
      for (let id: number | undefined = sample; id !== undefined; id = parent.get(id)) {
        const name = nameOf(id);
        if (!seen.has(name)) add(inclusive, name, us);
        seen.add(name);
      }
    });
  }
  const top = (map: Map<string, number>) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, TOP)
      .map(([name, us]) => ({ name, percent: Math.round((us / total) * 1000) / 10 }));
  return { sampledMs: Math.round(total / 1000), own: top(own), inclusive: top(inclusive) };
}

const directory = mkdtempSync(join(tmpdir(), "raftoral-cpu-profile-"));
const wrap = (cli: string[]) => [
  cli[0] as string,
  "--cpu-prof",
  `--cpu-prof-interval=${SAMPLE_INTERVAL_US}`,
  `--cpu-prof-dir=${directory}`,
  ...cli.slice(1),
];
// Set for the nodes, so that none relaunches itself to set it (src/cli/jit-tiers.ts): the
// profiler's sampling signals, still pending when a process replaces itself, kill the new one.
const cluster = new NodeProcessCluster("grpc", ["--workflows", FIXTURE_WORKFLOWS], undefined, {
  [FTL_OPTION]: "0",
});
try {
  for (let k = 0; k < 3; k++) await cluster.add("grpc", { wrap });
  const workflowsPerSecond = await runWorkload(cluster);
  for (const node of cluster.nodes) await cluster.signal(node, "SIGTERM");
  const files = readdirSync(directory).filter((name) => name.endsWith(".cpuprofile"));
  const profiles = files.map(
    (name) => JSON.parse(readFileSync(join(directory, name), "utf8")) as CpuProfile,
  );
  const { sampledMs, own, inclusive } = summarize(profiles);
  console.log(
    JSON.stringify({
      bench: "cpuProfile",
      workflow: WORKFLOW,
      workflows: WORKFLOWS,
      workflowsPerSecond: Math.round(workflowsPerSecond),
      sampledMs,
      profiles: files.map((name) => join(directory, name)),
    }),
  );
  for (const line of own) console.log(JSON.stringify({ bench: "cpuProfile.own", ...line }));
  for (const line of inclusive)
    console.log(JSON.stringify({ bench: "cpuProfile.inclusive", ...line }));
} finally {
  await cluster.stop();
}
