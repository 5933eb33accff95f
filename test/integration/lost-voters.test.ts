// After `cluster recover --force`, the voters it left behind are refused for good: status
// names them, and one restarted from its old storage directory exits with EXIT_STALE_STATE
// saying how to come back, while the survivor serves on; two restarted while the survivor was
// down stop once it is back. Real processes, both transports.

import { afterEach, describe, expect, test } from "bun:test";
import { EXIT_STALE_STATE } from "../../src/cli/exit-codes.ts";
import { RaftoralClient } from "../../src/client/index.ts";
import { NodeProcessCluster } from "../support/node-process-cluster.ts";

const clusters: NodeProcessCluster[] = [];
const clients: RaftoralClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all(clusters.splice(0).map((cluster) => cluster.stop()));
});

async function until<T>(what: string, probe: () => Promise<T>, isDone: (value: T) => boolean) {
  const deadline = performance.now() + 30_000;
  for (;;) {
    const value = await probe().catch((error: unknown) => error as T);
    if (isDone(value)) return value;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(100);
  }
}

/**
 * Three nodes; the first two killed and the groups recovered on the third with --force.
 * Returns the recovery's answer and the ids it left behind, sorted.
 */
async function recoveredOnSurvivor(transport: "grpc" | "http") {
  const cluster = new NodeProcessCluster(transport);
  clusters.push(cluster);
  const first = await cluster.add();
  const second = await cluster.add();
  const survivor = await cluster.add();
  const client = new RaftoralClient([`${transport}://${survivor.address}`], {
    timeoutMs: 30_000,
  });
  clients.push(client);
  await until(
    "three voters",
    () => client.status(),
    (status) => status.groups[0]?.voters.length === 3,
  );
  const lostIds = [cluster.nodeId(first), cluster.nodeId(second)].sort();
  await cluster.kill(first);
  await cluster.kill(second);
  await until(
    "both groups leaderless for a few seconds",
    () => client.recover({ dryRun: true }),
    (dryRun) => dryRun.groups?.length === 2,
  );
  const forced = await client.recover({ dryRun: false });
  return { cluster, first, second, survivor, client, lostIds, forced };
}

describe.each(["grpc", "http"] as const)("over %s", (transport) => {
  test("voters left behind by a forced recovery are named, and refused when they restart", async () => {
    const { cluster, first, client, lostIds, forced } = await recoveredOnSurvivor(transport);
    expect(forced.groups.map((group) => group.isRecovered)).toEqual([true, true]);
    const status = await client.status();
    expect(status.lostNodeIds).toEqual(lostIds as never);

    const refused = await cluster.runToExit(first.args);
    expect(refused.exitCode).toBe(EXIT_STALE_STATE);
    expect(refused.stderr).toContain("the cluster refused to take this node back");
    expect(refused.stderr).toContain("empty --storage-path");
    expect(refused.stderr).not.toMatch(/Node \d+ is ready/);
    expect(await client.run("ping_pong", "ping")).toMatchObject({
      status: "completed",
      output: "pong",
    });
  }, 120_000);

  test("voters left behind that restarted while the survivor was down stop once it is back", async () => {
    const { cluster, first, second, survivor, client } = await recoveredOnSurvivor(transport);
    await cluster.kill(survivor);
    // Nobody who knows of the recovery answers their restart check: the two left behind are
    // a majority of their old configuration, and serve a copy of the cluster of their own.
    await Promise.all([cluster.launch(first), cluster.launch(second)]);
    await cluster.launch(survivor);
    // Within a check interval of the survivor's return, both learn they were left behind.
    const exits = await Promise.all([first.process?.exited, second.process?.exited]);
    expect(exits).toEqual([EXIT_STALE_STATE, EXIT_STALE_STATE]);
    expect(first.log).toContain("the cluster refused to take this node back");
    expect(await client.run("ping_pong", "ping")).toMatchObject({
      status: "completed",
      output: "pong",
    });
  }, 120_000);
});
