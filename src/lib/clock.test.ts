import { describe, expect, test } from "bun:test";
import { VirtualClock } from "./clock.ts";

describe("virtual clock", () => {
  test("timers fire in due order, ties in scheduling order", () => {
    const clock = new VirtualClock();
    const fired: string[] = [];
    clock.setTimer(20, () => fired.push("b"));
    clock.setTimer(10, () => fired.push("a"));
    clock.setTimer(20, () => fired.push("c"));
    clock.advance(15);
    expect(fired).toEqual(["a"]);
    expect(clock.nowMs()).toBe(15);
    clock.advance(5);
    expect(fired).toEqual(["a", "b", "c"]);
  });

  test("a timer sees the time it was due at, and may schedule more", () => {
    const clock = new VirtualClock(100);
    const seen: number[] = [];
    clock.setTimer(10, () => {
      seen.push(clock.nowMs());
      clock.setTimer(5, () => seen.push(clock.nowMs()));
    });
    clock.advance(100);
    expect(seen).toEqual([110, 115]);
    expect(clock.nowMs()).toBe(200);
  });

  test("cancelled timers never fire", () => {
    const clock = new VirtualClock();
    let fired = false;
    const cancel = clock.setTimer(1, () => {
      fired = true;
    });
    cancel();
    clock.advance(10);
    expect(fired).toBe(false);
    expect(clock.pendingTimers()).toBe(0);
  });

  test("time cannot go backwards", () => {
    expect(() => new VirtualClock().advance(-1)).toThrow("backwards");
  });
});
