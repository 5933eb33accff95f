// Waits that hold their requests until workflows end leave room for the calls that end them:
// with more waits in flight than Bun's fetch sends at once (256), a call made meanwhile used
// to queue behind them, unsent, until its deadline passed.

import { afterAll, expect, test } from "bun:test";
import { ClientClosedError, NotSentError } from "./client-errors.ts";
import { HttpProtocolClient } from "./http-client.ts";
import { RaftoralClient } from "./raftoral-client.ts";

const cleanups: (() => void)[] = [];
afterAll(() => {
  for (const cleanup of cleanups) cleanup();
});

/** A node whose waits all answer once a signal came (or `release()`), counting those it got. */
function heldWaitsNode() {
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const node = { client: undefined as unknown as HttpProtocolClient, waitsReceived: 0, release };
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 0,
    async fetch(request) {
      const path = new URL(request.url).pathname;
      if (path === "/workflow/signal") {
        release();
        return Response.json({ workflow_id: "w", execution_cluster_id: "1", status: "ok" });
      }
      if (path === "/health") return Response.json({ status: "ok" });
      node.waitsReceived++;
      await released;
      return Response.json({ success: true, result: '"done"' });
    },
  });
  cleanups.push(() => server.stop(true));
  node.client = new HttpProtocolClient(`127.0.0.1:${server.port}`);
  return node;
}

const waitFor = (client: HttpProtocolClient, k: number, timeoutMs: number) =>
  client.waitWorkflow({ workflowId: `w${k}`, timeoutSeconds: 60 }, { timeoutMs });

test("300 waits in flight to a node still leave room for a call that ends them", async () => {
  const node = heldWaitsNode();
  const waits = Array.from({ length: 300 }, (_, k) => waitFor(node.client, k, 60_000));
  while (node.waitsReceived < 192) await Bun.sleep(5);
  const signal = { workflowId: "w", name: "paid", payload: null };
  await node.client.signalWorkflow(signal, { timeoutMs: 5_000 });
  const outcomes = await Promise.all(waits);
  expect(outcomes.every((outcome) => outcome.success)).toBe(true);
  expect(node.waitsReceived).toBe(300);
});

test("a wait that finds every slot taken until its deadline fails as not sent", async () => {
  const node = heldWaitsNode();
  const held = Array.from({ length: 192 }, (_, k) => waitFor(node.client, k, 60_000));
  while (node.waitsReceived < 192) await Bun.sleep(5);
  const failure = await waitFor(node.client, 192, 200).then(
    () => undefined,
    (error: Error) => error,
  );
  node.release();
  await Promise.all(held);
  expect(failure?.message).toContain("was not sent: 192 waits and runs of this process");
  expect((failure as { code?: string } | undefined)?.code).toBe("TIMEOUT");
  expect(node.waitsReceived).toBe(192);
});

test("a RaftoralClient's wait that was never sent fails as not sent, not as an unreachable node", async () => {
  const node = heldWaitsNode();
  const held = Array.from({ length: 192 }, (_, k) => waitFor(node.client, k, 60_000));
  while (node.waitsReceived < 192) await Bun.sleep(5);
  const client = new RaftoralClient(node.client.address, { transport: "http" });
  const failure = await client.wait({ workflowId: "late" }, { timeoutMs: 200 }).then(
    () => undefined,
    (error: Error) => error,
  );
  node.release();
  await Promise.all(held);
  expect(failure).toBeInstanceOf(NotSentError);
  expect((failure as NotSentError).code).toBe("TIMEOUT");
  expect(failure?.message).toContain("was not sent: 192 waits and runs of this process");
  expect(node.waitsReceived).toBe(192);
}, 30_000);

test("closing a client ends its waits in flight, so that they no longer hold the process's slots", async () => {
  // Before, close() left them running until their own deadlines (minutes, for a wait): a
  // program that closed a client whose 192 waits a node held could send no other wait, from
  // any client, until then, and each failed as "not sent". A gRPC client's close() ends its
  // calls too.
  const node = heldWaitsNode();
  const abandoned = new HttpProtocolClient(node.client.address);
  const held = Array.from({ length: 192 }, (_, k) => waitFor(abandoned, k, 600_000));
  while (node.waitsReceived < 192) await Bun.sleep(5);
  await abandoned.close();
  const failures = await Promise.all(
    held.map((wait) =>
      wait.then(
        () => undefined,
        (error: Error) => error,
      ),
    ),
  );
  expect(failures.every((failure) => failure?.message.includes("client was closed"))).toBe(true);
  expect(failures.map((failure) => (failure as { code?: string } | undefined)?.code)).toEqual(
    Array.from({ length: 192 }, () => "UNAVAILABLE"),
  );
  // Another client of the process now has the slots.
  const late = waitFor(node.client, 192, 5_000);
  while (node.waitsReceived < 193) await Bun.sleep(5);
  node.release();
  expect((await late).success).toBe(true);
});

test("a call made after close() fails at once, as not sent", async () => {
  const node = heldWaitsNode();
  await node.client.close();
  const failure = await waitFor(node.client, 0, 5_000).then(
    () => undefined,
    (error: Error) => error,
  );
  expect(failure?.message).toContain("the client was closed (it was not sent)");
  expect(node.waitsReceived).toBe(0);
});

/** A RaftoralClient with a ten-minute wait the node holds, closed once the node has it. */
async function waitClosedWhileHeld() {
  const node = heldWaitsNode();
  const client = new RaftoralClient(`http://${node.client.address}`);
  const wait = client.wait({ workflowId: "w" }, { timeoutMs: 600_000 }).then(
    () => undefined,
    (error: Error) => error,
  );
  while (node.waitsReceived < 1) await Bun.sleep(5);
  await client.close();
  return { node, client, wait };
}

test("a RaftoralClient's wait ends when the client is closed, instead of asking again until its time is up", async () => {
  // A wait asks again while no node serves it; a closed client's nodes never will, and its
  // wait went on asking, every 200 ms, for the rest of its time (here ten minutes).
  const { node, wait } = await waitClosedWhileHeld();
  const failure = await Promise.race([wait, Bun.sleep(4_000).then(() => "still waiting")]);
  expect(failure).toBeInstanceOf(Error);
  expect((failure as Error).message).toContain("the client was closed");
  node.release();
});

test("a RaftoralClient's call ended by close() says the client was closed, not that no node answered", async () => {
  // It read "no node answered wait (...); check that the node runs and the address is
  // right", sending the caller to look at healthy nodes, and the client first opened a new
  // connection to each node to ask whether it spoke the other protocol.
  const { node, client, wait } = await waitClosedWhileHeld();
  const failure = await wait;
  expect(failure).toBeInstanceOf(ClientClosedError);
  expect((failure as ClientClosedError).code).toBe("UNAVAILABLE");
  expect(failure?.message).toContain("wait ended: the client was closed");
  expect(failure?.message).not.toContain("check that the node runs");
  const after = await client.describe("w").then(
    () => undefined,
    (error: Error) => error,
  );
  expect(after).toBeInstanceOf(ClientClosedError);
  expect(after?.message).toContain("describe ended: the client was closed");
  node.release();
});
