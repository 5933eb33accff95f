// The simulation's workflow: a checkpointed counter, steps that take virtual time (some
// failing their first attempt and retried), and a witness that ctx.now()/ctx.random()
// replay identically. Its output is predictable from its input, so the simulation can check
// every result.

import type { Clock } from "../../src/lib/index.ts";
import { defineWorkflow, type StepInfo, type WorkflowContext } from "../../src/workflow/index.ts";

export interface SimJobInput {
  readonly steps: number;
  /** Fail at the end, after all steps, with an error naming the job. */
  readonly shouldFail: boolean;
  readonly label: string;
  /** After the first step, durable timers of this many ms and half of it, at once (0: none). */
  readonly napMs: number;
  [key: string]: number | boolean | string;
}

export interface SimHooks {
  readonly clock: () => Clock;
  /** Called as every step body starts (the checker counts and vets it). */
  readonly onBody: (info: StepInfo) => void;
}

/** What the job returns for `steps` steps: the sum of 10k+1 over k < steps. */
export function expectedSum(steps: number): number {
  return 5 * steps * (steps - 1) + steps;
}

function pauseMs(idempotencyKey: string): number {
  let hash = 0;
  for (let k = 0; k < idempotencyKey.length; k++)
    hash = (hash * 31 + idempotencyKey.charCodeAt(k)) >>> 0;
  return 5 + (hash % 60);
}

export function simJob(hooks: SimHooks) {
  return defineWorkflow("sim_job", 1, async (input: SimJobInput, ctx: WorkflowContext) => {
    const progress = await ctx.checkpoint("progress", 0);
    const t0 = ctx.now();
    const r0 = ctx.random();
    const witness = await ctx.checkpoint("witness", { t0, r0 });
    if (witness.get().t0 !== t0 || witness.get().r0 !== r0) {
      throw new Error(
        `ctx.now()/ctx.random() replayed differently: ${JSON.stringify(witness.get())} vs ${t0}/${r0}`,
      );
    }
    let sum = 0;
    for (let k = 0; k < input.steps; k++) {
      const isFlaky = k % 3 === 2;
      sum += await ctx.step(
        `work-${k}`,
        async (info) => {
          hooks.onBody(info);
          await new Promise<void>((resolve) =>
            hooks.clock().setTimer(pauseMs(info.idempotencyKey), resolve),
          );
          if (isFlaky && info.attempt === 1) throw new Error("transient failure");
          return 10 * k + 1;
        },
        isFlaky ? { retry: { attemptsMax: 3, initialDelayMs: 5 } } : undefined,
      );
      await progress.set(k + 1);
      if (k === 0 && input.napMs > 0) await nap(ctx, input.napMs);
    }
    if (ctx.now() < t0) throw new Error("ctx.now() went backwards");
    if (input.shouldFail)
      throw new Error(`job ${input.label} failed on purpose after ${progress.get()} steps`);
    return { sum, steps: progress.get() };
  });
}

/**
 * Two durable timers at once, the longer called first (they end in call order); throws
 * (failing the job visibly) if it woke before its time.
 */
async function nap(ctx: WorkflowContext, napMs: number): Promise<void> {
  const before = ctx.now();
  await Promise.all([ctx.sleep(napMs), ctx.sleep(Math.floor(napMs / 2))]);
  if (ctx.now() < before + napMs) {
    throw new Error(`ctx.sleep(${napMs}) woke at ${ctx.now()}, before ${before + napMs}`);
  }
}
