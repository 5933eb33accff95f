// A workflow call safe to repeat is asked again while the nodes answer UNAVAILABLE (a replica
// not running yet after a restart), until its timeout is up, as a wait is, and so is a list
// page left empty by clusters that cannot answer yet; a node that does not answer at all
// still ends the call at once.

import { afterAll, expect, test } from "bun:test";
import { callFailure } from "../../test/support/outcomes.ts";
import { UnreachableError, UnservedError } from "./client-errors.ts";
import { RaftoralClient } from "./raftoral-client.ts";

const servers: { stop(force: boolean): void }[] = [];
afterAll(() => {
  for (const server of servers) server.stop(true);
});

const NOT_YET = "node 1 does not run its replica of execution cluster 1 yet; retry shortly";

/** An HTTP node that answers UNAVAILABLE to its first `refusals` calls, then serves them. */
function restartingNode(refusals: number) {
  let asked = 0;
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch() {
      asked++;
      if (asked <= refusals) {
        return Response.json(
          { success: false, error: NOT_YET, code: "UNAVAILABLE" },
          { status: 503 },
        );
      }
      const stopped = { workflow_id: "w", execution_cluster_id: "1", status: "Running" };
      return Response.json({ success: true, ...stopped, duplicate: false });
    },
  });
  servers.push(server);
  return { address: `http://127.0.0.1:${server.port}`, asked: () => asked };
}

test("a cancel answered UNAVAILABLE is asked again until the node serves it", async () => {
  const node = restartingNode(6);
  const client = new RaftoralClient([node.address], { retryDelayMs: 50 });
  const stopped = await client.cancel("w", { timeoutMs: 5_000 });
  await client.close();
  expect(stopped).toMatchObject({ workflowId: "w", status: "Running", isDuplicate: false });
  // Two rounds of three attempts each were refused; the seventh call was served.
  expect(node.asked()).toBe(7);
});

test("one that stays UNAVAILABLE fails when its timeout is up, with the node's reason", async () => {
  const node = restartingNode(Number.POSITIVE_INFINITY);
  const client = new RaftoralClient([node.address], { retryDelayMs: 50 });
  const began = performance.now();
  const failure = await callFailure(client.describe("w", { timeoutMs: 1_000 }));
  const tookMs = performance.now() - began;
  await client.close();
  expect(failure).toBeInstanceOf(UnservedError);
  expect(failure.message).toContain(NOT_YET);
  expect(tookMs).toBeGreaterThan(900);
  expect(node.asked()).toBeGreaterThan(6);
});

test("a node that does not answer at all still ends the call at once", async () => {
  const client = new RaftoralClient(["http://127.0.0.1:1"], { retryDelayMs: 50 });
  const began = performance.now();
  const failure = await callFailure(client.cancel("w", { timeoutMs: 5_000 }));
  await client.close();
  expect(failure).toBeInstanceOf(UnreachableError);
  expect(performance.now() - began).toBeLessThan(4_000);
});

test("a list page left empty by clusters that cannot answer yet is asked again, not shown", async () => {
  let asked = 0;
  const unavailable = [{ execution_cluster_id: "1", error: NOT_YET }];
  const listed = { workflow_id: "w", execution_cluster_id: "1", name: "ping_pong", version: 1 };
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch() {
      asked++;
      // Three answers while cluster 1 restarts, then the page.
      const workflows = asked <= 3 ? [] : [{ ...listed, status: "completed", started_at_ms: 1 }];
      const missing = asked <= 3 ? unavailable : [];
      return Response.json({ success: true, workflows, unavailable_clusters: missing });
    },
  });
  servers.push(server);
  const client = new RaftoralClient([`http://127.0.0.1:${server.port}`], { retryDelayMs: 50 });
  const page = await client.list({ timeoutMs: 5_000 });
  expect(page.workflows.map((workflow) => workflow.workflowId)).toEqual(["w"]);
  expect(asked).toBe(4);
  // Out of time, the empty page is shown with its reason.
  asked = 0;
  const short = await client.list({ timeoutMs: 120 });
  await client.close();
  expect(short.workflows).toEqual([]);
  expect(short.unavailableClusters.map((cluster) => cluster.error)).toEqual([NOT_YET]);
});
