// The Raft simulator in CI: a fixed set of seeds must pass every checker, and planted bugs
// must be caught within the same seeds (proof that the checkers can fail).

import { describe, expect, test } from "bun:test";
import { runSeed } from "./run-seed.ts";

const CI_SEEDS = 300;
const BATCH = 50;
/** Seeds outside the CI range that once failed (docs/simulation.md says how). */
const REGRESSION_SEEDS = [5506, 7771, 7860, 40710, 60474, 61092, 82955];

type SeedOptions = Omit<Parameters<typeof runSeed>[0], "seed">;

function failuresIn(seeds: Iterable<number>, options: SeedOptions = {}): string[] {
  const failures: string[] = [];
  for (const seed of seeds) {
    const outcome = runSeed({ seed, ...options });
    if (!outcome.ok) failures.push(outcome.summary);
  }
  return failures;
}

function range(from: number, count: number): number[] {
  return Array.from({ length: count }, (_, k) => from + k);
}

describe("raft simulation", () => {
  for (let from = 1; from <= CI_SEEDS; from += BATCH) {
    // CPU-bound: a generous limit, so that a loaded machine is not mistaken for a hang.
    test(`seeds ${from}-${from + BATCH - 1} keep every safety and liveness property`, () => {
      expect(failuresIn(range(from, BATCH))).toEqual([]);
    }, 60_000);
  }
  test(`seeds ${REGRESSION_SEEDS.join(", ")}, which once failed, pass`, () => {
    expect(failuresIn(REGRESSION_SEEDS)).toEqual([]);
  }, 60_000);
});

describe("planted bugs are caught within the CI seeds", () => {
  test("granting votes without the log check (§5.4.1)", () => {
    const outcome = firstFailure({ mutations: { skipVoteLogCheck: true } });
    expect(outcome).toBeDefined();
    // Either a checker sees the lost entry, or the follower that holds it refuses the leader
    // that lacks it (lost-commit.ts), whichever comes first.
    expect(outcome).toMatch(
      /lacks committed entry|committed entry \d+ changed|different state|CommittedEntryLostError/,
    );
  });

  test("serving reads from local state without ReadIndex (thesis 6.4)", () => {
    const outcome = firstFailure({ serveReadsLocally: true });
    expect(outcome).toBeDefined();
    expect(outcome).toMatch(/not linearizable/);
  });

  test("sending acknowledgements before the Ready is persisted (thesis 3.8)", () => {
    const outcome = firstFailure({ sendBeforePersist: true });
    expect(outcome).toBeDefined();
    expect(outcome).toMatch(/before persisting/);
  });
});

function firstFailure(options: SeedOptions): string | undefined {
  for (let seed = 1; seed <= CI_SEEDS; seed++) {
    const outcome = runSeed({ seed, ...options });
    if (!outcome.ok) return outcome.summary;
  }
  return undefined;
}
