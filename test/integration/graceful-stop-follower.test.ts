// A graceful stop (SIGTERM) of a node that owns workflows in a group it does not lead: an
// owner failover gave them to it, as a rolling upgrade's earlier stops do. It hands them over
// too, once the step bodies it runs have ended and their checkpoints are committed, so no new
// owner runs one of them again.

import { afterEach, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { RaftoralClient } from "../../src/client/index.ts";
import { type NodeProcess, NodeProcessCluster } from "../support/node-process-cluster.ts";

const FIXTURE = join(import.meta.dir, "fixtures", "multi-step-workflows.ts");
const WORKFLOWS = 6;
const STEPS = 100;

let cluster: NodeProcessCluster | undefined;
const clients: RaftoralClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await cluster?.stop();
  cluster = undefined;
});

function clientOf(nodes: readonly NodeProcess[]): RaftoralClient {
  const client = new RaftoralClient(
    nodes.map((node) => `http://${node.address}`),
    { timeoutMs: 30_000 },
  );
  clients.push(client);
  return client;
}

/** Polls until every workflow has recorded `count` more calls than in `before`, and runs. */
async function untilProgressed(
  client: RaftoralClient,
  ids: readonly string[],
  count: number,
): Promise<Map<string, number>> {
  const before = new Map<string, number>();
  const deadline = performance.now() + 60_000;
  for (;;) {
    const described = await Promise.all(ids.map((workflowId) => client.describe({ workflowId })));
    for (const d of described)
      if (!before.has(d.workflowId)) before.set(d.workflowId, d.checkpoints.length);
    const owners = new Map(described.map((d) => [d.workflowId, d.ownerNodeId as number]));
    const isDone = described.every(
      (d) =>
        d.status === "running" && d.checkpoints.length >= (before.get(d.workflowId) ?? 0) + count,
    );
    if (isDone) return owners;
    if (performance.now() > deadline) throw new Error("the workflows stopped making progress");
    await Bun.sleep(50);
  }
}

test("SIGTERM of a follower that owns workflows runs none of their steps twice", async () => {
  const current = new NodeProcessCluster("http", ["--workflows", FIXTURE]);
  cluster = current;
  for (let k = 0; k < 3; k++) await current.add();
  const nodes = current.nodes;
  const client = clientOf(nodes);
  const file = join(current.directory, "effects.log");
  const input = { steps: STEPS, stepMs: 100, file };
  const ids = Array.from({ length: WORKFLOWS }, (_, k) => `keyed-${k}`);
  for (const workflowId of ids) await client.start("keyed_steps", input, { workflowId });

  // The leader owns them all; stopped gracefully, it hands them to the two others.
  const first = await untilProgressed(client, ids, 2);
  const leader = nodes.find((node) => current.nodeId(node) === [...first.values()][0]);
  if (leader === undefined) throw new Error("no owner among the nodes");
  expect(await current.signal(leader, "SIGTERM")).toBe(0);
  const others = clientOf(nodes.filter((node) => node !== leader));
  await untilProgressed(others, ids, 2);
  await current.launch(leader);

  // One of the two leads the group now; the other owns workflows all the same.
  const owners = await untilProgressed(client, ids, 2);
  const groupLeader = (await client.status()).groups[0]?.leaderId as number;
  const victim = nodes.find(
    (node) => node !== leader && current.nodeId(node) !== groupLeader,
  ) as NodeProcess;
  expect([...owners.values()]).toContain(current.nodeId(victim));
  expect(await current.signal(victim, "SIGTERM")).toBe(0);

  const survivors = clientOf(nodes.filter((node) => node !== victim));
  for (const workflowId of ids) {
    expect(await survivors.wait({ workflowId }, { timeoutMs: 90_000 })).toMatchObject({
      status: "completed",
      output: STEPS,
    });
  }
  // Each step's body ran once: its key is in the file once.
  const keys = readFileSync(file, "utf8").trim().split("\n");
  const repeated = keys.filter((key, k) => keys.indexOf(key) !== k);
  expect(repeated).toEqual([]);
  expect(keys).toHaveLength(WORKFLOWS * STEPS);
}, 180_000);
