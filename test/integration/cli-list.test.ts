// `raftoral workflow list` end to end against an in-process node over HTTP: the JSON page,
// the table with the command for the next page (reaching the nodes as the first did), which
// then lists the rest, and filters.

import { afterEach, expect, test } from "bun:test";
import { RaftoralClient } from "../../src/client/index.ts";
import type { RaftoralNode } from "../../src/node/index.ts";
import { runCli } from "../support/cli-runner.ts";
import { startInProcessCluster } from "../support/in-process-cluster.ts";

const nodes: RaftoralNode[] = [];
const clients: RaftoralClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all(nodes.splice(0).map((node) => node.stop()));
});

test("workflow list prints a page as JSON or as a table with the next page's command", async () => {
  const [address = ""] = await startInProcessCluster({ size: 1, transport: "http", into: nodes });
  const client = new RaftoralClient(`http://${address}`, { timeoutMs: 10_000 });
  clients.push(client);
  for (const [workflowId, input] of [
    ["a-1", "ping"],
    ["a-2", "bad"],
    ["a-3", "ping"],
  ] as const) {
    await client.start("ping_pong", input, { workflowId });
    await client.wait({ workflowId });
    await Bun.sleep(5);
  }
  const connection = ["--address", `http://${address}`];

  const asJson = await runCli(["workflow", "list", ...connection, "--json"]);
  expect(asJson).toMatchObject({ code: 0, stderr: "" });
  const body = JSON.parse(asJson.stdout);
  expect(body).toMatchObject({ success: true, next_page_token: null, unavailable_clusters: [] });
  expect(body.workflows.map((w: { workflow_id: string }) => w.workflow_id)).toEqual([
    "a-3",
    "a-2",
    "a-1",
  ]);
  expect(body.workflows[1]).toMatchObject({ status: "failed", name: "ping_pong", version: 1 });

  // An address without a scheme: the next page's command must say --transport http too.
  const plain = ["--address", address, "--transport", "http"];
  const table = await runCli(["workflow", "list", ...plain, "--limit", "2", "--since", "1h"]);
  expect(table.code).toBe(0);
  const lines = table.stdout.split("\n");
  expect(lines[0]).toMatch(/^WORKFLOW ID\s+NAME\s+STATUS\s+CLUSTER\s+OWNER\s+STARTED\s+FINISHED$/);
  expect(lines[1]).toMatch(/^a-3\s+ping_pong v1\s+completed\s+1\s+1\s+\d{4}-\d\d-\d\d /);
  expect(lines[2]).toMatch(/^a-2\s+ping_pong v1\s+failed\s/);
  const next = lines.find((line) => line.trim().startsWith("raftoral workflow list"));
  expect(next).toContain(`--limit 2 --address ${address} --transport http`);
  expect(next).toMatch(/--after \d+ /);
  // The printed command, run as printed, lists the rest.
  const rest = await runCli(next?.trim().split(" ").slice(1) ?? []);
  expect(rest.code).toBe(0);
  expect(rest.stdout).toMatch(/^WORKFLOW ID.*\na-1\s+ping_pong v1\s+completed/);
  expect(rest.stdout).not.toContain("Next page");

  const failed = await runCli(["workflow", "list", ...connection, "-s", "failed", "--json"]);
  expect(JSON.parse(failed.stdout).workflows).toHaveLength(1);
  const none = await runCli(["workflow", "list", ...connection, "--name", "other"]);
  expect(none.stdout).toBe("No workflows match.\n");
  const bad = await runCli(["workflow", "list", ...connection, "--page-token", "nope!", "--json"]);
  // A value the node refuses is a usage error, as one the CLI refuses itself.
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain("page_token is not valid");
  expect(JSON.parse(bad.stdout)).toMatchObject({ success: false, code: "INVALID_ARGUMENT" });
}, 60_000);
