// Raftoral as a library: this program is a (single-node) cluster. It registers a workflow in
// code, starts the node, runs the workflow twice (in-process through node.client(), then
// through the node's HTTP API with RaftoralClient), prints the results, and stops.
// Run: bun examples/embedded-node.ts [LISTEN_ADDRESS]   (default 127.0.0.1:7101)

import { createLogger, defineWorkflow, RaftoralClient, RaftoralNode } from "raftoral";

const greet = defineWorkflow("greet", 1, async (name: string, ctx) => {
  const visits = await ctx.checkpoint("visits", 0);
  const greeting = await ctx.step("compose", () => `Hello, ${name}!`);
  await visits.set(visits.get() + 1);
  return { greeting, visits: visits.get() };
});

const listen = process.argv[2] ?? "127.0.0.1:7101";
const node = new RaftoralNode({
  listen,
  bootstrap: true,
  transport: "http",
  workflows: [greet],
  logger: createLogger({ level: "warn", format: "text", write: (line) => console.error(line) }),
});

await node.start();
const client = new RaftoralClient(`http://${listen}`);
try {
  for (const caller of [node.client(), client]) {
    const result = await caller.run(greet, "Raftoral");
    if (result.status !== "completed") throw new Error(`greet failed: ${result.error}`);
    console.log(JSON.stringify(result.output));
  }
} finally {
  await client.close();
  await node.stop();
}
