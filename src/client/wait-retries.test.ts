// A wait is safe to repeat: while no node can serve it (the cluster restarting), the client
// asks again until the wait's own time is up, not for one round of attempts only; and a
// node asked after another was given up on is asked to wait only for what is left.

import { afterAll, expect, test } from "bun:test";
import { droppingNode } from "../../test/support/dropping-node.ts";
import { callFailure } from "../../test/support/outcomes.ts";
import { UnreachableError } from "./client-errors.ts";
import { RaftoralClient } from "./raftoral-client.ts";

const servers: { stop(force: boolean): void }[] = [];
afterAll(() => {
  for (const server of servers) server.stop(true);
});

test("a wait goes on asking a node that drops every call until its time is up", async () => {
  const node = droppingNode("on-open");
  servers.push(node);
  const client = new RaftoralClient([node.address], { attemptsMax: 2 });
  const failure = await callFailure(client.wait({ workflowId: "gone" }, { timeoutMs: 1_500 }));
  await client.close();
  expect(failure).toBeInstanceOf(UnreachableError);
  // One round is the two attempts and a probe of the other protocol (3 connections, all that
  // a wait made before); the wait's 1.5 s hold several rounds 200 ms apart.
  expect(node.dropped()).toBeGreaterThan(5);
});

test("a wait moved on from a silent node asks the next one for what is left of its time", async () => {
  // The first node takes every request, its health checks too, and never answers.
  const silent = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 0,
    fetch: () => new Promise<Response>(() => undefined),
  });
  const asked: number[] = [];
  const answering = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(request) {
      asked.push(Number(new URL(request.url).searchParams.get("timeout_seconds")));
      return Response.json({ success: true, result: '"done"' });
    },
  });
  servers.push(silent, answering);
  const addresses = [silent, answering].map(({ port }) => `http://127.0.0.1:${port}`);
  const client = new RaftoralClient(addresses, { transport: "http" });
  const began = performance.now();
  const result = await client.wait({ workflowId: "w" }, { timeoutMs: 10_000 });
  const tookMs = performance.now() - began;
  await client.close();
  expect(result.status).toBe("completed");
  // The silent node took about 5 s (the client's health checks gave up on it) of the 10.
  expect(asked).toHaveLength(1);
  expect(asked[0]).toBeLessThanOrEqual(Math.ceil((10_000 - tookMs) / 1000) + 1);
  expect(asked[0]).toBeLessThan(10);
}, 30_000);
