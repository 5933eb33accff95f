// A long run: whether memory and storage stay bounded while a cluster serves for a long time.
// Three node processes run W1 (one_step) at 64 in flight, every 20th run a W2 (ten stamped
// steps), round-robin over the nodes, for the minutes given; every 30 s it prints one JSON
// line with the workflows finished and failed so far, the rate over the window, each node's
// RSS and the bytes under the storage paths, and the nodes' warnings and errors meanwhile.
// The last line sums it up: the first and last RSS and storage, and the highest RSS. Retention
// drops the oldest results at once (its floor at 0), so what a group keeps is bounded by the
// count. Exits 1 if any workflow failed. Not part of `make bench` (it runs for minutes); run it
// as
//   bun bench/long-run.ts [minutes=15]
// with TRANSPORT=http to run it over HTTP (gRPC by default).

import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type { OperatorProtocolClient } from "../src/client/index.ts";
import { NodeProcessCluster } from "../test/support/node-process-cluster.ts";
import { clientFor, FIXTURE_WORKFLOWS } from "./bench-nodes.ts";
import { emit, round } from "./bench-stats.ts";
import { processRssMb } from "./proc-stats.ts";

const MINUTES = Number(process.argv[2] ?? 15);
const TRANSPORT = process.env.TRANSPORT === "http" ? "http" : "grpc";
const IN_FLIGHT = 64;
const SAMPLE_MS = 30_000;
const W2_EVERY = 20;

interface Sample {
  readonly rssMb: number[];
  readonly storageMb: number;
}

function bytesUnder(path: string): number {
  return readdirSync(path, { withFileTypes: true }).reduce((sum, entry) => {
    const inner = join(path, entry.name);
    return sum + (entry.isDirectory() ? bytesUnder(inner) : statSync(inner).size);
  }, 0);
}

/** The nodes' warning and error lines since the last call; the logs are emptied. */
function takeWarnings(cluster: NodeProcessCluster): string[] {
  const warnings: string[] = [];
  for (const node of cluster.nodes) {
    for (const line of node.log.split("\n")) {
      if (/ (WARN|ERROR) /.test(line)) warnings.push(`node ${node.index}: ${line}`);
    }
    // The owner logs each workflow's start and end: kept, the harness's memory would grow.
    node.log = "";
  }
  return warnings;
}

/** Runs one workflow to its end; what went wrong, if anything. */
async function runOne(
  client: OperatorProtocolClient,
  workflowType: string,
): Promise<string | undefined> {
  try {
    const outcome = await client.runWorkflow(
      { workflowType, version: 1, input: null },
      { timeoutMs: 60_000 },
    );
    return outcome.success ? undefined : outcome.failure.message;
  } catch (error) {
    return String(error);
  }
}

interface Tally {
  finished: number;
  failed: number;
}

/** IN_FLIGHT callers, each running one workflow after the other until `endMs`. */
async function runLoad(
  clients: readonly OperatorProtocolClient[],
  endMs: number,
  tally: Tally,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (performance.now() < endMs) {
        const k = next++;
        const workflowType = k % W2_EVERY === 0 ? "ten_stamped_steps" : "one_step";
        const failure = await runOne(
          clients[k % clients.length] as OperatorProtocolClient,
          workflowType,
        );
        if (failure === undefined) tally.finished++;
        else {
          tally.failed++;
          console.error(`${workflowType} failed: ${failure}`);
        }
      }
    }),
  );
}

async function longRun(): Promise<boolean> {
  const cluster = new NodeProcessCluster(TRANSPORT, ["--workflows", FIXTURE_WORKFLOWS]);
  const clients: OperatorProtocolClient[] = [];
  try {
    for (let k = 0; k < 3; k++) await cluster.add();
    clients.push(...cluster.nodes.map((node) => clientFor(TRANSPORT, node.address)));
    await (clients[0] as OperatorProtocolClient).clusterRetention(
      { retainAtLeastMs: 0 },
      { timeoutMs: 10_000 },
    );
    const pids = cluster.nodes.map((node) => node.process?.pid ?? 0);
    const sample = (): Sample => ({
      rssMb: pids.map((pid) => round(processRssMb(pid), 0)),
      storageMb: round(bytesUnder(cluster.directory) / 1e6, 1),
    });
    const tally: Tally = { finished: 0, failed: 0 };
    let windowStart = { atMs: performance.now(), finished: 0 };
    const samples: Sample[] = [];
    const timer = setInterval(() => {
      const now = sample();
      samples.push(now);
      const elapsedMs = performance.now() - windowStart.atMs;
      emit({
        bench: "long-run",
        transport: TRANSPORT,
        ...tally,
        workflowsPerSecond: Math.round(
          ((tally.finished - windowStart.finished) * 1000) / elapsedMs,
        ),
        ...now,
        warnings: takeWarnings(cluster).slice(0, 5),
      });
      windowStart = { atMs: performance.now(), finished: tally.finished };
    }, SAMPLE_MS);
    try {
      await runLoad(clients, performance.now() + MINUTES * 60_000, tally);
    } finally {
      clearInterval(timer);
    }
    samples.push(sample());
    const [first, last] = [samples[0], samples.at(-1)];
    emit({
      bench: "long-run.summary",
      transport: TRANSPORT,
      minutes: MINUTES,
      ...tally,
      rssMbFirst: first?.rssMb,
      rssMbLast: last?.rssMb,
      rssMbMax: pids.map((_, k) => Math.max(...samples.map((s) => s.rssMb[k] ?? 0))),
      storageMbFirst: first?.storageMb,
      storageMbLast: last?.storageMb,
    });
    return tally.failed === 0;
  } finally {
    for (const client of clients) await client.close();
    await cluster.stop();
  }
}

if (!(await longRun())) process.exit(1);
