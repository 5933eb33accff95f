// Workflow inputs, outputs, step results and checkpoints may be typed with interfaces, which
// TypeScript never matches with an index-signature type like JsonValue: this file must
// type-check (make check compiles it), and such a workflow runs.

import { expect, test } from "bun:test";
import { LocalWorkflowGroup, track } from "../../test/support/workflow-local-group.ts";
import type { StartedExecution } from "./apply-result.ts";
import { defineWorkflow } from "./definition.ts";
import { registryWithBuiltins } from "./ping-pong.ts";

interface Order {
  readonly id: number;
  readonly items: readonly string[];
  readonly note?: string;
}

interface Total {
  id: number;
  count: number;
}

const totals = defineWorkflow("totals", 1, async (order: Order, ctx): Promise<Total> => {
  const count = await ctx.step("count", (): Total => ({ id: order.id, count: order.items.length }));
  const seen = await ctx.checkpoint<Total>("seen", { id: 0, count: 0 });
  await seen.set(count);
  return seen.get();
});

// @ts-expect-error a bigint is not JSON
defineWorkflow("bigint", 1, async (value: bigint) => Number(value));

test("a workflow typed with interfaces runs, its values recorded as JSON", async () => {
  const group = new LocalWorkflowGroup({ registry: registryWithBuiltins([totals]) });
  const runtime = group.runtime();
  runtime.open();
  const order: Order = { id: 7, items: ["a", "b", "c"] };
  const started = track(runtime.start("totals", 1, order));
  await group.until(() => started.done);
  const finished = track(group.queries.wait((started.value as StartedExecution).workflowId, 5_000));
  await group.until(() => finished.done);
  expect(finished.value).toMatchObject({ status: "Completed", output: { id: 7, count: 3 } });
});
