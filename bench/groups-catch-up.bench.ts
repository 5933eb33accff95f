// A node catching up in many groups at once: 3 KV node processes (the multi-Raft host,
// SQLite storage, a real transport; no workflows) hosting 1 or 100 groups (CATCH_UP_GROUPS,
// comma-separated; CATCH_UP_TRANSPORTS picks the transports), one killed while the others
// commit 100,000 proposals of 200 bytes spread over the groups, then started again. Prints how
// long until it had applied every group's commits, the bytes of peer messages it was sent
// meanwhile per entry it missed (as the host counts them, raftoral_peer_received_bytes_total;
// a command here is about 250 bytes, so each entry sent once is about 320), and the loop turns
// of the returning node and of the others (the leaders that send it what it missed), from
// their turn histograms: every group on a node waits for each of its turns. No snapshots: the
// groups keep the whole log, so the leaders send every entry.

import { KvProcessCluster } from "../test/support/kv-process-cluster.ts";
import { emit, scaled } from "./bench-stats.ts";
import { nodeSamples } from "./node-traffic.ts";
import { turnsBetween } from "./turn-histogram.ts";

const GROUP_COUNTS = (process.env.CATCH_UP_GROUPS ?? "1,100").split(",").map(Number);
const TRANSPORTS = (process.env.CATCH_UP_TRANSPORTS ?? "http,grpc").split(",") as (
  | "grpc"
  | "http"
)[];
const MISSED = scaled(100_000);
const PAYLOAD_BYTES = 200;

interface GroupStatus {
  readonly commit: number;
  readonly applied: number;
}

async function statusOf(cluster: KvProcessCluster, id: number, group: number) {
  return cluster.call<GroupStatus | null>(id, `/status?group=${group}`).catch(() => null);
}

/** Every group's commit index, the highest any of `ids` knows. */
async function commitsOf(cluster: KvProcessCluster, ids: readonly number[], groups: number) {
  const commits: number[] = [];
  for (let group = 1; group <= groups; group++) {
    for (const id of ids) {
      commits[group] = Math.max(
        commits[group] ?? 0,
        (await statusOf(cluster, id, group))?.commit ?? 0,
      );
    }
  }
  return commits;
}

async function caughtUp(cluster: KvProcessCluster, id: number, commits: readonly number[]) {
  const deadline = performance.now() + 120_000;
  for (let group = 1; group < commits.length; group++) {
    while (((await statusOf(cluster, id, group))?.applied ?? 0) < (commits[group] ?? 0)) {
      if (performance.now() > deadline) throw new Error(`node ${id} did not catch up`);
      await Bun.sleep(10);
    }
  }
}

const metricsOf = (cluster: KvProcessCluster, id: number) =>
  nodeSamples(`127.0.0.1:${cluster.node(id).control}`);

function receivedBytes(samples: ReadonlyMap<string, number>): number {
  let bytes = 0;
  for (const [name, value] of samples) {
    if (name.startsWith("raftoral_peer_received_bytes_total")) bytes += value;
  }
  return bytes;
}

for (const transport of TRANSPORTS) {
  for (const groups of GROUP_COUNTS) {
    const cluster = await KvProcessCluster.start({
      size: 3,
      transport,
      args: ["--groups", String(groups), "--snapshot-entries", String(10 * MISSED)],
    });
    try {
      for (let group = 1; group <= groups; group++) await cluster.awaitLeader(group);
      const proposer = await cluster.awaitLeader(1);
      const victim = Math.max(...[1, 2, 3].filter((id) => id !== proposer));
      const others = [1, 2, 3].filter((id) => id !== victim);
      const run = (count: number) =>
        cluster.call(
          proposer,
          "/bench",
          { count, concurrency: 256, bytes: PAYLOAD_BYTES, groups },
          300_000,
        );
      await run(scaled(2_000));
      await cluster.kill(victim);
      await run(MISSED);
      const commits = await commitsOf(cluster, others, groups);
      const before = await Promise.all(others.map((id) => metricsOf(cluster, id)));
      const begunMs = performance.now();
      await cluster.restart(victim);
      await caughtUp(cluster, victim, commits);
      const catchUpMs = performance.now() - begunMs;
      const back = await metricsOf(cluster, victim);
      const after = await Promise.all(others.map((id) => metricsOf(cluster, id)));
      emit({
        bench: "catchUp.groups",
        transport,
        groups,
        entriesMissed: MISSED,
        catchUpMs: Math.round(catchUpMs),
        receivedBytesPerEntryMissed: Math.round(receivedBytes(back) / MISSED),
        returning: turnsBetween([back]),
        others: turnsBetween(after, before),
      });
    } finally {
      await cluster.stop();
    }
  }
}
