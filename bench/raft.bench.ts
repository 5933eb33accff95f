// The pure CPU cost of the Raft algorithm: one group of 3 RawNodes wired to each other in
// process, with no I/O (a Ready's writes are dropped as if on an infinitely fast disk).
// Measures committed proposals per second and the wall time from propose() until the
// leader applied the entry, for proposals made one at a time and in batches. JSON lines.

import { cpus, loadavg } from "node:os";
import { nodeId, seededRandom } from "../src/lib/index.ts";
import {
  bootstrapState,
  DEFAULT_RAFT_CONFIG,
  type RaftMessage,
  RawNode,
} from "../src/raft/index.ts";
import { scaled } from "./bench-stats.ts";

const PAYLOAD = new TextEncoder().encode("x".repeat(200));
const VOTERS = [nodeId(1), nodeId(2), nodeId(3)];

function group(): RawNode[] {
  return VOTERS.map(
    (id) =>
      new RawNode({
        config: { ...DEFAULT_RAFT_CONFIG, id, uncommittedBytesMax: 1 << 30 },
        random: seededRandom(id),
        initial: bootstrapState(VOTERS),
      }),
  );
}

/** Runs every node's Readys and delivers their messages until nothing moves; counts applied. */
function settle(nodes: RawNode[]): number {
  let applied = 0;
  for (let moved = true; moved; ) {
    moved = false;
    const messages: RaftMessage[] = [];
    nodes.forEach((node, k) => {
      if (!node.hasReady()) return;
      moved = true;
      const ready = node.ready();
      messages.push(...ready.messages);
      if (k === 0)
        applied += ready.committedEntries.filter(
          (e) => e.type === "normal" && e.data.byteLength > 0,
        ).length;
      node.advance(ready);
    });
    for (const message of messages) nodes[message.to - 1]?.step(message);
  }
  return applied;
}

function run(batch: number, rounds: number) {
  const nodes = group();
  settle(nodes);
  nodes[0]?.campaign();
  settle(nodes);
  const leader = nodes[0] as RawNode;
  const latencies: number[] = [];
  let applied = 0;
  const started = performance.now();
  for (let round = 0; round < rounds; round++) {
    const begin = performance.now();
    for (let k = 0; k < batch; k++) leader.propose(PAYLOAD);
    applied += settle(nodes);
    latencies.push(performance.now() - begin);
  }
  const seconds = (performance.now() - started) / 1000;
  if (applied !== batch * rounds) throw new Error(`applied ${applied}, expected ${batch * rounds}`);
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return {
    bench: "raft.core",
    nodes: 3,
    proposalsPerRound: batch,
    rounds,
    proposalsPerSecond: Math.round((batch * rounds) / seconds),
    commitP50Ms: Number(at(0.5).toFixed(4)),
    commitP99Ms: Number(at(0.99).toFixed(4)),
    load1m: Number(loadavg()[0]?.toFixed(2)),
    cores: cpus().length,
  };
}

run(10, 500); // warm-up
for (const [batch, rounds] of [
  [1, scaled(20_000)],
  [16, scaled(3_000)],
  [256, scaled(300)],
] as const) {
  console.log(JSON.stringify(run(batch, rounds)));
}
