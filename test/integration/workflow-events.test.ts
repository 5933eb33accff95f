// Events into running workflows on in-process nodes with real transports: sent from any
// node without the execution cluster id, delivered once in log order (buffered when sent
// before the wait), deduplicated by event id, clear errors for unknown and finished
// workflows, and delivered after the owner of a waiting workflow is killed.

import { afterEach, describe, expect, test } from "bun:test";
import { RaftoralClient } from "../../src/client/index.ts";
import type { GroupId } from "../../src/lib/index.ts";
import type { RaftoralNode } from "../../src/node/index.ts";
import { defineWorkflow, type JsonValue } from "../../src/workflow/index.ts";
import { startInProcessCluster } from "../support/in-process-cluster.ts";
import { eventually } from "../support/ports.ts";

const nodes: RaftoralNode[] = [];
const clients: RaftoralClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all(nodes.splice(0).map((node) => node.stop()));
});

/** Takes `input` "item" events, then waits for "done" up to 20 s. */
const collect = defineWorkflow("collect", 1, async (input: number, ctx) => {
  const items: JsonValue[] = [];
  for (let k = 0; k < input; k++) {
    const got = await ctx.waitForEvent("item");
    if (!got.isTimedOut) items.push(got.payload);
  }
  const done = await ctx.waitForEvent("done", { timeout: "20s" });
  return { items, done: done.isTimedOut ? null : done.payload };
});

async function cluster(size: number, transport: "grpc" | "http"): Promise<string[]> {
  const addresses = await startInProcessCluster({
    size,
    transport,
    into: nodes,
    workflows: [collect],
  });
  await eventually("execution group 1 has every node as a voter", () => {
    return nodes[0]?.managementState().groups.get(1 as GroupId)?.voters.length === size;
  });
  return addresses;
}

function client(addresses: string | string[], transport: "grpc" | "http" = "grpc"): RaftoralClient {
  const made = new RaftoralClient(addresses, { timeoutMs: 15_000, transport });
  clients.push(made);
  return made;
}

describe.each(["http", "grpc"] as const)("events over %s", (transport) => {
  test("sent from any node, delivered once each in log order, duplicates dropped", async () => {
    const addresses = await cluster(3, transport);
    const [first, second, third] = addresses.map((address) => client(address, transport));
    await first?.start("collect", 2, { workflowId: "c-1" });
    // Before the workflow waits for them, through other nodes, without the cluster id.
    const sent = await second?.signal("c-1", "item", { n: 1 }, { eventId: "item-1" });
    expect(sent).toEqual({
      workflowId: "c-1",
      executionClusterId: "1",
      eventId: "item-1",
      isDuplicate: false,
    });
    const again = await third?.signal("c-1", "item", { n: 1 }, { eventId: "item-1" });
    expect(again?.isDuplicate).toBe(true);
    await third?.signal("c-1", "item", { n: 2 });
    await first?.signal("c-1", "done", "ok", { executionClusterId: 1 });
    const result = await second?.wait({ workflowId: "c-1" }, { timeoutMs: 20_000 });
    expect(result).toMatchObject({
      status: "completed",
      output: { items: [{ n: 1 }, { n: 2 }], done: "ok" },
    });
    const described = await third?.describe({ workflowId: "c-1" });
    expect(described).toMatchObject({
      status: "completed",
      name: "collect",
      input: 2,
      output: { items: [{ n: 1 }, { n: 2 }], done: "ok" },
      pendingEvents: 0,
    });
    expect(described?.checkpoints.map((c) => c.kind)).toEqual([
      "event-wait",
      "event",
      "event-wait",
      "event",
      "event-wait",
      "event",
    ]);
    const late = await first?.signal("c-1", "item", 3).catch((e: { code?: string }) => e);
    expect(late).toMatchObject({ code: "FAILED_PRECONDITION" });
    expect((late as Error).message).toContain("workflow c-1 already completed");
    const unknown = await first?.signal("nobody", "item", 3).catch((e: { code?: string }) => e);
    expect(unknown).toMatchObject({ code: "NOT_FOUND" });
    expect((unknown as Error).message).toContain("workflow nobody is not known");
  }, 60_000);
});

test("the owner of a workflow waiting for an event is killed; a survivor delivers it", async () => {
  const addresses = await cluster(3, "grpc");
  await client(addresses).start("collect", 1, { workflowId: "c-2" });
  const waiting = () =>
    nodes.find((n) => n.workflowState(1 as GroupId))?.workflowState(1 as GroupId);
  await eventually("the workflow waits for its event", () =>
    (waiting()?.execution("c-2")?.checkpoints ?? []).some((c) => c.kind === "event-wait"),
  );
  const owner = waiting()?.execution("c-2")?.owner;
  const described = await client(addresses).describe({ workflowId: "c-2" });
  expect(described).toMatchObject({ status: "waiting", waitingFor: "item", ownerNodeId: owner });
  const victim = nodes.find((n) => n.nodeId === owner) as RaftoralNode;
  await victim.kill();
  const survivors = client(addresses.filter((a) => a !== victim.address));
  await survivors.signal("c-2", "item", "after the crash", { eventId: "item-9" });
  await survivors.signal("c-2", "done", "ok", { eventId: "done-9" });
  const result = await survivors.wait({ workflowId: "c-2" }, { timeoutMs: 30_000 });
  expect(result).toMatchObject({
    status: "completed",
    output: { items: ["after the crash"], done: "ok" },
  });
  const record = nodes
    .find((n) => n !== victim)
    ?.workflowState(1 as GroupId)
    ?.execution("c-2");
  expect(record?.owner).not.toBe(owner);
  expect(record?.inbox?.map((event) => event.eventId)).toEqual(["item-9", "done-9"]);
}, 90_000);
