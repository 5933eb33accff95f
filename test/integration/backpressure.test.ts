// A flood of client requests above capacity: starts past the count wait their turn, and past
// the queue's bound get RESOURCE_EXHAUSTED (HTTP 429) at once; memory stays bounded and the
// node keeps serving.

import { afterEach, expect, test } from "bun:test";
import { HttpProtocolClient } from "../../src/client/index.ts";
import { createLogger } from "../../src/lib/index.ts";
import { RaftoralNode } from "../../src/node/index.ts";
import { freePort } from "../support/ports.ts";

let node: RaftoralNode | undefined;
afterEach(async () => {
  await node?.stop();
  node = undefined;
});

test("a flood of starts waits its turn up to a bound, the rest refused with RESOURCE_EXHAUSTED", async () => {
  const address = `127.0.0.1:${await freePort()}`;
  node = new RaftoralNode({
    listen: address,
    bootstrap: true,
    transport: "http",
    logger: createLogger({ level: "error", format: "text", write: () => undefined }),
    tuning: { tickIntervalMs: 20, startsInFlightMax: 20, startsQueuedMax: 100, waitsMax: 20 },
  });
  await node.start();
  const client = new HttpProtocolClient(address);
  const heapBefore = process.memoryUsage().heapUsed;
  const outcomes = await Promise.all(
    Array.from({ length: 400 }, () =>
      client
        .startWorkflow(
          { workflowType: "ping_pong", version: 1, input: "ping" },
          { timeoutMs: 30_000 },
        )
        .then(
          (started) => ({ ok: true as const, started }),
          (error: { code?: string }) => ({ ok: false as const, code: error.code }),
        ),
    ),
  );
  const refused = outcomes.filter((outcome) => !outcome.ok);
  const accepted = outcomes.flatMap((outcome) => (outcome.ok ? [outcome.started] : []));
  expect(refused.length).toBeGreaterThan(0);
  // Those in progress and every one that waited its turn.
  expect(accepted.length).toBeGreaterThanOrEqual(120);
  expect(new Set(refused.map((outcome) => outcome.code))).toEqual(new Set(["RESOURCE_EXHAUSTED"]));
  for (const started of accepted.slice(0, 10)) {
    const outcome = await client.waitWorkflow(
      {
        workflowId: started.workflowId,
        executionClusterId: started.executionClusterId,
        timeoutSeconds: 30,
      },
      { timeoutMs: 35_000 },
    );
    expect(outcome).toEqual({ success: true, output: "pong" });
  }
  const grownMb = (process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024;
  expect(grownMb).toBeLessThan(200);
}, 60_000);
