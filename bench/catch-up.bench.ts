// A follower catching up: 3 HTTP node processes, one killed while the others run W1
// (one_step) with 64 in flight, then started again. While it replays its own log and takes
// what it missed from its leader, every group on it waits for each turn of its loop; the
// bench reads that node's own turn histogram (raftoral_host_turn_seconds) over the catch-up
// and prints how many turns it took, how many ran over 25, 50 and 100 ms, the bound of the
// longest, and how long until it had applied everything the others committed. A turn applies
// at most 1,024 entries of a group (docs/raft.md), so the longest turn stays near one such
// batch however much was missed. BENCH_CATCH_UP_WORKFLOWS sets how many run while it is down
// (default 3,000: 9,000 entries, within what a group keeps in its log behind a snapshot).

import type { ProtocolClient } from "../src/client/index.ts";
import { NodeProcessCluster } from "../test/support/node-process-cluster.ts";
import { clientFor, FIXTURE_WORKFLOWS } from "./bench-nodes.ts";
import { emit, scaled } from "./bench-stats.ts";
import { closedLoop } from "./closed-loop.ts";
import { nodeSamples } from "./node-traffic.ts";
import { turnsBetween } from "./turn-histogram.ts";

const WORKFLOWS = scaled(Number(process.env.BENCH_CATCH_UP_WORKFLOWS ?? 3_000));
const IN_FLIGHT = 64;

/** The execution groups' and the management group's commit indexes, as far as `addresses` know. */
async function commitIndexes(addresses: readonly string[]): Promise<Map<string, number>> {
  const highest = new Map<string, number>();
  for (const address of addresses) {
    for (const [name, value] of await nodeSamples(address)) {
      const group = /^raftoral_raft_commit_index\{group="(\d+)"\}$/.exec(name)?.[1];
      if (group !== undefined) highest.set(group, Math.max(highest.get(group) ?? 0, value));
    }
  }
  return highest;
}

async function runW1(clients: readonly ProtocolClient[], count: number): Promise<void> {
  await closedLoop(count, IN_FLIGHT, async (k) => {
    const outcome = await (clients[k % clients.length] as ProtocolClient).runWorkflow(
      { workflowType: "one_step", version: 1, input: null },
      { timeoutMs: 60_000 },
    );
    if (!outcome.success) throw new Error(`one_step failed: ${outcome.failure.message}`);
  });
}

/** Waits until the node at `address` has applied every group up to `commits`. */
async function caughtUp(address: string, commits: Map<string, number>): Promise<void> {
  const deadline = performance.now() + 120_000;
  for (;;) {
    const values = await nodeSamples(address).catch(() => new Map<string, number>());
    const isBehind = [...commits].some(
      ([group, commit]) =>
        (values.get(`raftoral_raft_applied_index{group="${group}"}`) ?? 0) < commit,
    );
    if (!isBehind) return;
    if (performance.now() > deadline) throw new Error("the restarted node did not catch up");
    await Bun.sleep(10);
  }
}

const cluster = new NodeProcessCluster("http", ["--workflows", FIXTURE_WORKFLOWS]);
try {
  for (let k = 0; k < 3; k++) await cluster.add();
  const [first, second, victim] = cluster.nodes;
  if (first === undefined || second === undefined || victim === undefined)
    throw new Error("3 nodes");
  const live = [first, second].map((node) => clientFor("http", node.address));
  await runW1(live, 30);
  await cluster.kill(victim);
  await runW1(live, WORKFLOWS);
  const commits = await commitIndexes([first.address, second.address]);
  const begunMs = performance.now();
  await cluster.launch(victim);
  await caughtUp(victim.address, commits);
  const catchUpMs = performance.now() - begunMs;
  emit({
    bench: "catchUp.W1",
    transport: "http",
    workflowsMissed: WORKFLOWS,
    commitIndexes: Object.fromEntries(commits),
    catchUpMs: Math.round(catchUpMs),
    ...turnsBetween([await nodeSamples(victim.address)]),
  });
} finally {
  await cluster.stop();
}
