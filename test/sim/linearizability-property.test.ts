import { describe, expect, test } from "bun:test";
import { type Random, seededRandom } from "../../src/lib/index.ts";
import { checkLinearizability } from "./linearizability.ts";
import { isLinearizableByBruteForce, kvMapSpec } from "./linearizability-brute-force.ts";
import {
  generateArbitraryKvHistory,
  generateKvHistory,
  type KvHistoryOptions,
  plantStaleRead,
} from "./linearizability-generator.ts";
import { type KvOperation, kvModel } from "./linearizability-kv.ts";

// Property tests: the checker must accept every history that a real sequential execution
// produced, must reject each of them once a provably stale read is planted, and must agree
// with a brute-force search straight from the definition. All randomness is seeded; a failure
// shows its seed.

const SEEDS = Array.from({ length: 300 }, (_, i) => i + 1);

function randomOptions(random: Random): KvHistoryOptions {
  return {
    random,
    operationCount: random.int(10, 200),
    clientCount: random.int(1, 7),
    keyCount: random.int(1, 4),
    pendingProbability: random.pick([0, 0.02, 0.1]),
  };
}

function shuffled<T>(items: readonly T[], random: Random): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = random.int(0, i + 1);
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

describe("random histories from a real sequential execution", () => {
  test("are linearizable, in any array order", () => {
    for (const seed of SEEDS) {
      const random = seededRandom(seed);
      const history = generateKvHistory(randomOptions(random));
      expect({ seed, ok: checkLinearizability(kvModel, history).ok }).toEqual({ seed, ok: true });
      const reordered = shuffled(history, random);
      expect({ seed, ok: checkLinearizability(kvModel, reordered).ok }).toEqual({ seed, ok: true });
    }
  });

  test("stop being linearizable when one read returns a provably stale value", () => {
    let plantedCount = 0;
    for (const seed of SEEDS) {
      const random = seededRandom(seed);
      const planted = plantStaleRead(generateKvHistory(randomOptions(random)), random);
      if (planted === undefined) continue;
      plantedCount++;
      const read = planted.history[planted.readIndex] as KvOperation;
      const result = checkLinearizability(kvModel, planted.history);
      expect({ seed, ok: result.ok }).toEqual({ seed, ok: false });
      if (result.ok !== false) continue;
      expect({ seed, partition: result.partition }).toEqual({
        seed,
        partition: `key ${read.input.key}`,
      });
      // The read cannot be linearized at any point, so no legal prefix contains it.
      expect({ seed, isInPrefix: result.longestPrefix.includes(read) }).toEqual({
        seed,
        isInPrefix: false,
      });
    }
    // Most histories have a read after two sequential writes; if not, the test proves little.
    expect(plantedCount).toBeGreaterThan(SEEDS.length * 0.8);
  });
});

describe("the WGL search agrees with brute force", () => {
  test.each([0.15, 0.5])(
    "on small arbitrary histories, both verdicts common (%p of operations pending)",
    (pendingProbability) => {
      const counts = { linearizable: 0, violation: 0 };
      for (let seed = 1; seed <= 5_000; seed++) {
        const random = seededRandom(seed);
        const operationCount = random.int(1, 9);
        const history = generateArbitraryKvHistory({ random, operationCount, pendingProbability });
        const expected = isLinearizableByBruteForce(kvMapSpec, history);
        const actual = checkLinearizability(kvModel, history).ok;
        expect({ seed, actual }).toEqual({ seed, actual: expected });
        counts[expected ? "linearizable" : "violation"]++;
      }
      expect(counts.linearizable).toBeGreaterThan(500);
      expect(counts.violation).toBeGreaterThan(500);
    },
  );

  test("on small generated histories, with and without a planted stale read", () => {
    for (const seed of SEEDS) {
      const random = seededRandom(seed);
      const options = { ...randomOptions(random), operationCount: random.int(3, 9) };
      const history = generateKvHistory(options);
      expect(isLinearizableByBruteForce(kvMapSpec, history)).toBe(true);
      const planted = plantStaleRead(history, random);
      if (planted === undefined) continue;
      const expected = isLinearizableByBruteForce(kvMapSpec, planted.history);
      expect({ seed, expected }).toEqual({ seed, expected: false });
      expect({ seed, ok: checkLinearizability(kvModel, planted.history).ok }).toEqual({
        seed,
        ok: false,
      });
    }
  });
});

// The search is exponential in the worst case; these histories must stay far from it. Bounded
// by its steps, which the seeds fix, not by time, which the machine's load moves.
describe("search effort", () => {
  const big = { operationCount: 2_000, clientCount: 5, keyCount: 10, pendingProbability: 0.02 };

  test("2,000 operations over 10 keys and 5 clients take under 5 steps per operation", () => {
    const history = generateKvHistory({ ...big, random: seededRandom(2_000) });
    const clean = checkLinearizability(kvModel, history);
    expect(clean.ok).toBe(true);
    const planted = plantStaleRead(history, seededRandom(1));
    if (planted === undefined) throw new Error("a 2,000 operation history has a stale read");
    const broken = checkLinearizability(kvModel, planted.history);
    expect(broken.ok).toBe(false);
    expect(clean.steps).toBeLessThan(5 * big.operationCount);
    expect(broken.steps).toBeLessThan(5 * big.operationCount);
  });

  test("2,000 operations on one key, without partitioning help, take under 50 per operation", () => {
    const options = { ...big, keyCount: 1, random: seededRandom(2_001) };
    const clean = checkLinearizability(kvModel, generateKvHistory(options));
    expect(clean.ok).toBe(true);
    expect(clean.steps).toBeLessThan(50 * big.operationCount);
  });
});
