// A start's W3C trace travels into the workflow's record: a traceparent sent as an HTTP
// header, as gRPC metadata or through the client shows up in describe (and in every log
// line about the workflow, see src/node/workflow-log.test.ts); a start without one gets a
// fresh trace; a malformed header is ignored, as the standard asks.

import { afterEach, describe, expect, test } from "bun:test";
import { RaftoralClient } from "../../src/client/index.ts";
import { isTraceId } from "../../src/lib/index.ts";
import type { RaftoralNode } from "../../src/node/index.ts";
import { startInProcessCluster } from "../support/in-process-cluster.ts";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const TRACEPARENT = `00-${TRACE}-00f067aa0ba902b7-01`;

const nodes: RaftoralNode[] = [];
const clients: RaftoralClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all(nodes.splice(0).map((node) => node.stop()));
});

describe.each(["http", "grpc"] as const)("traces over %s", (transport) => {
  test("the caller's trace is recorded; a start without one gets its own", async () => {
    const addresses = await startInProcessCluster({ size: 2, transport, into: nodes });
    const client = new RaftoralClient(addresses, { timeoutMs: 15_000, transport });
    clients.push(client);

    const traced = await client.start("ping_pong", "ping", { traceparent: TRACEPARENT });
    expect((await client.describe(traced)).traceId).toBe(TRACE);

    const fresh = await client.start("ping_pong", "ping");
    const freshTrace = (await client.describe(fresh)).traceId;
    expect(isTraceId(freshTrace)).toBe(true);
    expect(freshTrace).not.toBe(TRACE);

    await expect(client.start("ping_pong", "ping", { traceparent: "nonsense" })).rejects.toThrow(
      /traceparent 'nonsense' is not a W3C traceparent/,
    );
  });
});

test("an HTTP traceparent header is read; a malformed one is ignored", async () => {
  const [address] = await startInProcessCluster({ size: 1, transport: "http", into: nodes });
  const client = new RaftoralClient([address as string], { timeoutMs: 15_000, transport: "http" });
  clients.push(client);
  const start = async (traceparent: string) => {
    const response = await fetch(`http://${address}/workflow/execute`, {
      method: "POST",
      headers: { "content-type": "application/json", traceparent },
      body: JSON.stringify({ name: "ping_pong", version: 1, input: '"ping"' }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { workflow_id: string };
    return (await client.describe({ workflowId: body.workflow_id })).traceId;
  };
  expect(await start(TRACEPARENT)).toBe(TRACE);
  const ignored = await start(`ff-${TRACE}-00f067aa0ba902b7-01`);
  expect(isTraceId(ignored)).toBe(true);
  expect(ignored).not.toBe(TRACE);
});
