import { describe, expect, test } from "bun:test";
import { TERM_MAX, TERM_REACH_EPOCH_MS, TERM_REACH_FLOOR, termReach } from "./term-reach.ts";

describe("termReach", () => {
  test("is the floor until the epoch, then grows with the wall clock", () => {
    expect(termReach(0)).toBe(TERM_REACH_FLOOR);
    expect(termReach(TERM_REACH_EPOCH_MS)).toBe(TERM_REACH_FLOOR);
    expect(termReach(TERM_REACH_EPOCH_MS + 1_000)).toBe(TERM_REACH_FLOOR + 128_000);
    expect(termReach(TERM_REACH_EPOCH_MS + 1_000.5)).toBe(TERM_REACH_FLOOR + 128_064);
  });

  test("stays below TERM_MAX for a thousand years, and never passes it", () => {
    const year = 365.25 * 24 * 3_600_000;
    expect(termReach(TERM_REACH_EPOCH_MS + 1_000 * year)).toBeLessThan(TERM_MAX);
    expect(termReach(TERM_REACH_EPOCH_MS + 2_000 * year)).toBe(TERM_MAX);
  });
});
