// More workflow waits in flight through one client than it sends calls at once (Bun's fetch:
// 256 per process; the gRPC client: 100 per node) still leave room for the events that end
// them. Before, over HTTP the events queued unsent behind the waits and failed as TIMEOUT, and
// over gRPC every wait past the 100th and then the events were refused at once.

import { afterEach, describe, expect, test } from "bun:test";
import { RaftoralClient } from "../../src/client/index.ts";
import type { RaftoralNode } from "../../src/node/index.ts";
import { defineWorkflow } from "../../src/workflow/index.ts";
import { startInProcessCluster } from "../support/in-process-cluster.ts";

const WAITS = 300;
const nodes: RaftoralNode[] = [];
const clients: RaftoralClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all(nodes.splice(0).map((node) => node.stop()));
});

/** Waits up to an hour for its payment. */
const awaitPayment = defineWorkflow("await_payment", 1, async (_input: null, ctx) => {
  const payment = await ctx.waitForEvent("paid", { timeout: "1h" });
  return payment.isTimedOut ? "unpaid" : "paid";
});

describe.each(["http", "grpc"] as const)("many waits over %s", (transport) => {
  test(`${WAITS} waits in flight through one client, then the events that end them`, async () => {
    const [address] = await startInProcessCluster({
      size: 1,
      transport,
      into: nodes,
      workflows: [awaitPayment],
    });
    const client = new RaftoralClient(address as string, { timeoutMs: 30_000, transport });
    clients.push(client);
    const ids = Array.from({ length: WAITS }, (_, k) => `order-${k}`);
    for (const id of ids) await client.start("await_payment", null, { workflowId: id });
    const results = ids.map((id) => client.wait({ workflowId: id }, { timeoutMs: 60_000 }));
    for (const id of ids) await client.signal(id, "paid", null, { eventId: `paid-${id}` });
    const outcomes = await Promise.all(results);
    const outputs = outcomes.map((outcome) =>
      outcome.status === "completed" ? outcome.output : outcome.status,
    );
    expect(outputs).toEqual(ids.map(() => "paid"));
  }, 60_000);
});
