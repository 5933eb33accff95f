// The node's effects as workflow code reaches them: each runs outside the workflow's scope.
// Workflow code runs under the determinism guards (determinism-guards.ts), which refuse
// timers there and give Date and Math.random the workflow's own values; the node's code behind
// an effect (a proposal, a read barrier, a timer, the Raft loop it wakes) must see the real
// ones. One effect left inside once wedged a node for good (stop 64): after a pause, a run's
// catch-up read (mayStartStep) woke the idle Raft loop from the workflow's scope, the guarded
// setImmediate refused, and the loop, marked as woken, never turned again.

import type { DeterminismGuards } from "./determinism-guards.ts";
import type { ReplayEffects } from "./replay-cursor.ts";

/**
 * Each effect by name, an absent one undefined. An effect added to ReplayEffects and not
 * placed here is dropped, which effects-outside.test.ts, calling every one, does not let pass.
 */
type EveryEffect = { [K in keyof ReplayEffects]: ReplayEffects[K] | undefined };

export function outsideWorkflowCode(
  effects: ReplayEffects,
  guards: DeterminismGuards,
): ReplayEffects {
  const outside = <T>(fn: () => T): T => guards.run(undefined, fn);
  const { children, ahead, mayStartStep, cancelRequested, mayPairWaits } = effects;
  const every: EveryEffect = {
    record: (checkpoint) => outside(() => effects.record(checkpoint)),
    sleep: (delayMs) => outside(() => effects.sleep(delayMs)),
    wallClockMs: () => outside(() => effects.wallClockMs()),
    monotonicMs: () => outside(() => effects.monotonicMs()),
    nextEvent: (name) => outside(() => effects.nextEvent(name)),
    stepRan: (report) => outside(() => effects.stepRan(report)),
    children: children && { start: (request) => outside(() => children.start(request)) },
    // Bookkeeping only (step-gate.ts): it reads no clock and schedules nothing.
    stepGate: effects.stepGate,
    mayStartStep: mayStartStep && (() => outside(() => mayStartStep.call(effects))),
    cancelRequested: cancelRequested && (() => outside(() => cancelRequested.call(effects))),
    ahead: ahead && {
      allows: (checkpoint) => outside(() => ahead.allows(checkpoint)),
      later: (propose) => outside(() => ahead.later(propose)),
    },
    mayPairWaits: mayPairWaits && (() => outside(() => mayPairWaits.call(effects))),
  };
  // The absent optional effects stay absent (`in` tells a harness that gave none).
  return Object.fromEntries(
    Object.entries(every).filter(([, effect]) => effect !== undefined),
  ) as unknown as ReplayEffects;
}
