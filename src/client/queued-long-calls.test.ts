// A wait or run that queued for a long-call slot asks the node for what is left of its time,
// not for all of it: a wait that queued past the margin its caller left between the node's
// wait and the call's deadline had the deadline end it first, as a node that never answered.

import { afterAll, expect, test } from "bun:test";
import { FakeNodeApi } from "../../test/contracts/fake-node-api.ts";
import { createLogger } from "../lib/index.ts";
import { GrpcTransportServer } from "../transport/grpc/index.ts";
import { GrpcProtocolClient } from "./grpc-client.ts";
import { HttpProtocolClient } from "./http-client.ts";
import { FETCH_LONG_CALL_SLOTS, fetchRequestsMax } from "./long-call-slots.ts";

const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

/** How long the queued call waits for its slot at least. */
const QUEUED_MS = 1_100;

/** Answers that a test lets out one at a time, first held first let out. */
class HeldAnswers {
  private readonly held: (() => void)[] = [];

  get count(): number {
    return this.held.length;
  }

  hold(): Promise<void> {
    return new Promise((resolve) => this.held.push(resolve));
  }

  releaseOne(): void {
    this.held.shift()?.();
  }

  releaseAll(): void {
    while (this.held.length > 0) this.releaseOne();
  }
}

/** An HTTP node that holds every wait and run, recording the seconds each asked for. */
function httpNode() {
  const answers = new HeldAnswers();
  const asked: number[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 0,
    async fetch(request) {
      const url = new URL(request.url);
      if (url.pathname === "/health") return Response.json({ status: "ok" });
      const seconds =
        url.pathname === "/workflow/run"
          ? ((await request.json()) as { timeout_seconds: number }).timeout_seconds
          : Number(url.searchParams.get("timeout_seconds"));
      asked.push(seconds);
      await answers.hold();
      return Response.json({ success: true, result: '"done"' });
    },
  });
  cleanups.push(() => server.stop(true));
  const client = new HttpProtocolClient(`127.0.0.1:${server.port}`);
  return { answers, asked, client };
}

/** Fills every slot, sends `queued` and lets one slot go after QUEUED_MS. */
async function afterQueueing<T>(
  slots: number,
  answers: HeldAnswers,
  holdOne: (k: number) => Promise<unknown>,
  queued: () => Promise<T>,
): Promise<T> {
  const holding = Array.from({ length: slots }, (_, k) => holdOne(k));
  while (answers.count < slots) await Bun.sleep(5);
  const call = queued();
  await Bun.sleep(QUEUED_MS);
  expect(answers.count).toBe(slots);
  answers.releaseOne();
  while (answers.count < slots) await Bun.sleep(5);
  answers.releaseAll();
  await Promise.all(holding);
  return call;
}

test("over HTTP, a queued wait asks the node for its seconds less the time it queued", async () => {
  const { answers, asked, client } = httpNode();
  const wait = (id: string, seconds: number) =>
    client.waitWorkflow({ workflowId: id, timeoutSeconds: seconds }, { timeoutMs: 15_000 });
  const outcome = await afterQueueing(
    FETCH_LONG_CALL_SLOTS.max,
    answers,
    (k) => wait(`held-${k}`, 60),
    () => wait("queued", 10),
  );
  expect(outcome.success).toBe(true);
  const seconds = asked.at(-1) ?? 0;
  expect(seconds).toBeLessThanOrEqual(10 - Math.ceil(QUEUED_MS / 1000));
  expect(seconds).toBeGreaterThanOrEqual(1);
});

test("over HTTP, a queued run asks for what is left of its deadline", async () => {
  const { answers, asked, client } = httpNode();
  const request = { workflowType: "one_step", version: 1, input: null };
  const outcome = await afterQueueing(
    FETCH_LONG_CALL_SLOTS.max,
    answers,
    (k) =>
      client.waitWorkflow({ workflowId: `held-${k}`, timeoutSeconds: 60 }, { timeoutMs: 60_000 }),
    () => client.runWorkflow(request, { timeoutMs: 15_000 }),
  );
  expect(outcome.success).toBe(true);
  expect(asked.at(-1)).toBeLessThanOrEqual(Math.ceil((15_000 - QUEUED_MS) / 1000));
});

test("over gRPC, a queued wait asks the node for its seconds less the time it queued", async () => {
  const api = new FakeNodeApi();
  const answers = new HeldAnswers();
  const asked: number[] = [];
  api.script.waitWorkflow = async (request) => {
    asked.push(request.timeoutSeconds);
    await answers.hold();
    return { success: true, output: "done" };
  };
  const logger = createLogger({ level: "error", format: "text", write: () => undefined });
  const server = new GrpcTransportServer({ logger, closeGraceMs: 50 });
  const { port } = await server.listen("127.0.0.1", 0, api);
  const client = new GrpcProtocolClient(`127.0.0.1:${port}`);
  cleanups.push(async () => {
    await client.close();
    await server.close();
  });
  const wait = (id: string, seconds: number) =>
    client.waitWorkflow({ workflowId: id, timeoutSeconds: seconds }, { timeoutMs: 15_000 });
  const outcome = await afterQueueing(
    75,
    answers,
    (k) => wait(`held-${k}`, 60),
    () => wait("queued", 10),
  );
  expect(outcome.success).toBe(true);
  expect(asked.at(-1)).toBeLessThanOrEqual(10 - Math.ceil(QUEUED_MS / 1000));
});

test("fetch's request limit is read as Bun reads it: 1 to 65535, else 256", () => {
  expect(fetchRequestsMax("512")).toBe(512);
  expect(fetchRequestsMax(undefined)).toBe(256);
  expect(fetchRequestsMax("70000")).toBe(256);
  expect(fetchRequestsMax("1e3")).toBe(256);
  expect(fetchRequestsMax("0")).toBe(256);
});
