// Child workflows on in-process nodes with real transports: a parent starts a child that
// sleeps, waits for its result, and the node that owns both is killed meanwhile; a survivor
// finishes them, the child started once, and the parent gets the child's output.

import { afterEach, expect, test } from "bun:test";
import { RaftoralClient } from "../../src/client/index.ts";
import type { GroupId } from "../../src/lib/index.ts";
import type { RaftoralNode } from "../../src/node/index.ts";
import { defineWorkflow } from "../../src/workflow/index.ts";
import { startInProcessCluster } from "../support/in-process-cluster.ts";
import { eventually } from "../support/ports.ts";

const nodes: RaftoralNode[] = [];
const clients: RaftoralClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all(nodes.splice(0).map((node) => node.stop()));
});

const remind = defineWorkflow("remind", 1, async (who: string, ctx) => {
  await ctx.sleep("3s");
  return await ctx.step("send", () => `reminded ${who}`);
});

const onboard = defineWorkflow("onboard", 1, async (who: string, ctx) => {
  const reminder = await ctx.startChild(remind, who);
  return { child: reminder.workflowId, said: await reminder.result() };
});

test("the owner of a parent and its child is killed; a survivor finishes both", async () => {
  const addresses = await startInProcessCluster({
    size: 3,
    transport: "grpc",
    into: nodes,
    workflows: [remind, onboard],
  });
  await eventually("execution group 1 has three voters", () => {
    return nodes[0]?.managementState().groups.get(1 as GroupId)?.voters.length === 3;
  });
  const client = new RaftoralClient(addresses, { timeoutMs: 15_000 });
  clients.push(client);
  const started = await client.start(onboard, "ada", { workflowId: "onboard-ada" });
  const group = Number(started.executionClusterId) as GroupId;
  const state = () => nodes.find((n) => n.workflowState(group) !== undefined)?.workflowState(group);
  await eventually("the parent waits for its child", () =>
    (state()?.execution("onboard-ada")?.checkpoints ?? []).some((c) => c.kind === "event-wait"),
  );
  // Waiting, it names the child it waits for (the event behind the wait is internal).
  expect(await client.describe(started)).toMatchObject({
    status: "waiting",
    waitingForChild: "onboard-ada:child-0",
  });
  const owner = state()?.execution("onboard-ada")?.owner;
  const victim = nodes.find((n) => n.nodeId === owner) as RaftoralNode;
  await victim.kill();

  const survivors = new RaftoralClient(
    addresses.filter((a) => a !== victim.address),
    { timeoutMs: 15_000 },
  );
  clients.push(survivors);
  const result = await survivors.wait(started, { timeoutMs: 60_000 });
  expect(result).toMatchObject({
    status: "completed",
    output: { child: "onboard-ada:child-0", said: "reminded ada" },
  });
  const child = await survivors.describe("onboard-ada:child-0");
  expect(child.status).toBe("completed");
  expect(child.checkpoints.filter((c) => c.kind === "step")).toHaveLength(1);
  const parent = await survivors.describe(started);
  expect(parent.ownerNodeId).not.toBe(owner);
  expect(parent.checkpoints.map((c) => c.kind)).toEqual(["child", "event-wait", "event"]);
  // The child call names the child it started, and where it runs.
  expect(parent.checkpoints[0]).toMatchObject({
    childWorkflowId: "onboard-ada:child-0",
    childExecutionClusterId: child.executionClusterId,
  });
  // A caller cannot forge a child's result: those event names and ids are reserved.
  const forgedName = await survivors.signal(started, "raftoral:child:0", "x").catch((e) => e);
  expect(forgedName).toMatchObject({ code: "INVALID_ARGUMENT" });
  const forgedId = await survivors
    .signal(started, "paid", 1, { eventId: "raftoral:child:0" })
    .catch((e) => e);
  expect(forgedId).toMatchObject({ code: "INVALID_ARGUMENT" });
}, 90_000);
