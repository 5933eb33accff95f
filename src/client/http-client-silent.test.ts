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

/** A node whose /health answers after `healthMs` (never: undefined) and the rest after `callMs`. */
function slowNode(callMs: number, healthMs: number | undefined) {
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request) {
      const isHealth = new URL(request.url).pathname === "/health";
      if (isHealth && healthMs === undefined) return new Promise<Response>(() => undefined);
      await Bun.sleep(isHealth ? (healthMs ?? 0) : callMs);
      return Response.json(isHealth ? { status: "ok" } : PEERS);
    },
  });
  cleanups.push(() => server.stop(true));
  return new HttpProtocolClient(`127.0.0.1:${server.port}`, { keepalive: KEEPALIVE });
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
  const client = slowNode(1_000, 0);
  expect((await client.discover(LONG_CALL)).nodeId).toBe(1 as never);
});

test("a ping left unanswered by one stretch of calls does not count against the next", async () => {
  const client = slowNode(100, undefined);
  expect((await client.discover(LONG_CALL)).nodeId).toBe(1 as never);
  await Bun.sleep(2 * KEEPALIVE.timeoutMs);
  expect((await client.discover(LONG_CALL)).nodeId).toBe(1 as never);
});
