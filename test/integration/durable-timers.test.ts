// Durable timers on in-process nodes with real transports: the owner of a sleeping workflow
// is killed, and the workflow wakes on a survivor at its recorded time, not before, once.

import { afterEach, expect, test } from "bun:test";
import { RaftoralClient } from "../../src/client/index.ts";
import type { GroupId } from "../../src/lib/index.ts";
import type { RaftoralNode } from "../../src/node/index.ts";
import { defineWorkflow, timerDueAtMs } from "../../src/workflow/index.ts";
import { startInProcessCluster } from "../support/in-process-cluster.ts";
import { eventually } from "../support/ports.ts";

const nodes: RaftoralNode[] = [];
const clients: RaftoralClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all(nodes.splice(0).map((node) => node.stop()));
});

/** Sleeps `input`, then reports how long it slept by its own recorded clock. */
const nap = defineWorkflow("nap", 1, async (input: string, ctx) => {
  const before = ctx.now();
  await ctx.sleep(input);
  // ctx is read in the workflow code: a step body must not call it.
  const sleptMs = ctx.now() - before;
  return await ctx.step("after", () => ({ sleptMs }));
});

function cluster(size: number): Promise<string[]> {
  return startInProcessCluster({ size, transport: "grpc", into: nodes, workflows: [nap] });
}

test("the owner of a sleeping workflow is killed; a survivor wakes it on time", async () => {
  const addresses = await cluster(3);
  await eventually("execution group 1 has three voters", () => {
    return nodes[0]?.managementState().groups.get(1 as GroupId)?.voters.length === 3;
  });
  const client = new RaftoralClient(addresses, { timeoutMs: 15_000 });
  clients.push(client);
  const started = await client.start("nap", "4s", { workflowId: "nap-1" });
  const group = Number(started.executionClusterId) as GroupId;
  const record = () =>
    nodes.find((n) => n.workflowState(group) !== undefined)?.workflowState(group);
  await eventually("the timer is recorded", () =>
    (record()?.execution("nap-1")?.checkpoints ?? []).some((c) => c.kind === "sleep"),
  );
  const execution = record()?.execution("nap-1");
  const owner = execution?.owner;
  const sleep = execution?.checkpoints.find((c) => c.kind === "sleep");
  const dueAtMs = sleep === undefined ? 0 : timerDueAtMs(sleep);
  const described = await client.describe(started);
  expect(described).toMatchObject({ status: "sleeping", wakeAtMs: dueAtMs, ownerNodeId: owner });
  const victim = nodes.find((n) => n.nodeId === owner) as RaftoralNode;
  await victim.kill();
  const survivors = addresses.filter((a) => a !== victim.address);
  const waiting = new RaftoralClient(survivors, { timeoutMs: 15_000 });
  clients.push(waiting);
  const result = await waiting.wait({ workflowId: "nap-1" }, { timeoutMs: 30_000 });
  expect(result).toMatchObject({ status: "completed" });
  expect((result as { output: { sleptMs: number } }).output.sleptMs).toBeGreaterThanOrEqual(4_000);
  const survivor = nodes.find((n) => n !== victim && n.workflowState(group) !== undefined);
  const finished = survivor?.workflowState(group)?.execution("nap-1");
  const wakes = (finished?.checkpoints ?? []).filter((c) => c.kind === "wake");
  expect(wakes).toHaveLength(1);
  expect(wakes[0]?.atMs).toBeGreaterThanOrEqual(dueAtMs);
  expect(finished?.owner).not.toBe(owner);
  expect(wakes[0]?.ownerEpoch).toBeGreaterThan(1);
}, 90_000);
