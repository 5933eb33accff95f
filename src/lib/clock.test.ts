import { describe, expect, test } from "bun:test";
import { RealClock, VirtualClock } from "./clock.ts";

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

describe("real clock", () => {
  test("a delay past what setTimeout takes does not fire at once", async () => {
    const clock = new RealClock();
    let isLongFired = false;
    const cancelLong = clock.setTimer(30 * 86_400_000, () => {
      isLongFired = true;
    });
    // Before, the runtime fired a delay over 2^31 - 1 ms after 1 ms.
    await new Promise<void>((resolve) => clock.setTimer(50, resolve));
    cancelLong();
    expect(isLongFired).toBe(false);
  });

  test("a long delay waited out in pieces fires once, when due, and can be cancelled", async () => {
    const clock = new RealClock(20);
    const startMs = clock.nowMs();
    const firedAtMs = await new Promise<number>((resolve) =>
      clock.setTimer(100, () => resolve(clock.nowMs())),
    );
    expect(firedAtMs - startMs).toBeGreaterThanOrEqual(99);
    let isCancelledFired = false;
    const cancel = clock.setTimer(100, () => {
      isCancelledFired = true;
    });
    await new Promise<void>((resolve) => clock.setTimer(30, resolve));
    cancel();
    await new Promise<void>((resolve) => clock.setTimer(150, resolve));
    expect(isCancelledFired).toBe(false);
  });
});
