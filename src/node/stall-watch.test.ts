import { expect, test } from "bun:test";
import { PausableClock } from "../../test/sim/cluster/pausable-clock.ts";
import { VirtualClock } from "../lib/index.ts";
import { StallWatch } from "./stall-watch.ts";

test("silence counts from the start while the process keeps running", () => {
  const inner = new VirtualClock();
  const watch = new StallWatch(inner, 100, [1_000]);
  watch.start();
  inner.advance(10_000);
  expect(watch.countsSilenceFrom(1_000)).toBe(Number.NEGATIVE_INFINITY);
  watch.stop();
});

test("after a pause, silence counts from the moment the process runs again", () => {
  const inner = new VirtualClock();
  const clock = new PausableClock(inner);
  const watch = new StallWatch(clock, 100, [1_000]);
  watch.start();
  inner.advance(1_000);
  clock.pause();
  inner.advance(4_000);
  // Woken, before the overdue heartbeat ran: the gap is seen all the same.
  expect(watch.countsSilenceFrom(1_000)).toBe(5_000);
  clock.resume();
  inner.advance(3_000);
  expect(watch.countsSilenceFrom(1_000)).toBe(5_000);
  watch.stop();
});

test("a short delay of the heartbeat is not a stall", () => {
  const inner = new VirtualClock();
  const clock = new PausableClock(inner);
  const watch = new StallWatch(clock, 100, [1_000]);
  watch.start();
  clock.pause();
  inner.advance(900);
  clock.resume();
  expect(watch.countsSilenceFrom(1_000)).toBe(Number.NEGATIVE_INFINITY);
  watch.stop();
});

test("each threshold sees only the stalls longer than itself", () => {
  const inner = new VirtualClock();
  const clock = new PausableClock(inner);
  const watch = new StallWatch(clock, 100, [500, 1_000]);
  watch.start();
  inner.advance(1_000);
  clock.pause();
  inner.advance(700);
  clock.resume();
  expect(watch.countsSilenceFrom(500)).toBe(1_700);
  expect(watch.countsSilenceFrom(1_000)).toBe(Number.NEGATIVE_INFINITY);
  inner.advance(1_000);
  clock.pause();
  inner.advance(1_500);
  clock.resume();
  expect(watch.countsSilenceFrom(1_000)).toBe(4_200);
  expect(watch.countsSilenceFrom(500)).toBe(4_200);
  watch.stop();
});

test("each stall past the shortest threshold is reported once, with its length", () => {
  const inner = new VirtualClock();
  const clock = new PausableClock(inner);
  const stalls: number[] = [];
  const watch = new StallWatch(clock, 100, [500, 1_000], (stalledMs) => stalls.push(stalledMs));
  watch.start();
  inner.advance(1_000);
  clock.pause();
  inner.advance(400);
  clock.resume();
  inner.advance(1_000);
  expect(stalls).toEqual([]);
  clock.pause();
  inner.advance(2_000);
  clock.resume();
  inner.advance(1_000);
  expect(stalls).toHaveLength(1);
  expect(stalls[0]).toBeGreaterThanOrEqual(1_900);
  expect(stalls[0]).toBeLessThanOrEqual(2_000);
  watch.stop();
});
