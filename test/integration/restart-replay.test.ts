// A node restarted from its storage applies its stored log again. What it applies again
// happened before the restart: its workflows' lines were logged then, and its transitions
// counted, so the restart neither logs them at info as if they ran now nor counts them again.

import { expect, test } from "bun:test";
import { createLogger } from "../../src/lib/index.ts";
import type { RaftoralNode } from "../../src/node/index.ts";
import { freePort } from "../support/ports.ts";
import { parseMetrics, sampleOf } from "../support/prometheus-text.ts";
import { restartableNodes } from "../support/restartable-nodes.ts";

const fixture = restartableNodes();

function node(address: string, storagePath: string, lines: string[]): RaftoralNode {
  return fixture.made({
    listen: address,
    bootstrap: true,
    storagePath,
    transport: "http",
    logger: createLogger({ level: "info", format: "text", write: (line) => lines.push(line) }),
  });
}

async function startedCount(address: string): Promise<number | undefined> {
  const response = await fetch(`http://${address}/metrics`);
  const families = parseMetrics(await response.text());
  return sampleOf(families, "raftoral_workflows_started_total", { group: "1" });
}

test("a restart neither logs its stored workflows at info again nor counts them again", async () => {
  const address = `127.0.0.1:${await freePort()}`;
  const directory = fixture.directory("raftoral-replay-");
  const before: string[] = [];
  const first = node(address, directory, before);
  await first.start();
  const client = fixture.client(address, { transport: "http" });
  const ran = await client.run("ping_pong", "ping", { workflowId: "before-restart" });
  expect(ran).toMatchObject({ status: "completed", output: "pong" });
  expect(before.filter((line) => line.includes("workflow_id: before-restart"))).toHaveLength(2);
  expect(await startedCount(address)).toBe(1);
  await first.stop();

  const after: string[] = [];
  await node(address, directory, after).start();
  expect(await client.run("ping_pong", "ping", { workflowId: "after-restart" })).toMatchObject({
    status: "completed",
  });
  // The old workflow is still there, read from storage; only the new one is logged and counted.
  expect(await client.describe("before-restart")).toMatchObject({ status: "completed" });
  expect(after.filter((line) => line.includes("workflow_id: before-restart"))).toEqual([]);
  expect(after.filter((line) => line.includes("workflow_id: after-restart"))).toHaveLength(2);
  expect(await startedCount(address)).toBe(1);
}, 60_000);
