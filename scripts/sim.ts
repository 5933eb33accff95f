// Runs Raft simulation seeds. A failure prints the seed and the command that replays it.
//   bun scripts/sim.ts --seed 42             one seed, with a report
//   bun scripts/sim.ts --seeds 10000 [--from 1]   a campaign
// Options: --fault-ticks N, --liveness-ticks N.

import { parseArgs } from "node:util";
import { runSeed } from "../test/sim/run-seed.ts";

const { values } = parseArgs({
  options: {
    seed: { type: "string" },
    seeds: { type: "string" },
    from: { type: "string", default: "1" },
    "fault-ticks": { type: "string" },
    "liveness-ticks": { type: "string" },
  },
});

const faultTicks = values["fault-ticks"] === undefined ? undefined : Number(values["fault-ticks"]);
const livenessTicks =
  values["liveness-ticks"] === undefined ? undefined : Number(values["liveness-ticks"]);
const options = {
  ...(faultTicks === undefined ? {} : { faultTicks }),
  ...(livenessTicks === undefined ? {} : { livenessTicks }),
};

if (values.seed !== undefined) {
  const outcome = runSeed({ seed: Number(values.seed), ...options });
  console.log(outcome.summary);
  process.exit(outcome.ok ? 0 : 1);
}

const count = Number(values.seeds ?? "100");
const from = Number(values.from);
const started = performance.now();
let failures = 0;
for (let seed = from; seed < from + count; seed++) {
  const outcome = runSeed({ seed, ...options });
  if (!outcome.ok) {
    failures++;
    console.log(outcome.summary);
  }
  if ((seed - from + 1) % 500 === 0) {
    console.log(`... ${seed - from + 1}/${count} seeds, ${failures} failed`);
  }
}
const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.log(`${count} seeds from ${from}: ${failures} failed in ${seconds} s`);
process.exit(failures === 0 ? 0 : 1);
