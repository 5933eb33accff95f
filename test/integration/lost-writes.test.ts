// A node whose database lost writes it had synced (here: an older copy of the file put back,
// as a WAL cut short leaves it) does not start, saying so, where before it started as an
// older copy of itself and, with a node that had missed the same writes, could elect a leader
// without workflows clients were told had completed. The nodes that kept them serve them.
// Real processes, HTTP.

import { afterAll, expect, test } from "bun:test";
import { copyFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { EXIT_STALE_STATE } from "../../src/cli/exit-codes.ts";
import { RaftoralClient, type StartedWorkflow } from "../../src/client/index.ts";
import { NodeProcessCluster } from "../support/node-process-cluster.ts";

const cluster = new NodeProcessCluster("http");
afterAll(() => cluster.stop());

test("a node whose database lost synced writes does not start; the nodes that kept them serve them", async () => {
  const first = await cluster.add();
  const second = await cluster.add();
  const victim = await cluster.add();
  const database = join(cluster.directory, "n2", `node_${cluster.nodeId(victim)}`, "raftoral.db");
  const older = join(cluster.directory, "older.db");
  // The victim's database as it is now (stopped, so the file is whole).
  expect(await cluster.signal(victim, "SIGTERM")).toBe(0);
  copyFileSync(database, older);
  await cluster.launch(victim);

  // With the second node down, these commit on the first node and the victim only.
  expect(await cluster.signal(second, "SIGTERM")).toBe(0);
  const client = new RaftoralClient(
    [first, victim].map((node) => `http://${node.address}`),
    { timeoutMs: 30_000 },
  );
  const acknowledged: StartedWorkflow[] = [];
  try {
    for (let k = 0; k < 5; k++) acknowledged.push(await client.start("ping_pong", "ping"));
    for (const workflow of acknowledged) {
      expect(await client.wait(workflow)).toMatchObject({ status: "completed", output: "pong" });
    }
  } finally {
    await client.close();
  }
  expect(await cluster.signal(victim, "SIGTERM")).toBe(0);
  expect(await cluster.signal(first, "SIGTERM")).toBe(0);

  // The victim's disk gives back the older file: what it had synced since is gone.
  copyFileSync(older, database);
  rmSync(`${database}-wal`, { force: true });
  const refused = await cluster.runToExit(victim.args);
  expect(refused.exitCode).toBe(EXIT_STALE_STATE);
  expect(refused.stderr).toContain(`${database} lost writes it had synced`);
  expect(refused.stderr).not.toMatch(/Node \d+ is ready/);

  // The first node kept them; with the second it is a majority, and serves them.
  await Promise.all([cluster.launch(first), cluster.launch(second)]);
  const survivors = new RaftoralClient(
    [first, second].map((node) => `http://${node.address}`),
    { timeoutMs: 30_000 },
  );
  try {
    for (const workflow of acknowledged) {
      expect(await survivors.wait(workflow)).toMatchObject({ status: "completed" });
    }
  } finally {
    await survivors.close();
  }
}, 240_000);
