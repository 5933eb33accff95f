// Workflows on real MultiRaftHost groups of 3 on the memory network, virtual time: ping_pong
// end to end, owner failover, owner restart, and what every member serves.

import { describe, expect, test } from "bun:test";
import { type NodeId, nodeId } from "../../src/lib/index.ts";
import type { StartedExecution } from "../../src/workflow/index.ts";
import {
  defineWorkflow,
  type ExecutionView,
  registryWithBuiltins,
  type WorkflowContext,
} from "../../src/workflow/index.ts";
import { G1, WorkflowCluster } from "../support/workflow-cluster.ts";
import { track } from "../support/workflow-local-group.ts";

/** Steps that take 30 ms of virtual time and count their real runs by idempotency key. */
function countingWorkflow(cluster: () => WorkflowCluster, runs: Map<string, number>) {
  return defineWorkflow("counting", 1, async (steps: number, ctx: WorkflowContext) => {
    let sum = 0;
    for (let k = 0; k < steps; k++) {
      sum += await ctx.step(`step-${k}`, async ({ idempotencyKey }) => {
        runs.set(idempotencyKey, (runs.get(idempotencyKey) ?? 0) + 1);
        await new Promise<void>((resolve) => cluster().clock.setTimer(30, resolve));
        return k + 1;
      });
    }
    return sum;
  });
}

async function countingCluster() {
  const runs = new Map<string, number>();
  let cluster: WorkflowCluster | undefined;
  const definition = countingWorkflow(() => cluster as WorkflowCluster, runs);
  cluster = new WorkflowCluster({
    size: 3,
    seed: 11,
    registry: () => registryWithBuiltins([definition]),
  });
  await cluster.startAll();
  return { cluster, runs };
}

async function waitEverywhere(cluster: WorkflowCluster, workflowId: string, limitMs = 20_000) {
  const views = new Map<NodeId, ExecutionView>();
  for (const node of cluster.upNodes()) {
    // A member that did not propose the Start first catches up with a read barrier.
    const barrier = track(node.host.read(G1));
    await cluster.until(() => barrier.done, limitMs);
    const waited = track(node.queries.wait(workflowId, limitMs));
    await cluster.until(() => waited.done, limitMs);
    if (waited.value === undefined) throw waited.error ?? new Error("no view");
    views.set(node.id, waited.value);
  }
  return views;
}

describe("workflows on a 3-node group", () => {
  test("ping_pong started on a follower completes, and every member serves the result", async () => {
    const { cluster } = await countingCluster();
    const follower = cluster.upNodes().find((node) => node !== cluster.leader());
    if (follower === undefined) throw new Error("no follower");
    const started = track(follower.runtime.start("ping_pong", 1, "ping"));
    await cluster.until(() => started.done);
    const views = await waitEverywhere(cluster, (started.value as StartedExecution).workflowId);
    for (const view of views.values()) {
      expect(view).toMatchObject({ status: "Completed", output: "pong", owner: follower.id });
    }
  });

  test("wait on an unknown id fails at once on every member", async () => {
    const { cluster } = await countingCluster();
    for (const node of cluster.upNodes()) {
      const error = await node.queries
        .wait("00000000-0000-4000-8000-000000000000", 30_000)
        .catch((e: { code: string }) => e);
      expect(error).toMatchObject({ code: "NOT_FOUND" });
    }
  });

  test("the owner crashes mid-step: another member takes over and finishes", async () => {
    const { cluster, runs } = await countingCluster();
    const owner = cluster.node(nodeId(2));
    const started = track(owner.runtime.start("counting", 1, 4));
    await cluster.until(() => started.done);
    const workflowId = (started.value as StartedExecution).workflowId;
    await cluster.until(() => runs.get(`${workflowId}:2`) === 1);
    await cluster.crash(owner.id);
    // The leader's failure detection declares node 2 dead.
    const survivors = cluster.upNodes();
    await cluster.until(() => cluster.leader() !== undefined);
    const moved = track(
      (cluster.leader()?.runtime ?? survivors[0]?.runtime)?.reassignOwners(
        survivors.map((n) => n.id),
      ) ?? Promise.resolve([]),
    );
    await cluster.until(() => moved.done);
    expect(moved.value).toHaveLength(1);
    const views = await waitEverywhere(cluster, workflowId);
    for (const view of views.values()) {
      expect(view).toMatchObject({ status: "Completed", output: 10, ownerEpoch: 2 });
      expect(view.owner).not.toBe(owner.id);
    }
    expect(runs.get(`${workflowId}:0`)).toBe(1);
    expect(runs.get(`${workflowId}:1`)).toBe(1);
    // The step in flight at the crash ran again on the new owner; the rest once.
    expect(runs.get(`${workflowId}:2`)).toBe(2);
    expect(runs.get(`${workflowId}:3`)).toBe(1);
    // The old owner comes back, sees it no longer owns the execution, and serves the result.
    await cluster.startNode(owner.id);
    const back = await waitEverywhere(cluster, workflowId);
    expect(back.get(owner.id)).toEqual(views.get(survivors[0]?.id as NodeId) as ExecutionView);
    expect(runs.get(`${workflowId}:3`)).toBe(1);
  });

  test("a restarted owner resumes its executions from the log", async () => {
    const { cluster, runs } = await countingCluster();
    const owner = cluster.node(nodeId(3));
    const started = track(owner.runtime.start("counting", 1, 3));
    await cluster.until(() => started.done);
    const workflowId = (started.value as StartedExecution).workflowId;
    await cluster.until(() => runs.get(`${workflowId}:1`) === 1);
    await cluster.crash(owner.id);
    await cluster.advance(200);
    await cluster.startNode(owner.id);
    const views = await waitEverywhere(cluster, workflowId);
    for (const view of views.values()) {
      expect(view).toMatchObject({
        status: "Completed",
        output: 6,
        owner: owner.id,
        ownerEpoch: 1,
      });
    }
    expect(runs.get(`${workflowId}:0`)).toBe(1);
    expect(runs.get(`${workflowId}:1`)).toBe(2);
  });
});
