// The short chaos runs of `make test`: five real node processes per transport under workflow
// load while the nemesis kills, pauses and restarts nodes (the management leader too). Every
// acknowledged workflow must complete once, with one result on every node, and no process
// may die except by the nemesis. `make chaos` runs the same for longer (run-chaos.ts).
// Replay the nemesis's choices with CHAOS_SEED=<seed>; CHAOS_TEST_SECONDS scales the runs.

import { afterEach, describe, expect, test } from "bun:test";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChaosCluster } from "./chaos-cluster.ts";
import { formatSummary, runChaos } from "./chaos-run.ts";

const SEED = Number(process.env.CHAOS_SEED ?? 1);
const SCALE = Number(process.env.CHAOS_TEST_SECONDS ?? 20) / 20;

let running: ChaosCluster | undefined;
afterEach(async () => {
  // A run that timed out leaves its processes behind; stop() is idempotent.
  await running?.stop();
  running = undefined;
});

describe.each([
  ["grpc", 20_000],
  ["http", 12_000],
] as const)("chaos over %s", (transport, nemesisMs) => {
  test(`acknowledged workflows complete once with identical results on every node (seed ${SEED})`, async () => {
    const summary = await runChaos({
      transport,
      seed: SEED,
      nemesisMs: Math.round(nemesisMs * SCALE),
      onCluster: (cluster) => {
        running = cluster;
      },
      logDirectory: join(tmpdir(), `raftoral-chaos-test-${transport}-${SEED}`),
    });
    console.log(formatSummary(summary));
    expect(summary.violations).toEqual([]);
    expect(summary.completed).toBe(summary.started);
    expect(summary.started).toBeGreaterThan(0);
  }, 180_000);
});
