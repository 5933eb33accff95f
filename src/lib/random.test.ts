import { describe, expect, test } from "bun:test";
import { seededRandom } from "./random.ts";

describe("seeded random", () => {
  test("the same seed gives the same sequence", () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const sequenceA = Array.from({ length: 100 }, () => a.nextU32());
    const sequenceB = Array.from({ length: 100 }, () => b.nextU32());
    expect(sequenceA).toEqual(sequenceB);
    expect(new Set(sequenceA).size).toBeGreaterThan(95);
  });

  test("different seeds differ", () => {
    expect(seededRandom(1).nextU32()).not.toBe(seededRandom(2).nextU32());
  });

  test("int stays in range and covers it", () => {
    const random = seededRandom(7);
    const seen = new Set<number>();
    for (let i = 0; i < 10_000; i++) {
      const value = random.int(3, 9);
      expect(value).toBeGreaterThanOrEqual(3);
      expect(value).toBeLessThan(9);
      seen.add(value);
    }
    expect([...seen].sort()).toEqual([3, 4, 5, 6, 7, 8]);
  });

  test("floats are roughly uniform", () => {
    const random = seededRandom(99);
    let sum = 0;
    for (let i = 0; i < 100_000; i++) sum += random.nextFloat();
    expect(Math.abs(sum / 100_000 - 0.5)).toBeLessThan(0.01);
  });

  test("forks are deterministic and independent of each other", () => {
    const childA = seededRandom(5).fork("node-1");
    const childB = seededRandom(5).fork("node-1");
    expect(childA.nextU32()).toBe(childB.nextU32());
    const root = seededRandom(5);
    expect(root.fork("x").nextU32()).not.toBe(root.fork("x").nextU32());
  });

  test("large seeds are folded, not truncated to one value", () => {
    expect(seededRandom(2 ** 40).nextU32()).not.toBe(seededRandom(2 ** 41).nextU32());
  });

  test("bad ranges are bugs", () => {
    expect(() => seededRandom(1).int(5, 5)).toThrow("empty range");
    expect(() => seededRandom(1).pick([])).toThrow("empty array");
  });
});
