// Issue 18's invariant in CI: a few seeds of membership-crash runs (membership-crash.ts). Longer
// campaigns: bun scripts/sim-membership.ts --seeds N.

import { expect, test } from "bun:test";
import { MembershipCrashRun } from "./membership-crash.ts";

const SEEDS =
  process.env.MEMBERSHIP_SEEDS === undefined
    ? // 710017: a leave stopped a node whose new replica had not caught up (docs/simulation.md).
      [1, 2, 3, 4, 710017]
    : process.env.MEMBERSHIP_SEEDS.split(",").map(Number);

test.each(SEEDS)(
  "seed %i: a crash right after any membership step never leaves a group unable to commit",
  async (seed) => {
    const report = await new MembershipCrashRun(seed).run();
    console.log(JSON.stringify(report));
    expect(report.changes).toBeGreaterThan(0);
  },
  600_000,
);
