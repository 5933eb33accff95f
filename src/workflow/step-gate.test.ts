import { expect, test } from "bun:test";
import { StepGate } from "./step-gate.ts";

test("closing waits for the slots held, and no step enters once closed", async () => {
  const gate = new StepGate();
  const first = await gate.enter();
  const second = await gate.enter();
  let isDrained = false;
  const drained = gate.close().then(() => {
    isDrained = true;
  });
  let isLateIn = false;
  void gate.enter().then(() => {
    isLateIn = true;
  });
  first();
  first(); // a second release of the same slot counts once
  await Promise.resolve();
  expect(isDrained).toBe(false);
  second();
  await drained;
  expect(isDrained).toBe(true);
  await Promise.resolve();
  expect(isLateIn).toBe(false);
});

test("closing with no slot held resolves at once", async () => {
  await new StepGate().close();
});
