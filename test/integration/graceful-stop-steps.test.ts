// A graceful stop (SIGTERM, as each node of a rolling upgrade gets) in the middle of steps:
// the node hands its workflows over only once the step bodies it runs have ended and their
// checkpoints are committed, so no new owner runs one of them again.

import { afterEach, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { RaftoralClient } from "../../src/client/index.ts";
import { NodeProcessCluster } from "../support/node-process-cluster.ts";

const FIXTURE = join(import.meta.dir, "fixtures", "multi-step-workflows.ts");
const WORKFLOWS = 6;
const STEPS = 12;

let cluster: NodeProcessCluster | undefined;
const clients: RaftoralClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await cluster?.stop();
  cluster = undefined;
});

describe.each(["grpc", "http"] as const)("over %s", (transport) => {
  test("SIGTERM of the owner in the middle of steps runs none of them twice", async () => {
    cluster = new NodeProcessCluster(transport, ["--workflows", FIXTURE]);
    for (let k = 0; k < 3; k++) await cluster.add();
    const nodes = cluster.nodes;
    const client = new RaftoralClient(
      nodes.map((node) => `${transport}://${node.address}`),
      { timeoutMs: 30_000 },
    );
    clients.push(client);
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

    const survivors = new RaftoralClient(
      nodes.filter((node) => node !== victim).map((node) => `${transport}://${node.address}`),
      { timeoutMs: 30_000 },
    );
    clients.push(survivors);
    for (const run of started) {
      expect(await survivors.wait(run, { timeoutMs: 60_000 })).toMatchObject({
        status: "completed",
        output: STEPS,
      });
    }
    // Each step's body ran once: its key is in the file once.
    const keys = readFileSync(file, "utf8").trim().split("\n");
    const repeated = keys.filter((key, k) => keys.indexOf(key) !== k);
    expect(repeated).toEqual([]);
    expect(keys).toHaveLength(WORKFLOWS * STEPS);
  }, 120_000);
});
