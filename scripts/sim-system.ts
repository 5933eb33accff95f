// Runs whole-system simulation seeds (test/sim/cluster/system-sim.ts).
//   bun scripts/sim-system.ts --seed 42         one seed, with its report
//   bun scripts/sim-system.ts --seeds 2000 [--from 1]   a campaign
//   --named: with a client that starts under ids of its own (SystemSimOptions.namedStarts)
// A failure prints the seed and the command that replays it.

import { parseArgs } from "node:util";
import { SystemSimulation } from "../test/sim/cluster/system-sim.ts";

const { values } = parseArgs({
  options: {
    seed: { type: "string" },
    seeds: { type: "string" },
    from: { type: "string", default: "1" },
    "fault-seconds": { type: "string" },
    named: { type: "boolean", default: false },
  },
});
const faultSeconds =
  values["fault-seconds"] === undefined ? undefined : Number(values["fault-seconds"]);

async function runOne(seed: number): Promise<boolean> {
  try {
    const report = await new SystemSimulation({
      seed,
      ...(faultSeconds === undefined ? {} : { faultSeconds }),
      namedStarts: values.named,
    }).run();
    if (values.seed !== undefined) console.log(JSON.stringify(report));
    return true;
  } catch (error) {
    console.log(`seed ${seed} FAILED: ${(error as Error).stack ?? String(error)}`);
    console.log(
      `  replay: bun scripts/sim-system.ts --seed ${seed}${values.named ? " --named" : ""}`,
    );
    return false;
  }
}

if (values.seed !== undefined) {
  process.exit((await runOne(Number(values.seed))) ? 0 : 1);
}
const count = Number(values.seeds ?? "100");
const from = Number(values.from);
const startedAt = performance.now();
let failures = 0;
for (let seed = from; seed < from + count; seed++) {
  if (!(await runOne(seed))) failures++;
  if ((seed - from + 1) % 50 === 0)
    console.log(`... ${seed - from + 1}/${count} seeds, ${failures} failed`);
}
console.log(
  `${count} seeds from ${from}: ${failures} failed in ${((performance.now() - startedAt) / 1000).toFixed(1)} s`,
);
process.exit(failures === 0 ? 0 : 1);
