// W1 (one_step) far past what 3 node processes serve at once: IN_FLIGHT callers in a closed
// loop, each calling the nodes in turn and, when refused (RESOURCE_EXHAUSTED), trying again
// after REFUSED_PAUSE_MS, as a well-behaved client does. What a node does with more work than
// it can take shows here: the workflows completed per second (goodput), how long they took,
// how many calls were refused or timed out, and, over HTTP, from the nodes' own counters, the
// log entries the execution group committed per workflow (3 when nothing is proposed twice)
// and its leader changes (none, when load alone does not make a node look dead).
// BENCH_OVERLOAD_IN_FLIGHT callers (default 12,000, twice the starts three nodes propose at
// once), BENCH_OVERLOAD_SECONDS (default 20) per transport. Over HTTP, Bun's fetch sends
// at most 256 requests at once, so there the callers wait in the client. Not a target of the
// issue: a guard against goodput collapsing under load, as it did when every slow command
// was resent (docs/performance.md, "Overload").

import type { ProtocolClient } from "../src/client/index.ts";
import { NodeProcessCluster } from "../test/support/node-process-cluster.ts";
import { clientFor, FIXTURE_WORKFLOWS } from "./bench-nodes.ts";
import { emit, scaled, summarize } from "./bench-stats.ts";
import { nodeSamples } from "./node-traffic.ts";

const IN_FLIGHT = scaled(Number(process.env.BENCH_OVERLOAD_IN_FLIGHT ?? 12_000));
const SECONDS = Number(process.env.BENCH_OVERLOAD_SECONDS ?? 20) * Math.min(1, scaled(100) / 100);
const DEADLINE_MS = 30_000;
const REFUSED_PAUSE_MS = 250;
/** Calls one client keeps in flight at most (its own limit is 100 per node). */
const CALLS_PER_CLIENT = 50;

/** A counter or gauge summed over the nodes serving GET /metrics at `addresses`. */
async function metricSum(addresses: readonly string[], sample: string): Promise<number> {
  let sum = 0;
  for (const address of addresses) sum += (await nodeSamples(address)).get(sample) ?? 0;
  return sum;
}

/** What the execution group (id 1) counts: its commit index as its leader knows it, its elections. */
async function groupCounters(addresses: readonly string[]) {
  return {
    // The followers' commit indexes trail the leader's; the largest is the group's.
    commitIndex: await Promise.all(
      addresses.map((address) => metricSum([address], 'raftoral_raft_commit_index{group="1"}')),
    ).then((values) => Math.max(...values)),
    leaderChanges: await metricSum(addresses, 'raftoral_raft_leader_changes_total{group="1"}'),
  };
}

async function closedLoop(clients: readonly ProtocolClient[]) {
  const endMs = performance.now() + SECONDS * 1000;
  const latencies: number[] = [];
  const failures = new Map<string, number>();
  let next = 0;
  const worker = async () => {
    while (performance.now() < endMs) {
      const client = clients[next++ % clients.length] as ProtocolClient;
      const begunMs = performance.now();
      try {
        await client.runWorkflow(
          { workflowType: "one_step", version: 1, input: null },
          { timeoutMs: DEADLINE_MS },
        );
        latencies.push(performance.now() - begunMs);
      } catch (error) {
        const code = (error as { code?: string }).code ?? "ERROR";
        failures.set(code, (failures.get(code) ?? 0) + 1);
        if (code === "RESOURCE_EXHAUSTED") await Bun.sleep(REFUSED_PAUSE_MS);
      }
    }
  };
  const begunMs = performance.now();
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return { latencies, failures, seconds: (performance.now() - begunMs) / 1000 };
}

for (const transport of ["grpc", "http"] as const) {
  const cluster = new NodeProcessCluster(transport, ["--workflows", FIXTURE_WORKFLOWS]);
  try {
    for (let k = 0; k < 3; k++) await cluster.add(transport);
    const addresses = cluster.nodes.map((node) => node.address);
    const sets = Math.ceil(IN_FLIGHT / CALLS_PER_CLIENT / addresses.length);
    const clients = Array.from({ length: sets }, () =>
      addresses.map((address) => clientFor(transport, address)),
    ).flat();
    const operator = clientFor(transport, addresses[0] as string);
    // Past the 10,000 results a group keeps, the oldest go at once instead of starts refused.
    await operator.clusterRetention({ retainAtLeastMs: 0 }, { timeoutMs: 10_000 });
    const before = transport === "http" ? await groupCounters(addresses) : undefined;
    const { latencies, failures, seconds } = await closedLoop(clients);
    const after = transport === "http" ? await groupCounters(addresses) : undefined;
    const completed = latencies.length;
    emit({
      bench: "overload.W1.closedLoop",
      transport,
      inFlight: IN_FLIGHT,
      seconds: Math.round(seconds * 10) / 10,
      workflowsPerSecond: Math.round(completed / seconds),
      latency: summarize(latencies),
      failures: Object.fromEntries(failures),
      ...(before === undefined || after === undefined
        ? {}
        : {
            entriesPerWorkflow: Number(
              ((after.commitIndex - before.commitIndex) / Math.max(1, completed)).toFixed(2),
            ),
            leaderChanges: after.leaderChanges - before.leaderChanges,
          }),
    });
    for (const client of [...clients, operator]) await client.close();
  } finally {
    await cluster.stop();
  }
}
