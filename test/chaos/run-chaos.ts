// `make chaos`: one long chaos run per transport. Prints progress and the summary, and exits 1
// on any violation, after writing every node's logs (each process it ran as) to
// $TMPDIR/raftoral-chaos-<transport>-<seed>. Settings: CHAOS_SECONDS (nemesis time, default
// 600), CHAOS_SEED (default: random, printed), CHAOS_TRANSPORT (grpc, http or both; default
// both).
// Replay a run's choices: CHAOS_SEED=<seed> bun test/chaos/run-chaos.ts (process timing varies).

import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatSummary, runChaos } from "./chaos-run.ts";

const seconds = Number(process.env.CHAOS_SECONDS ?? 600);
const seed = Number(process.env.CHAOS_SEED ?? Math.floor(Math.random() * 1_000_000));
const transports =
  (process.env.CHAOS_TRANSPORT ?? "both") === "both"
    ? (["grpc", "http"] as const)
    : ([process.env.CHAOS_TRANSPORT === "http" ? "http" : "grpc"] as const);

let violations = 0;
for (const transport of transports) {
  console.log(`chaos: ${transport}, ${seconds} s of faults, seed ${seed}`);
  const began = performance.now();
  const summary = await runChaos({
    transport,
    seed,
    nemesisMs: seconds * 1000,
    log: (line) => console.log(`[${((performance.now() - began) / 1000).toFixed(1)}s] ${line}`),
    logDirectory: join(tmpdir(), `raftoral-chaos-${transport}-${seed}`),
  });
  console.log(formatSummary(summary));
  violations += summary.violations.length;
}
if (violations > 0) {
  console.log(`chaos: ${violations} violation(s); replay with CHAOS_SEED=${seed}`);
  process.exit(1);
}
console.log("chaos: no violations");
