// `raftoral workflow run --wait --json` whose wait runs out: the workflow started and runs on,
// so the JSON names it (as HTTP's /workflow/run does) for a script to wait for it later.

import { afterEach, expect, test } from "bun:test";
import type { RaftoralNode } from "../../src/node/index.ts";
import { defineWorkflow } from "../../src/workflow/index.ts";
import { runCli } from "../support/cli-runner.ts";
import { startInProcessCluster } from "../support/in-process-cluster.ts";

const nodes: RaftoralNode[] = [];
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((node) => node.stop()));
});

const patient = defineWorkflow("patient", 1, async (_: null, ctx) => {
  await ctx.waitForEvent("go");
  return "went";
});

test("a run whose wait times out prints the workflow's ids with the error", async () => {
  const [address = ""] = await startInProcessCluster({
    size: 1,
    transport: "http",
    into: nodes,
    workflows: [patient],
  });
  const at = ["--address", `http://${address}`];
  const run = ["workflow", "run", "patient", "--workflow-id", "p-1", "--wait", "--timeout", "0.5"];
  const outcome = await runCli([...run, "--json", ...at]);
  expect(outcome.code).toBe(1);
  expect(JSON.parse(outcome.stdout)).toMatchObject({
    workflow_id: "p-1",
    execution_cluster_id: "1",
    success: false,
    code: "TIMEOUT",
  });
  const text = await runCli(["workflow", "run", "patient", "--wait", "--timeout", "0.5", ...at]);
  expect(text.code).toBe(1);
  expect(text.stdout).toMatch(/^Started workflow patient v1 \(workflow ID [0-9a-f-]{36}, /);
});
