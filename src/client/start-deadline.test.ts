// A start sent to a node that takes it and never answers (an execution cluster that has just
// lost its majority holds it for seconds): the client's deadline passes, and the start may
// still happen, so it is not sent to another node, and the error says what to do. A node's
// own health or leave left unanswered names the node.

import { afterAll, expect, test } from "bun:test";
import { droppingNode } from "../../test/support/dropping-node.ts";
import { callFailure } from "../../test/support/outcomes.ts";
import { UnreachableError } from "./client-errors.ts";
import { RaftoralClient } from "./raftoral-client.ts";

const servers: { stop(force: boolean): void }[] = [];
afterAll(() => {
  for (const server of servers) server.stop(true);
});

/** A node that reads requests and never answers; counts the bytes and connections it got. */
function silentNode(): { address: string; received: () => number; connections: () => number } {
  let bytes = 0;
  let connections = 0;
  const server = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open() {
        connections++;
      },
      data(_socket, data) {
        bytes += data.byteLength;
      },
    },
  });
  servers.push(server);
  return {
    address: `http://127.0.0.1:${server.port}`,
    received: () => bytes,
    connections: () => connections,
  };
}

test("a start without an answer by its deadline is not sent again, and says why", async () => {
  const [first, second] = [silentNode(), silentNode()];
  const client = new RaftoralClient([first.address, second.address], { timeoutMs: 300 });
  const failure = await callFailure(client.start("ping_pong", "ping"));
  await client.close();
  expect(failure.code).toBe("TIMEOUT");
  expect(failure.message).toContain("did not answer start in time");
  expect(failure.message).toContain("it may still be done, so it was not sent again");
  expect(failure.message).toContain("give it a workflowId (--workflow-id on the command line)");
  expect(first.received()).toBeGreaterThan(0);
  expect(second.received()).toBe(0);
});

/** An HTTP node that refuses every call as overloaded. */
function overloadedNode(): { address: string; calls: () => number } {
  let calls = 0;
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: () => {
      calls++;
      const body = { success: false, code: "RESOURCE_EXHAUSTED", error: "too many starts" };
      return Response.json(body, { status: 429 });
    },
  });
  servers.push(server);
  return { address: `http://127.0.0.1:${server.port}`, calls: () => calls };
}

test("a signal without an event id left unanswered names the option that makes it repeatable", async () => {
  const [first, second] = [silentNode(), silentNode()];
  const client = new RaftoralClient([first.address, second.address], { timeoutMs: 300 });
  const failure = await callFailure(client.signal("w-1", "go", "x"));
  await client.close();
  expect(failure.code).toBe("TIMEOUT");
  // The library's option and the command line's flag, with the right article.
  expect(failure.message).toContain("give it an eventId (--event-id on the command line)");
  expect(second.received()).toBe(0);
});

test("a start under an id refused by one node after another lost its answer may have been done", async () => {
  const [dropping, overloaded] = [droppingNode("after-request"), overloadedNode()];
  servers.push(dropping);
  const client = new RaftoralClient([dropping.address, overloaded.address], { timeoutMs: 2_000 });
  const failure = await callFailure(client.start("ping_pong", "ping", { workflowId: "order-7" }));
  await client.close();
  expect(dropping.dropped()).toBe(1);
  expect(overloaded.calls()).toBe(1);
  expect(failure.code).toBe("TIMEOUT");
  expect(failure.isAnswerLost).toBe(true);
  expect(failure.message).toContain("start may have been done: 127.0.0.1:");
  expect(failure.message).toContain(
    "the last attempt failed with RESOURCE_EXHAUSTED: too many starts",
  );
  // The same refusal with no attempt before it says what it is.
  const alone = new RaftoralClient([overloaded.address], { timeoutMs: 2_000 });
  const refusal = await callFailure(alone.start("ping_pong", "ping", { workflowId: "order-8" }));
  await alone.close();
  expect(refusal.code).toBe("RESOURCE_EXHAUSTED");
});

/** An HTTP node that answers every call with `code`, as a node's own refusal. */
function answeringNode(code: string, status: number, error: string): { address: string } {
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: () => Response.json({ success: false, code, error }, { status }),
  });
  servers.push(server);
  return { address: `http://127.0.0.1:${server.port}` };
}

test("a signal a node answered with TIMEOUT stays may-have-been-done when another refuses it", async () => {
  const leaderless = answeringNode(
    "TIMEOUT",
    504,
    "execution cluster 1 has had no leader for 6 s: this call may still be done once its voters are back",
  );
  const refusing = answeringNode("UNAVAILABLE", 503, "execution cluster 1 has had no leader");
  const client = new RaftoralClient([leaderless.address, refusing.address], { timeoutMs: 2_000 });
  const failure = await callFailure(client.signal("w-1", "go", "x", { eventId: "ev-1" }));
  await client.close();
  expect(failure.code).toBe("TIMEOUT");
  expect(failure.isAnswerLost).toBe(true);
  expect(failure.message).toContain("could not say whether it did it");
  expect(failure.message).toContain("the last attempt failed with UNAVAILABLE");
});

test("a call ends when its timeout is spent, however many nodes it could still try", async () => {
  const [first, second] = [silentNode(), silentNode()];
  const client = new RaftoralClient([first.address, second.address], { timeoutMs: 400 });
  const start = await callFailure(client.start("ping_pong", "ping", { workflowId: "order-9" }));
  expect(start.code).toBe("TIMEOUT");
  // Half of the time for the first node, the rest for the second; before, each attempt (four
  // here) had all of it, and the nodes were asked twice each.
  expect([first.connections(), second.connections()]).toEqual([1, 1]);
  // A read gives the node it asks all the time left.
  const described = await callFailure(client.describe({ workflowId: "order-9" }));
  await client.close();
  expect(first.connections() + second.connections()).toBe(3);
  expect(described).toBeInstanceOf(UnreachableError);
  // No node answered the read: that is what the CLI's exit status 3 says.
  expect(described).toBeInstanceOf(UnreachableError);
});

test("a node's health or leave left unanswered names the node, as unreachable or maybe done", async () => {
  const node = silentNode();
  const client = new RaftoralClient(node.address, { timeoutMs: 300 });
  const health = await callFailure(client.health());
  const leave = await callFailure(client.leave({ timeoutMs: 300 }));
  await client.close();
  const address = node.address.replace("http://", "");
  expect(health).toBeInstanceOf(UnreachableError);
  expect(health.message).toContain(`no node answered health (${address}:`);
  expect(leave.code).toBe("TIMEOUT");
  expect(leave.message).toContain(`${address} did not answer leave in time`);
  expect(leave.message).toContain("it may still do it");
});

test("a read whose node goes silent ends with its timeout, the look for the other protocol too", async () => {
  // The node takes the call and goes silent: the client gives the call up after 5 s without
  // an answer to its health checks, asks again with what is left, and then looks whether the
  // node speaks the other protocol. That look took 2 s past the timeout.
  const node = silentNode();
  const timeoutMs = 8_000;
  const client = new RaftoralClient(node.address, { timeoutMs });
  const startedMs = performance.now();
  const failure = await callFailure(client.status());
  const elapsedMs = performance.now() - startedMs;
  await client.close();
  expect(failure).toBeInstanceOf(UnreachableError);
  expect(elapsedMs).toBeLessThan(timeoutMs + 1_000);
}, 20_000);
