// The CLI's output through a pipe whose reader is slower than the CLI: a pipe takes 64 KiB at a
// time, and a client command that exited as soon as it had written its result cut the rest
// (a `--json` result piped into jq was not JSON any more), with exit code 0 all the same.

import { afterEach, expect, test } from "bun:test";
import { join } from "node:path";
import type { RaftoralNode } from "../../src/node/index.ts";
import { defineWorkflow } from "../../src/workflow/index.ts";
import { startInProcessCluster } from "../support/in-process-cluster.ts";

const MAIN = join(import.meta.dir, "..", "..", "src", "cli", "main.ts");
const nodes: RaftoralNode[] = [];
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((node) => node.stop()));
});

const large = defineWorkflow("large_output", 1, async (_: null, ctx) =>
  ctx.step("make", () => "x".repeat(300_000)),
);

test("a result larger than a pipe holds reaches a slow reader whole", async () => {
  const [address = ""] = await startInProcessCluster({
    size: 1,
    transport: "http",
    into: nodes,
    workflows: [large],
  });
  const cli = [process.execPath, MAIN, "workflow", "run", "large_output", "--wait", "--json"];
  const command = `${cli.join(" ")} --address http://${address}`;
  // The reader starts late, so the CLI finds the pipe full; its status is the CLI's.
  const shell = Bun.spawn(
    ["bash", "-c", `${command} | (sleep 0.5; cat); exit "\${PIPESTATUS[0]}"`],
    {
      stdout: "pipe",
      stderr: "pipe",
    },
  );
  const [stdout, stderr, code] = await Promise.all([
    new Response(shell.stdout).text(),
    new Response(shell.stderr).text(),
    shell.exited,
  ]);
  expect(stderr).toBe("");
  expect(code).toBe(0);
  const result = JSON.parse(stdout) as { success: boolean; result: string };
  expect(result.success).toBe(true);
  expect(JSON.parse(result.result)).toHaveLength(300_000);
}, 30_000);
