// The whole-system simulation in CI: a fixed set of seeds. A failure prints the command that
// replays it.

import { describe, expect, test } from "bun:test";
import { SystemSimulation } from "./system-sim.ts";

const SEEDS = (process.env.SYSTEM_SEEDS ?? "1,2,3,4,5,6").split(",").map(Number);

describe("whole-system simulation", () => {
  test.each(SEEDS)(
    "seed %i: every acknowledged workflow finishes once, identically everywhere",
    async (seed) => {
      try {
        const report = await new SystemSimulation({ seed }).run();
        console.log(JSON.stringify(report));
        expect(report.started).toBeGreaterThan(0);
        expect(report.completed).toBe(report.started);
      } catch (error) {
        throw new Error(
          `${(error as Error).message}\nreplay: bun scripts/sim-system.ts --seed ${seed}`,
          { cause: error },
        );
      }
    },
    300_000,
  );
});
