// A server that is no Raftoral node but answers HTTP with JSON (another service on the port, a
// proxy's own page): the client says so instead of taking its answer for a node's, which would
// report a start, an event or a cancel that never happened.

import { afterAll, expect, test } from "bun:test";
import { callFailure } from "../../test/support/outcomes.ts";
import { HttpProtocolClient } from "./http-client.ts";
import { RaftoralClient } from "./raftoral-client.ts";

const call = { timeoutMs: 5_000 };
const cleanups: (() => void)[] = [];
afterAll(() => {
  for (const cleanup of cleanups) cleanup();
});

/** An HTTP server that answers every request with `body`, with status 200. */
function strangerAnswering(body: unknown): string {
  const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => Response.json(body) });
  cleanups.push(() => server.stop(true));
  return `127.0.0.1:${server.port}`;
}

test("an empty JSON object is no started workflow, event, cancel or status", async () => {
  const client = new HttpProtocolClient(strangerAnswering({}));
  const calls = [
    client.startWorkflow({ workflowType: "ping_pong", version: 1, input: "ping" }, call),
    client.signalWorkflow({ workflowId: "order-1", name: "paid", payload: null }, call),
    client.cancelWorkflow({ workflowId: "order-1" }, call),
    client.terminateWorkflow({ workflowId: "order-1" }, call),
    client.describeWorkflow({ workflowId: "order-1" }, call),
    client.waitWorkflow({ workflowId: "order-1", timeoutSeconds: 1 }, call),
    client.listWorkflows({}, call),
    client.clusterStatus(call),
    client.clusterRetention({}, call),
    client.health(call),
  ];
  for (const pending of calls) {
    const failure = await callFailure(pending);
    expect(failure.code).toBe("UNAVAILABLE");
    expect(failure.message).toContain("is it a Raftoral node using --transport http?");
  }
});

test("JSON that is no object is refused naming the route, whatever the status", async () => {
  const client = new HttpProtocolClient(strangerAnswering([1, 2]));
  const failure = await callFailure(client.clusterStatus(call));
  expect(failure.code).toBe("UNAVAILABLE");
  expect(failure.message).toContain("answered /cluster/status with JSON that is no object");
});

test("a start the stranger answered is reported as reaching no node, not as started", async () => {
  const client = new RaftoralClient([`http://${strangerAnswering({ ok: true })}`]);
  const failure = await callFailure(client.start("ping_pong", "ping"));
  await client.close();
  expect(failure.code).toBe("UNAVAILABLE");
  expect(failure.message).toContain("answered /workflow/execute with JSON without 'workflow_id'");
  expect(failure.isAnswerLost).toBe(false);
});
