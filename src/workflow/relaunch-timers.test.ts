// The runtime's relaunch timers under a virtual clock whose wall time the test steps: due
// times follow a step of the wall clock, plain delays do not, and the step check runs only
// while a due time is armed.

import { describe, expect, test } from "bun:test";
import { VirtualClock } from "../lib/index.ts";
import { RelaunchTimers, STEP_CHECK_MS } from "./relaunch-timers.ts";

function setup() {
  const clock = new VirtualClock();
  let stepMs = 0;
  const due: string[] = [];
  const steps: number[] = [];
  const timers = new RelaunchTimers({
    clock,
    wallClockMs: () => clock.wallMs() + stepMs,
    onDue: (workflowId) => due.push(workflowId),
    onClockStep: (step) => steps.push(step),
  });
  return { clock, timers, due, steps, step: (ms: number) => (stepMs += ms) };
}

describe("RelaunchTimers", () => {
  test("a due time follows a step of the wall clock; a plain delay does not", () => {
    const { clock, timers, due, steps, step } = setup();
    timers.armWake("sleeper", 1, clock.wallMs() + 60_000);
    timers.armDelay("retry", 1, 30_000);
    clock.advance(5_000);
    step(50_000); // NTP steps the clock 50 s forward: the sleeper is due 5 s from now.
    clock.advance(STEP_CHECK_MS);
    expect(steps).toEqual([50_000]);
    clock.advance(4_999);
    expect(due).toEqual(["sleeper"]);
    clock.advance(20_000);
    expect(due).toEqual(["sleeper", "retry"]);
  });

  test("the step check stops once no due time is armed, and starts again with the next", () => {
    const { clock, timers, due } = setup();
    timers.armWake("a", 1, clock.wallMs() + 2_000);
    timers.armWake("b", 1, clock.wallMs() + 100_000);
    timers.cancel("b");
    clock.advance(2_000);
    expect(due).toEqual(["a"]);
    clock.advance(STEP_CHECK_MS);
    expect(clock.pendingTimers()).toBe(0);
    timers.armWake("c", 1, Number.POSITIVE_INFINITY); // An event wait without a timeout.
    expect(clock.pendingTimers()).toBe(1);
    timers.armWake("d", 1, clock.wallMs() + 10_000);
    expect(clock.pendingTimers()).toBe(3);
    timers.cancelAll();
    expect(clock.pendingTimers()).toBe(0);
  });
});
