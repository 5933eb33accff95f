// A workflow for runtime tests whose steps take virtual time and count how often each ran.

import {
  defineWorkflow,
  registryWithBuiltins,
  type WorkflowContext,
} from "../../src/workflow/index.ts";
import { LocalWorkflowGroup } from "./workflow-local-group.ts";

/** A workflow whose steps take virtual time and count their real executions. */
function slowWorkflow(group: () => LocalWorkflowGroup, executions: Map<string, number>) {
  return defineWorkflow("slow", 1, async (input: number, ctx: WorkflowContext) => {
    const total = await ctx.checkpoint("total", 0);
    for (let k = 0; k < input; k++) {
      const value = await ctx.step(`add-${k}`, async ({ idempotencyKey }) => {
        executions.set(idempotencyKey, (executions.get(idempotencyKey) ?? 0) + 1);
        await new Promise<void>((resolve) => group().clock.setTimer(20, resolve));
        return k + 1;
      });
      await total.set(total.get() + value);
    }
    return total.get();
  });
}

/** A group running `slow` (input: its number of steps); `executions` counts each step's bodies. */
export function slowGroup() {
  const executions = new Map<string, number>();
  let group: LocalWorkflowGroup | undefined;
  const definition = slowWorkflow(() => group as LocalWorkflowGroup, executions);
  group = new LocalWorkflowGroup({ registry: registryWithBuiltins([definition]) });
  return { group, executions };
}
