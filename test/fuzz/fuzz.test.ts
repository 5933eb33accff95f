// The fixed fuzz corpus of `make test`: a seeded campaign per transport against three real
// node processes (client requests, gRPC frames to every method, inter-node batches). Every
// answer must be an error or an acknowledgement, no process may die or log a fatal error,
// and afterwards ping_pong must work through every node with one management state
// everywhere. `make fuzz` runs the same for longer with a random seed (run-fuzz.ts).
// Replay: FUZZ_SEED=<seed> FUZZ_TRANSPORT=<grpc|http> FUZZ_ONLY=<indexes> bun test/fuzz/run-fuzz.ts

import { afterEach, describe, expect, test } from "bun:test";
import { formatFuzzSummary, runFuzz } from "./fuzz-campaign.ts";
import type { FuzzCluster } from "./fuzz-cluster.ts";

const SEED = Number(process.env.FUZZ_SEED ?? 20_250_101);
const INPUTS = Number(process.env.FUZZ_TEST_INPUTS ?? 500);

let running: FuzzCluster | undefined;
afterEach(async () => {
  // A campaign that timed out leaves its processes behind; stop() is idempotent.
  await running?.stop();
  running = undefined;
});

describe.each(["grpc", "http"] as const)("fuzz corpus over %s", (transport) => {
  test(`${INPUTS} seeded inputs leave every node serving (seed ${SEED})`, async () => {
    const summary = await runFuzz({
      transport,
      seed: SEED,
      inputsMax: INPUTS,
      durationMs: 30_000,
      rssGrowthMaxMiB: 150,
      onCluster: (cluster) => {
        running = cluster;
      },
    });
    console.log(formatFuzzSummary(summary));
    expect(summary.violations).toEqual([]);
    expect(summary.inputs).toBeGreaterThan(INPUTS / 2);
  }, 90_000);
});
