// `raftoral workflow run`'s answers: a --wait --json whose wait runs out names the workflow,
// which runs on (as HTTP's /workflow/run does), for a script to wait for it later; a run
// repeated under a known workflow ID says so.

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

test("a run repeated under its workflow ID says it started nothing, in text and JSON", async () => {
  const [address = ""] = await startInProcessCluster({
    size: 1,
    transport: "grpc",
    into: nodes,
    workflows: [patient],
  });
  const run = ["workflow", "run", "patient", "--workflow-id", "p-2", "--address", address];
  const first = await runCli([...run, "--json"]);
  const firstJson = JSON.parse(first.stdout);
  expect(firstJson).toMatchObject({ workflow_id: "p-2" });
  expect(firstJson).not.toHaveProperty("already_started");
  const again = await runCli(run);
  expect(again.code).toBe(0);
  expect(again.stdout).toStartWith(
    "Workflow patient v1 was started before under this ID; not started again\n  Workflow ID:          p-2\n",
  );
  const json = await runCli([...run, "--json"]);
  expect(JSON.parse(json.stdout)).toMatchObject({ workflow_id: "p-2", already_started: true });
});
