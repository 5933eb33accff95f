// The workflows the whole-system simulation runs besides ping_pong: a few steps with a
// checkpoint and ctx.random, so replays and owner changes have something to get wrong.

import type { WorkflowDefinition } from "../../../src/workflow/index.ts";
import { defineWorkflow } from "../../../src/workflow/index.ts";

export const SIM_STEPS: WorkflowDefinition<{ n: number }> = defineWorkflow(
  "sim_steps",
  1,
  async (input: { n: number }, ctx) => {
    const total = await ctx.checkpoint("total", 0);
    for (let k = 0; k < input.n; k++) {
      const value = await ctx.step(`add-${k}`, ({ idempotencyKey }) => idempotencyKey.length + k);
      await total.set(total.get() + value);
    }
    return { total: total.get(), lucky: Math.floor(ctx.random() * 1000) };
  },
);

/**
 * Ends right after a step, as most workflows do: its last checkpoint and its Complete are
 * proposed together (docs/workflows.md, "Going ahead of a step"). Returns that step's value,
 * which the checker finds recorded as the last checkpoint of every Completed record.
 */
export const SIM_LAST_STEP: WorkflowDefinition<{ n: number }> = defineWorkflow(
  "sim_last_step",
  1,
  async (input: { n: number }, ctx) => {
    let last = 0;
    for (let k = 0; k < input.n; k++) {
      last = await ctx.step(`step-${k}`, ({ idempotencyKey }) => idempotencyKey.length * 10 + k);
    }
    return { steps: input.n, last };
  },
);

/**
 * The waits: a durable timer, a child workflow (which may run in another execution cluster)
 * and its result, then an event that a client may send or that times out. Failovers during
 * any of them must neither lose nor repeat anything the record holds.
 */
export const SIM_WAITS: WorkflowDefinition<{ n: number }> = defineWorkflow(
  "sim_waits",
  1,
  async (input: { n: number }, ctx) => {
    await ctx.sleep(50 * input.n);
    const child = await ctx.startChild(SIM_STEPS, { n: input.n });
    const result = await child.result();
    const nudge = await ctx.waitForEvent<number>("nudge", { timeout: 300 });
    return { child: child.workflowId, result, nudge: nudge.isTimedOut ? null : nudge.payload };
  },
);
