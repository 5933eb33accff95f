// Every effect workflow code reaches runs outside the workflow's scope. The list is complete
// by construction: the effects below are Required<ReplayEffects>, so a new effect does not
// compile here until it is given, and then this test calls it from workflow code (one that
// outsideWorkflowCode does not place is missing from what it returns: the call throws).

import { expect, test } from "bun:test";
import type { CodeScope, DeterminismGuards } from "./determinism-guards.ts";
import { outsideWorkflowCode } from "./effects-outside.ts";
import type { CheckpointRecord } from "./execution.ts";
import type { ReplayEffects } from "./replay-cursor.ts";
import { StepGate } from "./step-gate.ts";

const WORKFLOW: CodeScope = { type: "workflow", workflowId: "w", now: () => 0, random: () => 0 };

/** Synchronous guards: what `current` says while each effect runs is all this test needs. */
function stackGuards(): DeterminismGuards {
  let current: CodeScope | undefined;
  return {
    run: (scope, fn) => {
      const outer = current;
      current = scope;
      try {
        return fn();
      } finally {
        current = outer;
      }
    },
    current: () => current,
    hold: () => () => undefined,
  };
}

test("each effect, called from workflow code, runs with no scope", async () => {
  const guards = stackGuards();
  const seen = new Map<string, CodeScope | undefined>();
  const note = <T>(name: string, value: T): T => {
    seen.set(name, guards.current());
    return value;
  };
  const effects: Required<ReplayEffects> = {
    record: () => note("record", Promise.resolve(true)),
    sleep: () => note("sleep", Promise.resolve()),
    wallClockMs: () => note("wallClockMs", 1),
    monotonicMs: () => note("monotonicMs", 1),
    nextEvent: () => note("nextEvent", undefined),
    stepRan: () => note("stepRan", undefined),
    children: { start: () => note("children.start", Promise.resolve({ executionClusterId: "1" })) },
    stepGate: new StepGate(),
    mayStartStep: () => note("mayStartStep", true),
    cancelRequested: () => note("cancelRequested", undefined),
    ahead: {
      allows: () => note("ahead.allows", true),
      later: () => note("ahead.later", undefined),
    },
    mayPairWaits: () => note("mayPairWaits", true),
  };
  const outside = outsideWorkflowCode(effects, guards) as Required<ReplayEffects>;
  const checkpoint = {} as CheckpointRecord;
  guards.run(WORKFLOW, () => {
    expect(guards.current()).toBe(WORKFLOW);
    void outside.record(checkpoint);
    void outside.sleep(1);
    outside.wallClockMs();
    outside.monotonicMs();
    outside.nextEvent("e");
    outside.stepRan({ name: "s", attempts: 1, durationMs: 1, isOk: true });
    void outside.children.start({ name: "c", version: 1, input: null, workflowId: "c" });
    void outside.mayStartStep();
    outside.cancelRequested();
    outside.ahead.allows(checkpoint);
    outside.ahead.later(() => undefined);
    outside.mayPairWaits();
  });
  expect([...seen.keys()].sort()).toEqual(
    [
      "record",
      "sleep",
      "wallClockMs",
      "monotonicMs",
      "nextEvent",
      "stepRan",
      "children.start",
      "mayStartStep",
      "cancelRequested",
      "ahead.allows",
      "ahead.later",
      "mayPairWaits",
    ].sort(),
  );
  for (const [name, scope] of seen) expect({ name, scope }).toEqual({ name, scope: undefined });
  expect(outside.stepGate).toBe(effects.stepGate);
});

test("an effect a harness does not give stays absent", () => {
  const { mayStartStep, cancelRequested, children, ...required } = {} as Required<ReplayEffects>;
  const outside = outsideWorkflowCode(required as ReplayEffects, stackGuards());
  expect("mayStartStep" in outside).toBe(false);
  expect("cancelRequested" in outside).toBe(false);
  expect("children" in outside).toBe(false);
});
