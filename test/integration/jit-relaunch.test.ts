// A node started without BUN_JSC_useFTLJIT replaces itself with a copy that has it set to 0
// (src/cli/jit-tiers.ts): the same process (its PID is what supervisors and these tests
// track) serves with the option in its environment, from source and as the compiled binary,
// and an operator's own setting is kept.

import { afterEach, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { compiledBinary } from "../support/compiled-binary.ts";
import { NodeProcessCluster } from "../support/node-process-cluster.ts";

const clusters: NodeProcessCluster[] = [];

afterEach(async () => {
  for (const cluster of clusters.splice(0)) await cluster.stop();
});

/** The FTL option as the running process `pid` has it, read from its environment. */
function ftlOptionOf(pid: number): string | undefined {
  const variables = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
  return variables.find((line) => line.startsWith("BUN_JSC_useFTLJIT="))?.split("=")[1];
}

async function startedNode(cli?: string[], env: Record<string, string> = {}) {
  const cluster = new NodeProcessCluster("http", [], cli, env);
  clusters.push(cluster);
  const node = await cluster.add();
  const pid = node.process?.pid;
  if (pid === undefined) throw new Error("the node has no process");
  return { pid, log: node.log };
}

test("a node run from source serves with the FTL off, in the process it was started as", async () => {
  const { pid, log } = await startedNode();
  expect(ftlOptionOf(pid)).toBe("0");
  expect(log.match(/Starting node/g)).toHaveLength(1);
}, 60_000);

test("the compiled binary relaunches itself the same way", async () => {
  const { pid } = await startedNode([compiledBinary()]);
  expect(ftlOptionOf(pid)).toBe("0");
}, 60_000);

test("an operator who sets the option keeps it", async () => {
  const { pid } = await startedNode(undefined, { BUN_JSC_useFTLJIT: "1" });
  expect(ftlOptionOf(pid)).toBe("1");
}, 60_000);
