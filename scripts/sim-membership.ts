// Runs membership-crash simulation seeds (test/sim/cluster/membership-crash.ts).
//   bun scripts/sim-membership.ts --seed 42          one seed, with its report
//   bun scripts/sim-membership.ts --seeds 200 [--from 1]   a campaign
// A failure prints the seed and the command that replays it.

import { parseArgs } from "node:util";
import { MembershipCrashRun } from "../test/sim/cluster/membership-crash.ts";

const { values } = parseArgs({
  options: {
    seed: { type: "string" },
    seeds: { type: "string" },
    from: { type: "string", default: "1" },
  },
});

async function runOne(seed: number): Promise<boolean> {
  try {
    const report = await new MembershipCrashRun(seed).run();
    if (values.seed !== undefined) console.log(JSON.stringify(report));
    return true;
  } catch (error) {
    console.log(`seed ${seed} FAILED: ${(error as Error).stack ?? String(error)}`);
    console.log(`  replay: bun scripts/sim-membership.ts --seed ${seed}`);
    return false;
  }
}

if (values.seed !== undefined) {
  process.exit((await runOne(Number(values.seed))) ? 0 : 1);
}
const count = Number(values.seeds ?? 50);
const from = Number(values.from);
const started = performance.now();
let failed = 0;
for (let seed = from; seed < from + count; seed++) {
  if (!(await runOne(seed))) failed++;
  if ((seed - from + 1) % 25 === 0)
    console.log(`... ${seed - from + 1}/${count} seeds, ${failed} failed`);
}
console.log(
  `${count} seeds from ${from}: ${failed} failed in ${((performance.now() - started) / 1000).toFixed(1)} s`,
);
process.exit(failed === 0 ? 0 : 1);
