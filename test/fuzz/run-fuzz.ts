// `make fuzz`: a long fuzz campaign per transport against three real node processes. Prints
// the summary and exits 1 on any violation. Settings: FUZZ_SECONDS (per transport, default
// 300), FUZZ_SEED (default: random, printed), FUZZ_TRANSPORT (grpc, http or both; default
// both), FUZZ_ONLY (comma-separated input indexes: replay just those inputs of FUZZ_SEED),
// FUZZ_KINDS (comma-separated input classes to send, e.g. "execute,peer forward"),
// FUZZ_RSS_GROWTH_MIB (memory bound per node, default 200).

import { formatFuzzSummary, runFuzz } from "./fuzz-campaign.ts";

const seconds = Number(process.env.FUZZ_SECONDS ?? 300);
const seed = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const only = process.env.FUZZ_ONLY?.split(",").map(Number);
const kinds = process.env.FUZZ_KINDS?.split(",");
const transports =
  (process.env.FUZZ_TRANSPORT ?? "both") === "both"
    ? (["grpc", "http"] as const)
    : ([process.env.FUZZ_TRANSPORT === "http" ? "http" : "grpc"] as const);

let violations = 0;
for (const transport of transports) {
  console.log(`fuzz: ${transport}, ${seconds} s, seed ${seed}`);
  const began = performance.now();
  const summary = await runFuzz({
    transport,
    seed,
    inputsMax: Number.MAX_SAFE_INTEGER,
    durationMs: seconds * 1000,
    ...(only === undefined ? {} : { only }),
    ...(kinds === undefined ? {} : { kinds }),
    rssGrowthMaxMiB: Number(process.env.FUZZ_RSS_GROWTH_MIB ?? 200),
    log: (line) => console.log(`[${((performance.now() - began) / 1000).toFixed(1)}s] ${line}`),
  });
  console.log(formatFuzzSummary(summary));
  violations += summary.violations.length;
}
if (violations > 0) {
  console.log(`fuzz: ${violations} violation(s); each names its replay command`);
  process.exit(1);
}
console.log("fuzz: no violations");
