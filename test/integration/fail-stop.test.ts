// Fail-stop storage, in one process with real transports: when a node's disk fails under the
// leader of a group, the proposal waiting on it is not acknowledged, the node reports why it
// is unavailable at once, hands the group to a caught-up voter without writing, and stops by
// itself; the other two keep serving. The process-level twin with a real full file system is
// test/integration/storage-failure.test.ts.

import { afterEach, describe, expect, test } from "bun:test";
import { EXIT_STORAGE_FAILED, exitCodeOf } from "../../src/cli/exit-codes.ts";
import { GrpcProtocolClient } from "../../src/client/index.ts";
import { createLogger, type GroupId, type NodeId } from "../../src/lib/index.ts";
import { RaftoralNode } from "../../src/node/index.ts";
import { realEnvironment } from "../../src/node/node-environment.ts";
import { FailingStorage } from "../support/failing-storage.ts";
import { nullExecution } from "../support/null-execution.ts";
import { eventually, freePort } from "../support/ports.ts";

const GROUP = 1 as GroupId;
const FAST = { tickIntervalMs: 20, reconcileIntervalMs: 100, failureTimeoutMs: 10_000 };
const nodes: RaftoralNode[] = [];

afterEach(async () => {
  await Promise.all(nodes.splice(0).map((node) => node.kill()));
});

interface TestNode {
  readonly node: RaftoralNode;
  readonly storage: FailingStorage;
  readonly address: string;
  readonly log: string[];
}

async function startNode(
  transport: "grpc" | "http",
  options: { bootstrap: boolean; peers: string[] },
): Promise<TestNode> {
  const address = `127.0.0.1:${await freePort()}`;
  const storage = new FailingStorage();
  const log: string[] = [];
  const node = new RaftoralNode({
    listen: address,
    bootstrap: options.bootstrap,
    peers: options.peers,
    transport,
    tuning: FAST,
    execution: nullExecution(),
    logger: createLogger({ level: "info", format: "text", write: (line) => log.push(line) }),
    environment: { ...realEnvironment(), storageFor: async () => storage },
  });
  nodes.push(node);
  await node.start();
  return { node, storage, address, log };
}

function leaderOf(cluster: readonly TestNode[]): TestNode | undefined {
  return cluster.find((entry) => entry.node.raftHost()?.inspect(GROUP)?.status().role === "leader");
}

test("a disk full while starting fails the start with the storage error itself (exit 74)", async () => {
  const storage = new FailingStorage();
  storage.breakOn(() => true);
  const node = new RaftoralNode({
    listen: `127.0.0.1:${await freePort()}`,
    bootstrap: true,
    transport: "http",
    tuning: FAST,
    logger: createLogger({ level: "error", format: "text", write: () => undefined }),
    environment: { ...realEnvironment(), storageFor: async () => storage },
  });
  nodes.push(node);
  const failure = await node.start().catch((error: unknown) => error as Error);
  expect(failure).toMatchObject({ code: "STORAGE_FAILED" });
  expect(failure?.message).toContain("the disk is full");
  expect(exitCodeOf(failure as Error, "start")).toBe(EXIT_STORAGE_FAILED);
});

describe.each(["grpc", "http"] as const)("a storage failure under a leader, over %s", (kind) => {
  test("no acknowledgement, unavailable at once, leadership handed over, the node stops", async () => {
    const first = await startNode(kind, { bootstrap: true, peers: [] });
    const cluster = [first];
    for (let k = 0; k < 2; k++) {
      cluster.push(await startNode(kind, { bootstrap: false, peers: [first.address] }));
    }
    await eventually("group 1 has three voters and a leader that all of them follow", () => {
      const leader = leaderOf(cluster);
      const status = leader?.node.raftHost()?.inspect(GROUP)?.status();
      return (
        status?.confState.voters.length === 3 &&
        cluster.every(
          (entry) => entry.node.raftHost()?.inspect(GROUP)?.status().leaderId === status.id,
        )
      );
    });
    const victim = leaderOf(cluster) as TestNode;
    const others = cluster.filter((entry) => entry !== victim);
    const term = victim.node.raftHost()?.inspect(GROUP)?.status().term ?? 0;
    // The disk fills up exactly when the group's next entry is to be written.
    victim.storage.breakOn((batch) =>
      batch.some((write) => write.groupId === GROUP && write.entries.length > 0),
    );
    const proposal = victim.node.raftHost()?.propose(GROUP, new TextEncoder().encode("x"));
    const error = await proposal?.then(
      () => undefined,
      (caught: unknown) => caught as { code: string; message: string },
    );
    // Not acknowledged, and not "safe to retry" either: the entry may have reached the others.
    expect(error?.code).toBe("TIMEOUT");
    expect(error?.message).toContain("may still be applied");
    expect(victim.storage.failedWrites).toBeGreaterThan(0);

    const health = victim.node.failure === undefined ? undefined : await healthOf(kind, victim);
    expect(health?.status).toBe(503);
    expect(health?.body.reason).toStartWith("storage failed: writing test.db failed");
    expect(victim.log.join("\n")).toContain("Handing over leadership without writing");

    await eventually("a caught-up voter took over in the next term", () => {
      const leader = leaderOf(others);
      return leader?.node.raftHost()?.inspect(GROUP)?.status().term === term + 1;
    });
    await victim.node.stopped;
    expect(victim.node.failure?.message).toContain("the disk is full");

    // The other two go on committing in the group.
    const survivor = leaderOf(others) as TestNode;
    await survivor.node.raftHost()?.propose(GROUP, new TextEncoder().encode("after"));
    expect(others.map((entry) => entry.node.failure)).toEqual([undefined, undefined]);
    expect(survivor.node.nodeId).not.toBe(victim.node.nodeId as NodeId);
  }, 60_000);
});

/** GET /health over HTTP; over gRPC, the node's health call (the same answer as Health/Check). */
async function healthOf(
  kind: "grpc" | "http",
  entry: TestNode,
): Promise<{ status: number; body: { status: string; reason?: string } }> {
  if (kind === "http") {
    const response = await fetch(`http://${entry.address}/health`);
    return {
      status: response.status,
      body: (await response.json()) as { status: string; reason?: string },
    };
  }
  const client = new GrpcProtocolClient(entry.address, {});
  try {
    const info = await client.health({ timeoutMs: 5_000 });
    return { status: info.status === "ok" ? 200 : 503, body: info };
  } finally {
    await client.close();
  }
}
