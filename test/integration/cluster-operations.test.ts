// The operator API end to end on in-process nodes with real transports: RaftoralClient's
// status (with leaders reported through the management group), retries past a dead address,
// and a node leaving for good while the cluster keeps running workflows.

import { afterEach, describe, expect, test } from "bun:test";
import { RaftoralClient, UnreachableError, UnservedError } from "../../src/client/index.ts";
import { createLogger } from "../../src/lib/index.ts";
import { RaftoralNode } from "../../src/node/index.ts";
import { runCli } from "../support/cli-runner.ts";
import { freePort } from "../support/ports.ts";

const nodes: RaftoralNode[] = [];
const clients: RaftoralClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all(nodes.splice(0).map((node) => node.stop()));
});

const quiet = () => createLogger({ level: "error", format: "text", write: () => undefined });
const FAST = { tickIntervalMs: 20, reconcileIntervalMs: 100, failureTimeoutMs: 5_000 };

async function cluster(
  size: number,
  transport: "grpc" | "http",
  tuning: Partial<typeof FAST> & { leaderlessReportMs?: number } = FAST,
): Promise<string[]> {
  const addresses: string[] = [];
  for (let k = 0; k < size; k++) {
    const address = `127.0.0.1:${await freePort()}`;
    const node = new RaftoralNode({
      listen: address,
      bootstrap: k === 0,
      ...(k === 0 ? {} : { peers: [addresses[0] as string] }),
      transport,
      logger: quiet(),
      tuning,
    });
    nodes.push(node);
    await node.start();
    addresses.push(address);
  }
  return addresses;
}

function client(addresses: string | string[], transport: "grpc" | "http"): RaftoralClient {
  const made = new RaftoralClient(addresses, { transport, timeoutMs: 5_000, retryDelayMs: 20 });
  clients.push(made);
  return made;
}

async function until<T>(what: string, probe: () => Promise<T>, isDone: (value: T) => boolean) {
  const deadline = performance.now() + 20_000;
  for (;;) {
    const value = await probe();
    if (isDone(value)) return value;
    if (performance.now() > deadline)
      throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await Bun.sleep(50);
  }
}

describe.each(["grpc", "http"] as const)("over %s", (transport) => {
  test("status names every node, the management leader and the group's reported leader", async () => {
    const addresses = await cluster(3, transport);
    const dead = `127.0.0.1:${await freePort()}`;
    const operator = client([dead, ...addresses], transport);
    const status = await until(
      "the group to settle",
      () => operator.status(),
      (value) => value.groups[0]?.voters.length === 3 && value.groups[0]?.leaderId !== 0,
    );
    expect(status.transport).toBe(transport);
    const rows = status.nodes.map((node): unknown[] => [
      node.nodeId,
      node.address,
      node.managementRole,
    ]);
    expect(rows).toEqual([
      [1, addresses[0], "voter"],
      [2, addresses[1], "voter"],
      [3, addresses[2], "voter"],
    ]);
    expect(status.nodes.filter((node) => node.isManagementLeader)).toHaveLength(1);
    const [group] = status.groups;
    expect(group?.members).toEqual([1, 2, 3] as never);
    const leader = nodes.find((node) => node.nodeId === group?.leaderId);
    expect(
      leader
        ?.raftHost()
        ?.inspect(group?.groupId as never)
        ?.status().role,
    ).toBe("leader");
    // The group's leader as reported to the management group reaches every node.
    for (const node of nodes) {
      expect(node.managementState().groups.get(group?.groupId as never)?.leaderId).toBe(
        group?.leaderId as never,
      );
    }
    // Health is the first address's alone: the dead one's.
    expect(await operator.health().catch((error: unknown) => error)).toBeInstanceOf(
      UnreachableError,
    );
    expect((await client(addresses, transport).health()).status).toBe("ok");
    expect((await operator.discover()).currentVoterCount).toBe(3);
  }, 60_000);

  test("a node leaves, its process-level promise settles, and the rest keep working", async () => {
    const addresses = await cluster(3, transport);
    const leaving = nodes[2] as RaftoralNode;
    const left = await client(addresses[2] as string, transport).leave();
    expect(left.nodeId).toBe(leaving.nodeId);
    await leaving.stopped;
    const survivors = client(addresses.slice(0, 2), transport);
    const status = await until(
      "the group to drop node 3",
      () => survivors.status(),
      (value) => value.nodes.length === 2 && value.groups[0]?.voters.length === 1,
    );
    // Two members: one voter and a learner (two voters would lose their majority with either).
    expect(status.groups[0]?.members).toEqual([1, 2] as never);
    expect(status.groups[0]?.learners).toHaveLength(1);
    const result = await survivors.run("ping_pong", "ping");
    expect(result).toMatchObject({ status: "completed", output: "pong" });
    // The last two cannot both go: the last one must be stopped instead.
    await client(addresses[1] as string, transport).leave();
    await (nodes[1] as RaftoralNode).stopped;
    const refused = await client(addresses[0] as string, transport)
      .leave()
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(refused).toMatchObject({ code: "FAILED_PRECONDITION" });
    expect((refused as Error).message).toContain("only node of the cluster");
  }, 60_000);
});

test("the CLI runner: unreachable is exit 3 with a JSON error for scripts", async () => {
  const dead = `127.0.0.1:${await freePort()}`;
  const { code, stdout, stderr } = await runCli(["cluster", "status", "--address", dead, "--json"]);
  expect(code).toBe(3);
  expect(stderr).toStartWith(`error: no node answered cluster status (${dead}:`);
  expect(JSON.parse(stdout)).toMatchObject({ success: false, code: "UNAVAILABLE" });
  const error = await client(dead, "grpc")
    .health()
    .catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(UnreachableError);
}, 30_000);

test("node health asks the first address only: a dead node never passes for a live one", async () => {
  const [live] = (await cluster(1, "grpc")) as [string];
  const dead = `127.0.0.1:${await freePort()}`;
  const checked = await runCli(["node", "health", "--address", `${dead},${live}`]);
  expect(checked.code).toBe(3);
  expect(checked.stderr).toStartWith(`error: no node answered health (${dead}:`);
  const ok = await runCli(["node", "health", "--address", `${live},${dead}`]);
  expect(ok).toMatchObject({ code: 0, stdout: `Node 1 at ${live} is ok (management leader)\n` });
}, 30_000);

describe.each(["grpc", "http"] as const)("the CLI's exit codes over %s", (transport) => {
  test("a value the node refuses is 2; a node that answers it cannot serve is 1, not 3", async () => {
    const addresses = await cluster(3, transport, { ...FAST, leaderlessReportMs: 1_000 });
    const [survivor] = addresses as [string];
    const target = ["--address", survivor, "--transport", transport];
    const badId = await runCli([
      "workflow",
      "run",
      "ping_pong",
      "--workflow-id",
      "bad id!",
      ...target,
    ]);
    expect(badId.stderr).toContain("workflow_id");
    expect(badId.code).toBe(2);

    await until(
      "the group to have three voters",
      () => client(survivor, transport).status(),
      (value) => value.groups[0]?.voters.length === 3 && value.groups[0]?.leaderId !== 0,
    );
    await Promise.all(nodes.slice(1).map((node) => node.stop()));
    await until(
      "the survivor to report the group leaderless",
      () => client(survivor, transport).status(),
      (value) => (value.groups[0]?.leaderlessMs ?? 0) > 1_000,
    );
    const started = await runCli(["workflow", "run", "ping_pong", "--json", ...target]);
    expect(started.stderr).toStartWith(`error: no node could serve start (${survivor}: `);
    expect(started.stderr).toContain("has had no leader");
    expect(JSON.parse(started.stdout)).toMatchObject({ success: false, code: "UNAVAILABLE" });
    expect(started.code).toBe(1);
    const error = await client(survivor, transport)
      .start("ping_pong", "ping")
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UnservedError);
    expect(error).toMatchObject({ code: "UNAVAILABLE" });
  }, 60_000);

  test("a start waiting when its group loses its majority ends then, saying it may be done", async () => {
    const addresses = await cluster(3, transport, { ...FAST, leaderlessReportMs: 1_000 });
    const [survivor] = addresses as [string];
    await until(
      "the group to have three voters",
      () => client(survivor, transport).status(),
      (value) => value.groups[0]?.voters.length === 3 && value.groups[0]?.leaderId !== 0,
    );
    await Promise.all(nodes.slice(1).map((node) => node.stop()));
    // Sent before the survivor counts the group as without a leader: it waits, then ends.
    const caller = new RaftoralClient(survivor, { transport, timeoutMs: 50_000 });
    clients.push(caller);
    const error = await caller.start("ping_pong", "ping").catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "TIMEOUT" });
    expect((error as Error).message).toContain("has had no leader");
    expect((error as Error).message).toContain("may still be done once its voters are back");
  }, 60_000);
});
