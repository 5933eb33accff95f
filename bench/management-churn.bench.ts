// How many management-group entries workflow churn causes: three in-process nodes on real
// loopback HTTP with memory storage run ping_pong with 64 in flight for CHURN_SECONDS
// (default 10), and the management group's log growth is counted per second and per workflow.
// A settled cluster should write next to nothing to the management group, however busy its
// execution groups are. Prints one JSON line.

import { cpus, loadavg } from "node:os";
import { RaftoralClient } from "../src/client/index.ts";
import { createLogger, MANAGEMENT_GROUP } from "../src/lib/index.ts";
import { RaftoralNode } from "../src/node/index.ts";
import { freePort } from "../test/support/ports.ts";
import { scaled } from "./bench-stats.ts";

const SECONDS = scaled(Number(process.env.CHURN_SECONDS ?? 10));
const IN_FLIGHT = 64;

const quiet = () => createLogger({ level: "error", format: "text", write: () => undefined });
const nodes: RaftoralNode[] = [];
const addresses: string[] = [];
for (let k = 0; k < 3; k++) {
  const address = `127.0.0.1:${await freePort()}`;
  const node = new RaftoralNode({
    listen: address,
    bootstrap: k === 0,
    ...(k === 0 ? {} : { peers: [addresses[0] as string] }),
    transport: "http",
    logger: quiet(),
  });
  await node.start();
  nodes.push(node);
  addresses.push(address);
}
const client = new RaftoralClient(
  addresses.map((address) => `http://${address}`),
  {
    timeoutMs: 30_000,
  },
);
// The run goes past the 10,000 finished workflows a group keeps: the oldest are dropped at once
// rather than new starts refused (one management entry, made before the counting starts).
await client.retention({ retainAtLeastMs: 0 });
// Let joins, reports and the setting settle before counting.
await Bun.sleep(2_000);
const commitOf = () => Number(nodes[0]?.raftHost()?.inspect(MANAGEMENT_GROUP)?.status().commit);
const before = commitOf();
const begin = performance.now();
let finished = 0;
const worker = async () => {
  while (performance.now() - begin < SECONDS * 1000) {
    const result = await client.run("ping_pong", "ping");
    if (result.status !== "completed")
      throw new Error(`ping_pong failed: ${JSON.stringify(result)}`);
    finished++;
  }
};
await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
const elapsedS = (performance.now() - begin) / 1000;
const entries = commitOf() - before;
console.log(
  JSON.stringify({
    bench: "management-churn",
    workflows: finished,
    workflowsPerS: Math.round(finished / elapsedS),
    managementEntries: entries,
    managementEntriesPerS: Number((entries / elapsedS).toFixed(1)),
    managementEntriesPerWorkflow: Number((entries / Math.max(1, finished)).toFixed(3)),
    load1m: Number(loadavg()[0]?.toFixed(2)),
    cores: cpus().length,
  }),
);
await client.close();
for (const node of nodes) await node.stop();
