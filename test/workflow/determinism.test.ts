// A determinism violation fails only the execution that diverged, with an error naming the
// step; the node that found it, and every other execution, carry on.

import { expect, test } from "bun:test";
import { nodeId } from "../../src/lib/index.ts";
import type { StartedExecution } from "../../src/workflow/index.ts";
import {
  defineWorkflow,
  registryWithBuiltins,
  type WorkflowContext,
} from "../../src/workflow/index.ts";
import { G1, WorkflowCluster } from "../support/workflow-cluster.ts";
import { track } from "../support/workflow-local-group.ts";

test("replay that diverges fails that workflow only, naming the step; the node keeps running", async () => {
  let cluster: WorkflowCluster | undefined;
  const pause = () => new Promise<void>((resolve) => cluster?.clock.setTimer(40, resolve));
  // Node 1 runs the code as first deployed; nodes 2 and 3 got an edited copy under the SAME
  // version (the mistake the determinism check exists for): "charge" was renamed "bill".
  const original = defineWorkflow("evolving", 1, async (_input: null, ctx: WorkflowContext) => {
    await ctx.step("reserve", () => "reserved");
    await ctx.step("charge", () => "charged");
    await ctx.step("ship", pause);
    return "done";
  });
  const edited = defineWorkflow("evolving", 1, async (_input: null, ctx: WorkflowContext) => {
    await ctx.step("reserve", () => "reserved");
    await ctx.step("bill", () => "billed");
    await ctx.step("ship", pause);
    return "done";
  });
  cluster = new WorkflowCluster({
    size: 3,
    seed: 3,
    registry: (id) => registryWithBuiltins([id === 1 ? original : edited]),
  });
  await cluster.startAll();
  const one = cluster.node(nodeId(1));
  const two = cluster.node(nodeId(2));
  const started = track(one.runtime.start("evolving", 1, null));
  const other = track(two.runtime.start("ping_pong", 1, "ping"));
  await cluster.until(() => started.done && other.done);
  const workflowId = (started.value as StartedExecution).workflowId;
  await cluster.until(
    () => (two.stateMachine.execution(workflowId)?.checkpoints.length ?? 0) === 2,
  );
  await cluster.crash(one.id);
  await cluster.until(() => cluster?.leader() !== undefined);
  const moved = track(
    cluster.leader()?.runtime.reassignOwners([two.id, nodeId(3)]) ?? Promise.resolve([]),
  );
  await cluster.until(() => moved.done);

  for (const node of cluster.upNodes()) {
    const waited = track(node.queries.wait(workflowId, 10_000));
    await cluster.until(() => waited.done);
    expect(waited.value?.status).toBe("Failed");
    const error = waited.value?.error;
    expect(error?.name).toBe("DeterminismViolationError");
    expect(error?.code).toBe("DETERMINISM_VIOLATION");
    expect(error?.message).toContain(`workflow ${workflowId}: replay diverged at checkpoint 1`);
    expect(error?.message).toContain(
      'the log recorded step "charge" but the code now calls step "bill"',
    );
  }
  expect(cluster.warnings.some((line) => line.includes("Workflow diverged from its record"))).toBe(
    true,
  );

  // Nothing else was harmed: the other workflow completed, the nodes keep serving.
  expect(two.stateMachine.status((other.value as StartedExecution).workflowId)?.status).toBe(
    "Completed",
  );
  for (const node of cluster.upNodes()) {
    const again = track(node.runtime.start("ping_pong", 1, "ping"));
    await cluster.until(() => again.done);
    const waited = track(node.queries.wait((again.value as StartedExecution).workflowId, 10_000));
    await cluster.until(() => waited.done);
    expect(waited.value?.output).toBe("pong");
    expect(node.fatal).toBeUndefined();
    expect(node.host.hasGroup(G1)).toBe(true);
  }
});
