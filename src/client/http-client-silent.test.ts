// A node that goes silent mid-call: fetch has no ping, so the HTTP client asks the node for
// its health while calls are in flight (HttpLiveness) and abandons them as UNAVAILABLE once it
// answered nothing for the keepalive's timeout, instead of waiting out their deadline.

import { afterAll, expect, test } from "bun:test";
import { callFailure } from "../../test/support/outcomes.ts";
import { HttpProtocolClient } from "./http-client.ts";

const KEEPALIVE = { intervalMs: 50, timeoutMs: 300 };
const LONG_CALL = { timeoutMs: 60_000 };
const cleanups: (() => void)[] = [];
afterAll(() => {
  for (const cleanup of cleanups) cleanup();
});

const PEERS = { node_id: 1, highest_known_node_id: 1, address: "x", management_leader_node_id: 1 };

/**
 * A node whose /health answers after `healthMs` (never: undefined) and the rest after
 * `callMs`; it counts the health requests made, and those whose connection is still open.
 */
function slowNode(callMs: number, healthMs: number | undefined, keepalive = KEEPALIVE) {
  const node = {
    client: undefined as unknown as HttpProtocolClient,
    healthChecksMade: 0,
    healthChecksOpen: 0,
  };
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 0,
    async fetch(request) {
      const isHealth = new URL(request.url).pathname === "/health";
      if (isHealth) node.healthChecksMade++;
      if (isHealth && healthMs === undefined) {
        node.healthChecksOpen++;
        request.signal.addEventListener("abort", () => node.healthChecksOpen--);
        return new Promise<Response>(() => undefined);
      }
      await Bun.sleep(isHealth ? (healthMs ?? 0) : callMs);
      return Response.json(isHealth ? { status: "ok" } : PEERS);
    },
  });
  cleanups.push(() => server.stop(true));
  node.client = new HttpProtocolClient(`127.0.0.1:${server.port}`, { keepalive });
  return node;
}

test("a call to a node that takes connections and answers nothing fails once it is silent", async () => {
  const server = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: { data: () => undefined },
  });
  cleanups.push(() => server.stop(true));
  const client = new HttpProtocolClient(`127.0.0.1:${server.port}`, { keepalive: KEEPALIVE });
  const began = performance.now();
  const failure = await callFailure(client.discover(LONG_CALL));
  expect(performance.now() - began).toBeLessThan(10_000);
  expect(failure.code).toBe("UNAVAILABLE");
  expect(failure.message).toContain(`${client.address} stopped answering: no answer to a ping`);
  expect(failure.isAnswerLost).toBe(true);
});

test("a slow call to a node that answers its health is left to finish", async () => {
  const { client } = slowNode(1_000, 0);
  expect((await client.discover(LONG_CALL)).nodeId).toBe(1 as never);
});

test("more slow calls than fetch sends at once (256) do not hold back the health checks", async () => {
  const { client } = slowNode(1_500, 0);
  const calls = Array.from({ length: 300 }, () => client.discover(LONG_CALL));
  const answers = await Promise.all(calls);
  expect(answers.map((answer) => answer.nodeId)).toEqual(answers.map(() => 1 as never));
});

test("a ping left unanswered by one stretch of calls does not count against the next", async () => {
  const { client } = slowNode(100, undefined);
  expect((await client.discover(LONG_CALL)).nodeId).toBe(1 as never);
  await Bun.sleep(2 * KEEPALIVE.timeoutMs);
  expect((await client.discover(LONG_CALL)).nodeId).toBe(1 as never);
});

test("a health check still unanswered when the calls end is closed with them", async () => {
  // Five seconds before a check would be given up on: only the calls' end closes it sooner.
  const node = slowNode(300, undefined, { intervalMs: 50, timeoutMs: 5_000 });
  expect((await node.client.discover(LONG_CALL)).nodeId).toBe(1 as never);
  expect(node.healthChecksMade).toBeGreaterThan(0);
  const ended = performance.now();
  while (node.healthChecksOpen > 0 && performance.now() - ended < 4_000) await Bun.sleep(10);
  expect(node.healthChecksOpen).toBe(0);
});
