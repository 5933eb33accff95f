import { expect, test } from "bun:test";
import { VirtualClock } from "./clock.ts";
import { SoonOnce } from "./soon-once.ts";

/** A virtual clock whose runSoon throws for the next `refusing` calls. */
class RefusingClock extends VirtualClock {
  refusing = 0;

  override runSoon(callback: () => void): void {
    if (this.refusing > 0) {
      this.refusing--;
      throw new Error("timers are refused here");
    }
    super.runSoon(callback);
  }
}

test("requests while a run is pending make no second run", () => {
  const clock = new VirtualClock();
  let runs = 0;
  const soon = new SoonOnce(clock, () => runs++);
  expect(soon.request()).toBe(true);
  expect(soon.request()).toBe(false);
  expect(soon.isPending).toBe(true);
  clock.advance(0);
  expect(runs).toBe(1);
  expect(soon.isPending).toBe(false);
  expect(soon.request()).toBe(true);
  clock.advance(0);
  expect(runs).toBe(2);
});

test("a runSoon that throws leaves nothing pending: the next request schedules", () => {
  const clock = new RefusingClock();
  let runs = 0;
  const soon = new SoonOnce(clock, () => runs++);
  clock.refusing = 1;
  expect(() => soon.request()).toThrow("timers are refused here");
  expect(soon.isPending).toBe(false);
  expect(soon.request()).toBe(true);
  clock.advance(0);
  expect(runs).toBe(1);
});

test("a forgotten run lets the next request schedule, and may still come", () => {
  const clock = new VirtualClock();
  let runs = 0;
  const soon = new SoonOnce(clock, () => runs++);
  soon.request();
  soon.forget();
  expect(soon.request()).toBe(true);
  clock.advance(0);
  expect(runs).toBe(2);
});
