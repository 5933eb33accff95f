// A node started from an old copy of its storage directory (a restored backup) is refused by
// the cluster and exits with EXIT_STALE_STATE, telling the operator the safe way back; the
// cluster keeps serving and keeps what it acknowledged; the documented procedure (move the
// directory aside, start empty) brings the node back as a new one. Real processes, HTTP.

import { afterAll, expect, test } from "bun:test";
import { cpSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { EXIT_STALE_STATE } from "../../src/cli/exit-codes.ts";
import { RaftoralClient, type StartedWorkflow } from "../../src/client/index.ts";
import { NodeProcessCluster } from "../support/node-process-cluster.ts";

const cluster = new NodeProcessCluster("http");
afterAll(() => cluster.stop());

test("a restored backup of a node's directory is refused; the cluster goes on; the node rejoins as a new one", async () => {
  await cluster.add();
  await cluster.add();
  const victim = await cluster.add();
  const victimId = cluster.nodeId(victim);
  const storagePath = join(cluster.directory, "n2");
  const backup = join(cluster.directory, "backup");
  const client = new RaftoralClient(
    cluster.nodes.map((node) => `http://${node.address}`),
    { timeoutMs: 30_000 },
  );
  try {
    // A backup taken the way the README says: the node stopped, its whole directory copied.
    expect(await cluster.signal(victim, "SIGTERM")).toBe(0);
    cpSync(storagePath, backup, { recursive: true });
    // The node runs on and takes part in new writes.
    await cluster.launch(victim);
    expect(victim.log).toContain("Storage checked in");
    const acknowledged: StartedWorkflow[] = [];
    for (let k = 0; k < 5; k++) acknowledged.push(await client.start("ping_pong", "ping"));
    for (const workflow of acknowledged) {
      expect(await client.wait(workflow)).toMatchObject({ status: "completed", output: "pong" });
    }
    expect(await cluster.signal(victim, "SIGTERM")).toBe(0);

    // The old copy comes back: refused, with what to do, and never ready.
    rmSync(storagePath, { recursive: true, force: true });
    cpSync(backup, storagePath, { recursive: true });
    const refused = await cluster.runToExit(victim.args);
    expect(refused.exitCode).toBe(EXIT_STALE_STATE);
    expect(refused.stderr).toContain(
      `node ${victimId}: the cluster refused this node's storage directory`,
    );
    expect(refused.stderr).toContain("move the directory aside");
    expect(refused.stderr).not.toMatch(/Node \d+ is ready/);
    // Refused again at every start: a refused copy never catches up by restarting.
    expect((await cluster.runToExit(victim.args)).exitCode).toBe(EXIT_STALE_STATE);

    // The two others serve, and everything acknowledged is there.
    const survivors = new RaftoralClient(
      cluster.nodes.slice(0, 2).map((node) => `http://${node.address}`),
      { timeoutMs: 30_000 },
    );
    try {
      for (const workflow of acknowledged) {
        expect(await survivors.wait(workflow)).toMatchObject({ status: "completed" });
      }
      expect(await survivors.run("ping_pong", "ping")).toMatchObject({ output: "pong" });
    } finally {
      await survivors.close();
    }

    // The safe way back (docs/storage.md): move the directory aside and start empty.
    renameSync(storagePath, join(cluster.directory, "n2-stale"));
    await cluster.launch(victim);
    expect(cluster.nodeId(victim)).not.toBe(victimId);
    expect(await client.run("ping_pong", "ping")).toMatchObject({ output: "pong" });
  } finally {
    await client.close();
  }
}, 240_000);
