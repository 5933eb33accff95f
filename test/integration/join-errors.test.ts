// The Troubleshooting messages are the real errors a joining node fails with: nobody answers
// ("Could not discover any peers", within the join timeout), or the cluster refuses it
// ("Failed to add node to cluster", with the reason). A --node-id is asked for with or
// without --storage-path, and one that is taken is refused, leaving nothing behind. A gRPC
// node's operator port (--http-listen) leads a joiner to the cluster's own protocol. An
// --advertise address that leads elsewhere is refused before the cluster records it. A node
// certificate its peers will refuse is named before the join looks for them.

import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../../src/lib/index.ts";
import { RaftoralNode } from "../../src/node/index.ts";
import { defineWorkflow } from "../../src/workflow/index.ts";
import { freePort } from "../support/ports.ts";
import { makeTestCertificates } from "../support/test-certificates.ts";

const nodes: RaftoralNode[] = [];
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((node) => node.stop()));
});

const quiet = () => createLogger({ level: "error", format: "text", write: () => undefined });
const FAST = { tickIntervalMs: 20, reconcileIntervalMs: 100, joinTimeoutMs: 1_500 };

function node(options: {
  port: number;
  transport: "grpc" | "http";
  peers?: string[];
  workflows?: ReturnType<typeof defineWorkflow>[];
  nodeId?: number;
  storagePath?: string;
  httpListen?: string;
  advertise?: string;
  log?: (line: string) => void;
}): RaftoralNode {
  const created = new RaftoralNode({
    listen: `127.0.0.1:${options.port}`,
    ...(options.advertise === undefined ? {} : { advertise: options.advertise }),
    ...(options.nodeId === undefined ? {} : { nodeId: options.nodeId }),
    ...(options.storagePath === undefined ? {} : { storagePath: options.storagePath }),
    ...(options.httpListen === undefined ? {} : { httpListen: options.httpListen }),
    bootstrap: options.peers === undefined,
    ...(options.peers === undefined ? {} : { peers: options.peers }),
    transport: options.transport,
    workflows: options.workflows ?? [],
    logger:
      options.log === undefined
        ? quiet()
        : createLogger({ level: "info", format: "text", write: options.log }),
    tuning: FAST,
  });
  nodes.push(created);
  return created;
}

async function failureOf(start: Promise<void>): Promise<Error> {
  try {
    await start;
  } catch (error) {
    return error as Error;
  }
  throw new Error("the start succeeded");
}

test("--peers naming a gRPC node's --http-listen port joins the cluster over gRPC", async () => {
  const port = await freePort();
  const operatorPort = await freePort();
  const first = node({ port, transport: "grpc", httpListen: `127.0.0.1:${operatorPort}` });
  await first.start();
  const began = performance.now();
  const joiner = node({
    port: await freePort(),
    transport: "grpc",
    peers: [`127.0.0.1:${operatorPort}`],
  });
  await joiner.start();
  expect(joiner.nodeId).toBe(2 as never);
  expect(first.managementState().transport).toBe("grpc");
  // Through the management leader's own port, not after the join timeout.
  expect(performance.now() - began).toBeLessThan(FAST.joinTimeoutMs);
}, 30_000);

test("a node given no --transport follows an HTTP cluster and says so at info, not warn", async () => {
  const port = await freePort();
  await node({ port, transport: "http" }).start();
  const lines: string[] = [];
  const joiner = new RaftoralNode({
    listen: `127.0.0.1:${await freePort()}`,
    peers: [`127.0.0.1:${port}`],
    workflows: [],
    logger: createLogger({ level: "info", format: "text", write: (line) => lines.push(line) }),
    tuning: FAST,
  });
  nodes.push(joiner);
  await joiner.start();
  const said = lines.filter((line) => line.includes("The cluster uses HTTP, not gRPC"));
  // Every restart of such a node said it at warn: the default is no choice to warn about.
  expect(said).toHaveLength(1);
  expect(said[0]).toStartWith("INFO ");
});

test("--peers naming only the node's own address is refused at once, saying so", async () => {
  const port = await freePort();
  const self = `127.0.0.1:${port}`;
  const began = performance.now();
  const error = await failureOf(node({ port, transport: "grpc", peers: [self, self] }).start());
  expect(error.message).toContain(`--peers names only the address this node listens on (${self})`);
  expect(error.message).toContain("--bootstrap");
  // Not after the join timeout spent asking itself.
  expect(performance.now() - began).toBeLessThan(FAST.joinTimeoutMs);
}, 30_000);

describe.each(["grpc", "http"] as const)("joining over %s", (transport) => {
  test("peers that never answer: 'Could not discover any peers' within the join timeout", async () => {
    const silent = `127.0.0.1:${await freePort()}`;
    const began = performance.now();
    let log = "";
    const joiner = node({
      port: await freePort(),
      transport,
      peers: [silent],
      log: (line) => {
        log += line;
      },
    });
    const error = await failureOf(joiner.start());
    expect(error.message).toContain("Could not discover any peers");
    expect(error.message).toContain(silent);
    // Not silent meanwhile: where it looks, and that no one answered, with why.
    expect(log).toContain(`Looking for the cluster, peers: ${silent}`);
    expect(log).toMatch(new RegExp(`No peer answered yet; retrying, error: ${silent}`));
    // The join timeout plus one round of attempts, not forever.
    expect(performance.now() - began).toBeLessThan(15_000);
  }, 30_000);

  test("a different workflow set: 'Failed to add node to cluster' naming --workflows", async () => {
    const port = await freePort();
    await node({ port, transport }).start();
    const extra = defineWorkflow("extra", 1, async (input: string) => input);
    let log = "";
    const joiner = node({
      port: await freePort(),
      transport,
      peers: [`127.0.0.1:${port}`],
      workflows: [extra],
      log: (line) => {
        log += line;
      },
    });
    const error = await failureOf(joiner.start());
    expect(error.message).toContain("Failed to add node to cluster");
    expect(error.message).toContain("--workflows");
    expect(error.message).toContain(`"Starting node" log line names its workflows`);
    // What the message points to: the joiner's set, to compare with the cluster's nodes.
    expect(log).toContain("workflows: extra@1 ping_pong@1");
  }, 30_000);

  test("--node-id is the id asked for, without --storage-path too; a taken one is refused", async () => {
    const port = await freePort();
    const first = node({ port, transport, nodeId: 5 });
    await first.start();
    expect(first.nodeId).toBe(5 as never);
    const peers = [`127.0.0.1:${port}`];
    const second = node({ port: await freePort(), transport, peers, nodeId: 9 });
    await second.start();
    expect(second.nodeId).toBe(9 as never);
    let log = "";
    const taken = node({
      port: await freePort(),
      transport,
      peers,
      nodeId: 9,
      log: (line) => {
        log += line;
      },
    });
    const error = await failureOf(taken.start());
    // Its log says which id it asked for, not "unassigned".
    expect(log).toContain("Starting node, node_id: 9 (asked for)");
    expect(error.message).toContain("Failed to add node to cluster");
    expect(error.message).toContain(`node id 9 is in use by ${second.address}`);
    expect((error.cause as { code?: string } | undefined)?.code).toBe("ALREADY_EXISTS");
  }, 30_000);

  test("a directory left by a join that stopped early is removed; the next start joins anew", async () => {
    const port = await freePort();
    await node({ port, transport }).start();
    const peers = [`127.0.0.1:${port}`];
    const storagePath = mkdtempSync(join(tmpdir(), "raftoral-join-"));
    try {
      const address = await freePort();
      const joined = node({ port: address, transport, peers, storagePath });
      await joined.start();
      expect(joined.nodeId).toBe(2 as never);
      await joined.stop();
      // As a kill between "Joined the cluster" and saving the identity leaves it: empty.
      rmSync(join(storagePath, "node_2"), { recursive: true });
      mkdirSync(join(storagePath, "node_2"));
      // Without --peers, it says what the directory is and how to go on.
      const alone = new RaftoralNode({
        listen: `127.0.0.1:${address}`,
        storagePath,
        transport,
        logger: quiet(),
        tuning: FAST,
      });
      nodes.push(alone);
      expect((await failureOf(alone.start())).message).toStartWith(
        "node_2 under --storage-path held no identity: a join that stopped before it saved one.",
      );
      mkdirSync(join(storagePath, "node_2"));
      const again = node({ port: address, transport, peers, storagePath });
      const error = await failureOf(again.start());
      expect(error.message).toStartWith("node_2 under --storage-path held no identity: a join");
      expect(error.message).toContain("start this node again and it joins as a new node");
      expect(existsSync(join(storagePath, "node_2"))).toBe(false);
      const renewed = node({ port: address, transport, peers, storagePath });
      await renewed.start();
      expect(renewed.nodeId).toBe(3 as never);
    } finally {
      await Promise.all(nodes.splice(0).map((started) => started.stop()));
      rmSync(storagePath, { recursive: true, force: true });
    }
  }, 30_000);

  test("a refused --node-id leaves no directory behind: the next start without it joins", async () => {
    const port = await freePort();
    await node({ port, transport }).start();
    const peers = [`127.0.0.1:${port}`];
    const storagePath = mkdtempSync(join(tmpdir(), "raftoral-join-"));
    try {
      const taken = node({ port: await freePort(), transport, peers, nodeId: 1, storagePath });
      expect((await failureOf(taken.start())).message).toContain("node id 1 is in use");
      expect(existsSync(join(storagePath, "node_1"))).toBe(false);
      const retried = node({ port: await freePort(), transport, peers, storagePath });
      await retried.start();
      expect(retried.nodeId).toBe(2 as never);
      expect(existsSync(join(storagePath, "node_2"))).toBe(true);
    } finally {
      await Promise.all(nodes.splice(0).map((started) => started.stop()));
      rmSync(storagePath, { recursive: true, force: true });
    }
  }, 30_000);

  test("an --advertise address of another node is refused, and that node stays in the cluster", async () => {
    const port = await freePort();
    const first = node({ port, transport });
    await first.start();
    const joiner = node({
      port: await freePort(),
      transport,
      peers: [`127.0.0.1:${port}`],
      advertise: `127.0.0.1:${port}`,
    });
    const error = await failureOf(joiner.start());
    expect(error.message).toContain("Failed to add node to cluster");
    expect(error.message).toContain(`127.0.0.1:${port}, leads to node 1, not to this node`);
    expect(error.message).toContain("--advertise");
    // Before, the cluster took the joiner for node 1 back without its storage and removed it.
    expect([...first.managementState().nodes.values()].map((n) => n.address)).toEqual([
      `127.0.0.1:${port}`,
    ]);
  }, 30_000);

  test("an --advertise address nothing answers at: the joiner says so at once and is not admitted", async () => {
    const port = await freePort();
    const first = node({ port, transport });
    await first.start();
    const nowhere = `127.0.0.1:${await freePort()}`;
    const lines: string[] = [];
    const joiner = node({
      port: await freePort(),
      transport,
      peers: [`127.0.0.1:${port}`],
      advertise: nowhere,
      log: (line) => lines.push(line),
    });
    const error = await failureOf(joiner.start());
    const reason = `node 1 cannot reach the joining node at the address it registers, ${nowhere}`;
    expect(error.message).toContain("Failed to add node to cluster");
    expect(error.message).toContain(reason);
    // Logged at the first refusal, and once, not only in the error when the join times out.
    const told = lines.filter((line) => line.includes(reason));
    expect(told).toHaveLength(1);
    expect(told[0]).toContain("A peer did not take this node's registration; trying again");
    expect(first.managementState().nodes.size).toBe(1);
  }, 30_000);
});

test("a joining node whose certificate its peers will refuse says so before it looks for them", async () => {
  const certificates = makeTestCertificates();
  try {
    const lines: string[] = [];
    // The test client certificate: for client authentication only, and naming no host.
    const { cert, key } = certificates.client;
    const joiner = new RaftoralNode({
      listen: `127.0.0.1:${await freePort()}`,
      peers: [`127.0.0.1:${await freePort()}`],
      workflows: [],
      security: { tls: { cert, key, ca: certificates.ca } },
      logger: createLogger({ level: "info", format: "text", write: (line) => lines.push(line) }),
      tuning: FAST,
    });
    nodes.push(joiner);
    const error = await failureOf(joiner.start());
    expect(error.message).toContain("Could not discover any peers");
    const warned = lines.findIndex((line) =>
      line.includes(
        "This node's TLS certificate cannot be used: its extended key usage lacks serverAuth",
      ),
    );
    expect(warned).toBeGreaterThanOrEqual(0);
    // Logged although the join never found a peer: the check comes before it looks for them.
    expect(lines[warned]).toContain("its subjectAltName does not name 127.0.0.1");
  } finally {
    certificates.remove();
  }
}, 30_000);
