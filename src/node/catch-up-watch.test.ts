import { describe, expect, test } from "bun:test";
import { VirtualClock } from "../lib/index.ts";
import { CATCH_UP_FIRST_LOOK_MS, CatchUpWatch } from "./catch-up-watch.ts";

/** A watch whose every look finds the learner still catching up, until `looks` looks. */
function watchLooking(looks: number) {
  const clock = new VirtualClock();
  const at: number[] = [];
  const watch: CatchUpWatch = new CatchUpWatch(clock, 100, () => {
    at.push(clock.nowMs());
    if (at.length < looks) watch.again();
  });
  return { clock, at, watch };
}

describe("CatchUpWatch", () => {
  test("looks again soon, then twice as late each time, then once a tick", () => {
    const { clock, at, watch } = watchLooking(8);
    watch.again();
    clock.advance(1_000);
    expect(CATCH_UP_FIRST_LOOK_MS).toBe(5);
    expect(at).toEqual([5, 15, 35, 75, 155, 255, 355, 455]);
  });

  test("keeps one look pending, however often it is asked", () => {
    const { clock, at, watch } = watchLooking(1);
    watch.again();
    watch.again();
    watch.again();
    clock.advance(1_000);
    // The third ask waited 20 ms; the first two were replaced, not added.
    expect(at).toEqual([20]);
  });

  test("starts short again once nothing is catching up, and a reset cancels the pending look", () => {
    const { clock, at, watch } = watchLooking(3);
    watch.again();
    clock.advance(1_000);
    expect(at).toEqual([5, 15, 35]);
    watch.again();
    watch.reset();
    clock.advance(1_000);
    expect(at).toEqual([5, 15, 35]);
    watch.again();
    clock.advance(1_000);
    expect(at.at(-1)).toBe(2_005);
  });
});
