// A client that disconnects releases its wait (issue 14, item 9): the node counts waits
// against its limit, and a wait whose caller went away frees its place at once instead of
// holding it until its timeout. Checked from outside, with a limit of one wait per node.

import { afterEach, describe, expect, test } from "bun:test";
import { GrpcProtocolClient, HttpProtocolClient } from "../../src/client/index.ts";
import { createLogger } from "../../src/lib/index.ts";
import { RaftoralNode } from "../../src/node/index.ts";
import { defineWorkflow } from "../../src/workflow/index.ts";
import { freePort } from "../support/ports.ts";

const nodes: RaftoralNode[] = [];
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((node) => node.stop()));
});

/** Runs until it gets a "stop" event: long enough to wait for. */
const idle = defineWorkflow("idle", 1, async (_input: null, ctx) => {
  await ctx.waitForEvent("stop");
  return "stopped";
});

async function node(transport: "grpc" | "http"): Promise<string> {
  const address = `127.0.0.1:${await freePort()}`;
  const started = new RaftoralNode({
    listen: address,
    bootstrap: true,
    transport,
    logger: createLogger({ level: "error", format: "text", write: () => undefined }),
    tuning: { tickIntervalMs: 20, reconcileIntervalMs: 100, waitsMax: 1 },
    workflows: [idle],
  });
  nodes.push(started);
  await started.start();
  return address;
}

describe.each(["http", "grpc"] as const)("over %s", (transport) => {
  test("a wait whose caller disconnects frees its place at once", async () => {
    const address = await node(transport);
    const client =
      transport === "http" ? new HttpProtocolClient(address) : new GrpcProtocolClient(address);
    const call = { timeoutMs: 15_000 };
    await client.startWorkflow(
      { workflowType: "idle", version: 1, input: null, workflowId: "idle-1" },
      call,
    );
    const request = { workflowId: "idle-1", timeoutSeconds: 600 };
    const caller = new AbortController();
    const first = client.waitWorkflow(request, { ...call, signal: caller.signal }).catch((e) => e);
    const probe = () =>
      client
        .waitWorkflow({ workflowId: "idle-1", timeoutSeconds: 1 }, call)
        .catch((e: { code?: string }) => e.code);
    // The first wait holds the node's only place (once it arrived): another one is refused.
    let code = await probe();
    for (let k = 0; code !== "RESOURCE_EXHAUSTED" && k < 50; k++) code = await probe();
    expect(code).toBe("RESOURCE_EXHAUSTED");
    caller.abort();
    await first;
    // Freed as soon as the node hears of it, long before the first wait's 600 s: the next
    // wait runs (and times out after its own 1 s, since the workflow idles).
    const started = performance.now();
    for (let k = 0; code === "RESOURCE_EXHAUSTED" && k < 100; k++) {
      code = await probe();
      if (code === "RESOURCE_EXHAUSTED") await Bun.sleep(50);
    }
    expect(code).toBe("TIMEOUT");
    expect(performance.now() - started).toBeLessThan(15_000);
    await client.close();
  }, 60_000);
});
