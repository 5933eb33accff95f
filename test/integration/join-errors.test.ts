// The Troubleshooting messages are the real errors a joining node fails with: nobody answers
// ("Could not discover any peers", within the join timeout), or the cluster refuses it
// ("Failed to add node to cluster", with the reason).

import { afterEach, describe, expect, test } from "bun:test";
import { createLogger } from "../../src/lib/index.ts";
import { RaftoralNode } from "../../src/node/index.ts";
import { defineWorkflow } from "../../src/workflow/index.ts";
import { freePort } from "../support/ports.ts";

const nodes: RaftoralNode[] = [];
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((node) => node.stop()));
});

const quiet = () => createLogger({ level: "error", format: "text", write: () => undefined });
const FAST = { tickIntervalMs: 20, reconcileIntervalMs: 100, joinTimeoutMs: 1_500 };

function node(options: {
  port: number;
  transport: "grpc" | "http";
  peers?: string[];
  workflows?: ReturnType<typeof defineWorkflow>[];
}): RaftoralNode {
  const created = new RaftoralNode({
    listen: `127.0.0.1:${options.port}`,
    bootstrap: options.peers === undefined,
    ...(options.peers === undefined ? {} : { peers: options.peers }),
    transport: options.transport,
    workflows: options.workflows ?? [],
    logger: quiet(),
    tuning: FAST,
  });
  nodes.push(created);
  return created;
}

async function failureOf(start: Promise<void>): Promise<Error> {
  try {
    await start;
  } catch (error) {
    return error as Error;
  }
  throw new Error("the start succeeded");
}

describe.each(["grpc", "http"] as const)("joining over %s", (transport) => {
  test("peers that never answer: 'Could not discover any peers' within the join timeout", async () => {
    const silent = `127.0.0.1:${await freePort()}`;
    const began = performance.now();
    const joiner = node({ port: await freePort(), transport, peers: [silent] });
    const error = await failureOf(joiner.start());
    expect(error.message).toContain("Could not discover any peers");
    expect(error.message).toContain(silent);
    // The join timeout plus one round of attempts, not forever.
    expect(performance.now() - began).toBeLessThan(15_000);
  }, 30_000);

  test("a different workflow set: 'Failed to add node to cluster' naming --workflows", async () => {
    const port = await freePort();
    await node({ port, transport }).start();
    const extra = defineWorkflow("extra", 1, async (input: string) => input);
    const joiner = node({
      port: await freePort(),
      transport,
      peers: [`127.0.0.1:${port}`],
      workflows: [extra],
    });
    const error = await failureOf(joiner.start());
    expect(error.message).toContain("Failed to add node to cluster");
    expect(error.message).toContain("--workflows");
  }, 30_000);
});
