// Bootstrap and joins with real transports on loopback, nodes in one process.

import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger, MANAGEMENT_GROUP, type RaftoralError } from "../../src/lib/index.ts";
import { RaftoralNode } from "../../src/node/index.ts";
import { nullExecution } from "../support/null-execution.ts";
import { eventually, freePort } from "../support/ports.ts";

const nodes: RaftoralNode[] = [];
const directories: string[] = [];
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((node) => node.stop()));
  for (const directory of directories.splice(0))
    rmSync(directory, { recursive: true, force: true });
});

const quiet = () => createLogger({ level: "error", format: "text", write: () => undefined });
const FAST = { tickIntervalMs: 20, reconcileIntervalMs: 100, failureTimeoutMs: 2_000 };

async function startNode(options: {
  port: number;
  peers?: string[];
  bootstrap?: boolean;
  transport: "grpc" | "http";
  storagePath?: string;
}) {
  const node = new RaftoralNode({
    listen: `127.0.0.1:${options.port}`,
    ...(options.storagePath === undefined ? {} : { storagePath: options.storagePath }),
    ...(options.peers === undefined ? {} : { peers: options.peers }),
    bootstrap: options.bootstrap ?? false,
    transport: options.transport,
    logger: quiet(),
    tuning: FAST,
    execution: nullExecution(),
  });
  nodes.push(node);
  await node.start();
  return node;
}

describe.each(["grpc", "http"] as const)("cluster formation over %s", (transport) => {
  test("bootstrap and two joins: ids 1..3, three voters, one execution group of three", async () => {
    const ports = [await freePort(), await freePort(), await freePort()];
    const first = await startNode({ port: ports[0] as number, bootstrap: true, transport });
    expect(first.nodeId).toBe(1 as never);
    const second = await startNode({
      port: ports[1] as number,
      peers: [`127.0.0.1:${ports[0]}`],
      transport,
    });
    const third = await startNode({
      port: ports[2] as number,
      peers: [`127.0.0.1:${ports[0]}`, `127.0.0.1:${ports[1]}`],
      transport,
    });
    expect([second.nodeId, third.nodeId]).toEqual([2, 3] as never);
    await eventually("three voters in the management group", () => {
      const status = first.raftHost()?.inspect(MANAGEMENT_GROUP)?.status();
      return status?.confState.voters.length === 3;
    });
    await eventually("execution group 1 holds all three nodes", () => {
      const group = first.managementState().groups.get(1 as never);
      return group?.voters.length === 3;
    });
    for (const node of [first, second, third]) {
      await eventually(
        `node ${node.nodeId} hosts group 1`,
        () => node.raftHost()?.hasGroup(1 as never) === true,
      );
    }
  }, 60_000);
});

describe("--bootstrap with --peers", () => {
  test("bootstraps while no peer is in a cluster; back with an empty disk, joins it", async () => {
    const ports = await Promise.all([1, 2, 3].map(() => freePort()));
    const [a, b, c] = ports.map((port) => `127.0.0.1:${port}`) as [string, string, string];
    const storagePath = mkdtempSync(join(tmpdir(), "raftoral-bootstrap-"));
    directories.push(storagePath);
    const firstOptions = { port: ports[0] as number, bootstrap: true, peers: [b, c], storagePath };
    // The cluster's first start: the peers are not up yet.
    const first = await startNode({ ...firstOptions, transport: "grpc" });
    expect(first.nodeId).toBe(1 as never);
    const cluster = first.managementState().clusterId;
    const second = await startNode({ port: ports[1] as number, peers: [a], transport: "grpc" });
    await startNode({ port: ports[2] as number, peers: [a, b], transport: "grpc" });
    await eventually("three voters", () => second.managementState().nodes.size === 3);
    // Node 1 loses its disk and comes back with the same command line.
    await first.stop();
    rmSync(storagePath, { recursive: true });
    const again = await startNode({ ...firstOptions, transport: "grpc" });
    expect(again.nodeId).toBe(4 as never);
    expect(again.managementState().clusterId).toBe(cluster);
    // The old id at that address is removed at once.
    await eventually("node 1 removed", () => !second.managementState().nodes.has(1 as never));
  }, 60_000);
});

describe.each(["grpc", "http"] as const)("--bootstrap on every node, over %s", (transport) => {
  test("three nodes started at once, each naming the others, form one cluster (4 rounds)", async () => {
    for (let round = 0; round < 4; round++) {
      const ports = await Promise.all([1, 2, 3].map(() => freePort()));
      const addresses = ports.map((port) => `127.0.0.1:${port}`);
      const started = await Promise.all(
        ports.map((port, i) =>
          startNode({
            port,
            bootstrap: true,
            peers: addresses.filter((_, j) => j !== i),
            transport,
          }),
        ),
      );
      await eventually("one cluster of three", () =>
        started.every((node) => node.managementState().nodes.size === 3),
      );
      const clusters = new Set(started.map((node) => node.managementState().clusterId));
      expect(clusters.size).toBe(1);
      expect(started.map((node) => node.nodeId).sort()).toEqual([1, 2, 3] as never);
      await Promise.all(nodes.splice(0).map((node) => node.stop()));
    }
  }, 90_000);
});

describe("a founder alone that went down before its peers started", () => {
  test("is refused at its restart, not left leading a second cluster", async () => {
    const ports = await Promise.all([1, 2, 3].map(() => freePort()));
    const addresses = ports.map((port) => `127.0.0.1:${port}`);
    const storagePath = mkdtempSync(join(tmpdir(), "raftoral-founder-"));
    directories.push(storagePath);
    const options = (i: number) => ({
      port: ports[i] as number,
      bootstrap: true,
      peers: addresses.filter((_, j) => j !== i),
      transport: "grpc" as const,
    });
    // Its peers are down: it founds a cluster of its own, then goes down.
    const founder = await startNode({ ...options(2), storagePath });
    await founder.kill();
    const peers = await Promise.all([startNode(options(0)), startNode(options(1))]);
    await eventually("the peers' cluster of two", () =>
      peers.every((node) => node.managementState().nodes.size === 2),
    );
    const refused = await startNode({ ...options(2), storagePath }).catch((error) => error);
    expect((refused as RaftoralError).code).toBe("FAILED_PRECONDITION");
    expect((refused as Error).message).toContain("belongs to another cluster");
  }, 60_000);
});

describe("cluster growth and failure detection", () => {
  test("seven nodes: five voters and two learners, execution groups of 3 and 4", async () => {
    const ports = await Promise.all(Array.from({ length: 7 }, () => freePort()));
    const seed = `127.0.0.1:${ports[0]}`;
    const first = await startNode({ port: ports[0] as number, bootstrap: true, transport: "grpc" });
    for (const port of ports.slice(1)) await startNode({ port, peers: [seed], transport: "grpc" });
    await eventually("5 voters and 2 learners", () => {
      const conf = first.raftHost()?.inspect(MANAGEMENT_GROUP)?.status().confState;
      return conf?.voters.length === 5 && conf.learners.length === 2;
    });
    await eventually("two execution groups of 3 and 4, everyone placed", () => {
      const groups = [...first.managementState().groups.values()];
      const sizes = groups.map((group) => group.voters.length).sort();
      return sizes.join(",") === "3,4";
    });
  }, 90_000);

  test("a silent node is removed and a learner takes its voter seat", async () => {
    const ports = await Promise.all(Array.from({ length: 6 }, () => freePort()));
    const seed = `127.0.0.1:${ports[0]}`;
    const first = await startNode({ port: ports[0] as number, bootstrap: true, transport: "grpc" });
    const others: RaftoralNode[] = [];
    for (const port of ports.slice(1))
      others.push(await startNode({ port, peers: [seed], transport: "grpc" }));
    await eventually("5 voters and 1 learner", () => {
      const conf = first.raftHost()?.inspect(MANAGEMENT_GROUP)?.status().confState;
      return conf?.voters.length === 5 && conf.learners.length === 1;
    });
    const victim = others.find((node) =>
      first.raftHost()?.inspect(MANAGEMENT_GROUP)?.status().confState.voters.includes(node.nodeId),
    );
    if (victim === undefined) throw new Error("no voter to stop");
    await victim.stop();
    await eventually(
      "the silent node is removed and voters are back to 5",
      () => {
        const conf = first.raftHost()?.inspect(MANAGEMENT_GROUP)?.status().confState;
        return (
          !first.managementState().nodes.has(victim.nodeId) &&
          conf?.voters.length === 5 &&
          !conf.voters.includes(victim.nodeId)
        );
      },
      30_000,
    );
  }, 90_000);
});
