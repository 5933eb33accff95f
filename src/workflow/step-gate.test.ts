import { expect, test } from "bun:test";
import { StepGate } from "./step-gate.ts";

test("closing waits for the slots held, and no step enters once closed", async () => {
  const gate = new StepGate();
  const first = gate.enter();
  const second = gate.enter();
  if (first === undefined || second === undefined) throw new Error("an open gate let no step in");
  let isDrained = false;
  const drained = gate.close().then(() => {
    isDrained = true;
  });
  expect(gate.enter()).toBeUndefined();
  first();
  first(); // a second release of the same slot counts once
  await Promise.resolve();
  expect(isDrained).toBe(false);
  second();
  await drained;
  expect(isDrained).toBe(true);
});

test("closing with no slot held resolves at once", async () => {
  await new StepGate().close();
});
