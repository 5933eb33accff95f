// A RaftoralClient over gRPC sends a node at most 100 calls at once (its HTTP/2 limit). More
// starts than that at once used to fail at once, RESOURCE_EXHAUSTED "too many calls in flight",
// while the same starts over HTTP waited in the client for a free request. Now they wait for a
// free call too, within their own deadline, and one that finds none in time is never sent.

import { afterAll, expect, test } from "bun:test";
import { FakeNodeApi } from "../../test/contracts/fake-node-api.ts";
import { createLogger, groupId } from "../lib/index.ts";
import { GrpcTransportServer } from "../transport/grpc/index.ts";
import { NotSentError } from "./client-errors.ts";
import { RaftoralClient } from "./raftoral-client.ts";

const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

/** A gRPC node whose starts answer only once the test lets them go. */
async function holdingNode(api = new FakeNodeApi()) {
  const held: (() => void)[] = [];
  let started = 0;
  api.script.startWorkflow = async () => {
    started++;
    await new Promise<void>((resolve) => held.push(resolve));
    return { workflowId: `wf-${started}`, executionClusterId: groupId(1), alreadyStarted: false };
  };
  const logger = createLogger({ level: "error", format: "text", write: () => undefined });
  const server = new GrpcTransportServer({ logger, closeGraceMs: 50 });
  const { port } = await server.listen("127.0.0.1", 0, api);
  const client = new RaftoralClient([`grpc://127.0.0.1:${port}`]);
  cleanups.push(async () => {
    await client.close();
    await server.close();
  });
  const releaseAll = () => {
    for (const release of held.splice(0)) release();
  };
  return { client, held, releaseAll, api };
}

async function until(condition: () => boolean): Promise<void> {
  const deadline = performance.now() + 10_000;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error("condition not met in 10 s");
    await Bun.sleep(5);
  }
}

test("150 starts at once over gRPC all start: the 50 past the node's 100 calls wait their turn", async () => {
  const { client, held, releaseAll } = await holdingNode();
  const starts = Array.from({ length: 150 }, () =>
    client.start("ping_pong", "ping", { timeoutMs: 20_000 }).then(
      () => "started",
      (error: unknown) => `${(error as { code?: string }).code}: ${(error as Error).message}`,
    ),
  );
  await until(() => held.length === 100);
  // The others wait in the client: none was refused meanwhile, and none reached the node.
  await Bun.sleep(100);
  expect(held.length).toBe(100);
  let settled = 0;
  const all = Promise.all(starts.map((start) => start.finally(() => settled++)));
  while (settled < starts.length) {
    releaseAll();
    await Bun.sleep(5);
  }
  const outcomes = new Set(await all);
  expect([...outcomes]).toEqual(["started"]);
});

test("a start that finds no free call within its deadline is never sent (NotSentError, TIMEOUT)", async () => {
  const { client, held, releaseAll } = await holdingNode();
  const holding = Array.from({ length: 100 }, () =>
    client.start("ping_pong", "ping", { timeoutMs: 20_000 }),
  );
  await until(() => held.length === 100);
  const late = await client.start("ping_pong", "ping", { timeoutMs: 300 }).catch((e) => e);
  expect(late).toBeInstanceOf(NotSentError);
  expect(late).toMatchObject({ code: "TIMEOUT" });
  expect(held.length).toBe(100);
  releaseAll();
  await Promise.all(holding);
});

test("a wait that queued for a call asks the node for what is left of its time, not all of it", async () => {
  // Asked for all of it after queueing past the client's 5 s margin, the node's TIMEOUT answer
  // came after the call's own deadline: the caller saw a node that never answered.
  const api = new FakeNodeApi();
  const asked: number[] = [];
  api.script.waitWorkflow = async (request) => {
    asked.push(request.timeoutSeconds);
    return { success: true, output: "pong" };
  };
  const { client, held, releaseAll } = await holdingNode(api);
  const holding = Array.from({ length: 100 }, () =>
    client.start("ping_pong", "ping", { timeoutMs: 20_000 }),
  );
  await until(() => held.length === 100);
  const waiting = client.wait({ workflowId: "wf-0" }, { timeoutMs: 4_000 });
  // Queued behind the starts for 2.1 s: at most 2 s are left to ask the node for.
  await Bun.sleep(2_100);
  expect(asked).toEqual([]);
  releaseAll();
  await Promise.all(holding);
  expect(await waiting).toMatchObject({ status: "completed" });
  expect(asked).toHaveLength(1);
  expect(asked[0]).toBeLessThanOrEqual(2);
});
