// Describe on any node right after another node acknowledged a terminate: the node described
// from its own applied state, which may lag the group by a moment, and showed the workflow
// still sleeping (6 of 15 rounds in tour H); list, which makes a read barrier first, showed
// it terminated. Describe now makes the barrier too.

import { afterEach, expect, test } from "bun:test";
import { join } from "node:path";
import { RaftoralClient } from "../../src/client/index.ts";
import { NodeProcessCluster } from "../support/node-process-cluster.ts";

const WORKFLOWS = join(import.meta.dir, "fixtures", "multi-step-workflows.ts");
const ROUNDS = 15;

let cluster: NodeProcessCluster | undefined;
const clients: RaftoralClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) await client.close();
  await cluster?.stop();
  cluster = undefined;
});

test("every node describes a workflow as terminated once a terminate is acknowledged", async () => {
  cluster = new NodeProcessCluster("grpc", ["--workflows", WORKFLOWS]);
  for (let k = 0; k < 3; k++) await cluster.add();
  for (const node of cluster.nodes) clients.push(new RaftoralClient([`grpc://${node.address}`]));
  const [first] = clients as [RaftoralClient];
  const seen: string[][] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const workflowId = `nap-${round}`;
    const input = { untilMs: Date.now() + 3_600_000 };
    await first.start({ name: "nap_until", version: 1 }, input, { workflowId });
    const sender = clients[round % clients.length] as RaftoralClient;
    expect((await sender.terminate(workflowId)).status).toBe("terminated");
    const described = await Promise.all(clients.map((client) => client.describe(workflowId)));
    seen.push(described.map((description) => description.status));
  }
  expect(seen).toEqual(Array.from({ length: ROUNDS }, () => Array(3).fill("terminated")));
}, 120_000);
