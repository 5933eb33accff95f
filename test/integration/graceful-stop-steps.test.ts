// A graceful stop (SIGTERM, as each node of a rolling upgrade gets) in the middle of steps:
// the node hands its workflows over only once the step bodies it runs have ended and their
// checkpoints are committed, so no new owner runs one of them again. That goes for a node
// that owns workflows in a group it does not lead too: an owner failover gave them to it, as
// a rolling upgrade's earlier stops do.

import { afterEach, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { RaftoralClient } from "../../src/client/index.ts";
import { type NodeProcess, NodeProcessCluster } from "../support/node-process-cluster.ts";

const FIXTURE = join(import.meta.dir, "fixtures", "multi-step-workflows.ts");
const WORKFLOWS = 6;

let cluster: NodeProcessCluster | undefined;
const clients: RaftoralClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await cluster?.stop();
  cluster = undefined;
});

function clientOf(transport: "grpc" | "http", nodes: readonly NodeProcess[]): RaftoralClient {
  const client = new RaftoralClient(
    nodes.map((node) => `${transport}://${node.address}`),
    { timeoutMs: 30_000 },
  );
  clients.push(client);
  return client;
}

/** Each step's body ran once: its key is in the file once. */
function expectEachStepRanOnce(file: string, steps: number): void {
  const keys = readFileSync(file, "utf8").trim().split("\n");
  const repeated = keys.filter((key, k) => keys.indexOf(key) !== k);
  expect(repeated).toEqual([]);
  expect(keys).toHaveLength(WORKFLOWS * steps);
}

const STEPS = 12;

describe.each(["grpc", "http"] as const)("over %s", (transport) => {
  test("SIGTERM of the owner in the middle of steps runs none of them twice", async () => {
    cluster = new NodeProcessCluster(transport, ["--workflows", FIXTURE]);
    for (let k = 0; k < 3; k++) await cluster.add();
    const nodes = cluster.nodes;
    const client = clientOf(transport, nodes);
    const file = join(cluster.directory, "effects.log");
    const input = { steps: STEPS, stepMs: 150, file };
    const started: Awaited<ReturnType<RaftoralClient["start"]>>[] = [];
    for (let k = 0; k < WORKFLOWS; k++) {
      started.push(await client.start("keyed_steps", input, { workflowId: `keyed-${k}` }));
    }
    // Every workflow is in the middle of its steps.
    const deadline = performance.now() + 30_000;
    for (;;) {
      const described = await Promise.all(started.map((run) => client.describe(run)));
      if (described.every((d) => d.checkpoints.length >= 2 && d.status === "running")) break;
      if (performance.now() > deadline) throw new Error("the workflows never got past a step");
      await Bun.sleep(50);
    }
    const owners = new Set(
      (await Promise.all(started.map((run) => client.describe(run)))).map((d) => d.ownerNodeId),
    );
    const victim = nodes.find((node) => owners.has(cluster?.nodeId(node) as never));
    if (victim === undefined || cluster === undefined) throw new Error("no owner among the nodes");
    expect(await cluster.signal(victim, "SIGTERM")).toBe(0);

    const survivors = clientOf(
      transport,
      nodes.filter((node) => node !== victim),
    );
    for (const run of started) {
      expect(await survivors.wait(run, { timeoutMs: 60_000 })).toMatchObject({
        status: "completed",
        output: STEPS,
      });
    }
    expectEachStepRanOnce(file, STEPS);
  }, 120_000);
});

const FOLLOWER_STEPS = 100;

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
  const client = clientOf("http", nodes);
  const file = join(current.directory, "effects.log");
  const input = { steps: FOLLOWER_STEPS, stepMs: 100, file };
  const ids = Array.from({ length: WORKFLOWS }, (_, k) => `keyed-${k}`);
  for (const workflowId of ids) await client.start("keyed_steps", input, { workflowId });

  // The leader owns them all; stopped gracefully, it hands them to the two others.
  const first = await untilProgressed(client, ids, 2);
  const leader = nodes.find((node) => current.nodeId(node) === [...first.values()][0]);
  if (leader === undefined) throw new Error("no owner among the nodes");
  expect(await current.signal(leader, "SIGTERM")).toBe(0);
  const others = clientOf(
    "http",
    nodes.filter((node) => node !== leader),
  );
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

  const survivors = clientOf(
    "http",
    nodes.filter((node) => node !== victim),
  );
  for (const workflowId of ids) {
    expect(await survivors.wait({ workflowId }, { timeoutMs: 90_000 })).toMatchObject({
      status: "completed",
      output: FOLLOWER_STEPS,
    });
  }
  expectEachStepRanOnce(file, FOLLOWER_STEPS);
}, 180_000);
