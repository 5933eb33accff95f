// Real node processes: a seven-node cluster's shape, transport detection, graceful shutdown
// on SIGTERM (while joining too), and starts that fail: a port that is taken, settings that
// cannot work together, a member moved to another address, a damaged database; and a node
// whose stderr closes.

import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { EXIT_DATA_DAMAGED } from "../../src/cli/exit-codes.ts";
import {
  GrpcProtocolClient,
  HttpProtocolClient,
  type ProtocolClient,
} from "../../src/client/index.ts";
import type { DiscoveryInfo } from "../../src/transport/index.ts";
import { NodeProcessCluster } from "../support/node-process-cluster.ts";
import { freePort } from "../support/ports.ts";

let cluster: NodeProcessCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

type Transport = "grpc" | "http";

function client(transport: Transport, address: string): ProtocolClient {
  return transport === "grpc" ? new GrpcProtocolClient(address) : new HttpProtocolClient(address);
}

async function discover(transport: Transport, address: string): Promise<DiscoveryInfo | undefined> {
  const peer = client(transport, address);
  try {
    return await peer.discover({ timeoutMs: 2_000 });
  } catch {
    // Handled: a node that does not answer (yet, or any more) has nothing to tell.
    return undefined;
  } finally {
    await peer.close();
  }
}

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = performance.now() + 60_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(100);
  }
}

describe.each(["grpc", "http"] as const)("node processes over %s", (transport) => {
  test("seven nodes: five voters, two learners, two execution groups", async () => {
    cluster = new NodeProcessCluster(transport);
    const current = cluster;
    for (let k = 0; k < 7; k++) await current.add();
    const first = current.nodes[0]?.address ?? "";
    const info = await until("five voters", async () => {
      const found = await discover(transport, first);
      return found?.currentVoterCount === 5 ? found : undefined;
    });
    expect(info.highestKnownNodeId).toBe(7 as never);
    const status = await until("two execution groups of 3 and 4", async () => {
      const peer = new (transport === "grpc" ? GrpcProtocolClient : HttpProtocolClient)(first);
      try {
        const found = await peer.clusterStatus({ timeoutMs: 2_000 });
        const sizes = found.groups.map((group) => group.voters.length).sort();
        return sizes.join(",") === "3,4" ? found : undefined;
      } finally {
        await peer.close();
      }
    });
    const roles = status.nodes.map((node) => node.managementRole).sort();
    expect(roles).toEqual(["learner", "learner", "voter", "voter", "voter", "voter", "voter"]);
    // Every node runs a workflow in a group it is not a member of: calls are forwarded.
    for (const node of status.nodes) {
      const foreign = status.groups.find((group) => !group.voters.includes(node.nodeId));
      if (foreign === undefined) throw new Error(`node ${node.nodeId} is in every group`);
      const peer = client(transport, node.address);
      try {
        const started = await peer.startWorkflow(
          {
            workflowType: "ping_pong",
            version: 1,
            input: "ping",
            executionClusterId: foreign.groupId,
          },
          { timeoutMs: 10_000 },
        );
        expect(started.executionClusterId).toBe(foreign.groupId);
        const outcome = await peer.waitWorkflow(
          { ...started, executionClusterId: foreign.groupId, timeoutSeconds: 10 },
          { timeoutMs: 15_000 },
        );
        expect(outcome).toEqual({ success: true, output: "pong" });
      } finally {
        await peer.close();
      }
    }
  }, 120_000);

  test("SIGTERM: the management leader hands over and the process exits 0 within 5 s", async () => {
    cluster = new NodeProcessCluster(transport);
    const current = cluster;
    for (let k = 0; k < 3; k++) await current.add();
    const first = current.nodes[0]?.address ?? "";
    const leaderId = await until("a management leader with three voters", async () => {
      const found = await discover(transport, first);
      return found?.currentVoterCount === 3 && found.managementLeaderNodeId !== 0
        ? found.managementLeaderNodeId
        : undefined;
    });
    const leader = current.nodes.find((node) => current.nodeId(node) === leaderId);
    if (leader === undefined) throw new Error("no management leader process");
    const began = performance.now();
    const exitCode = await current.signal(leader, "SIGTERM");
    const stopMs = performance.now() - began;
    expect(exitCode).toBe(0);
    expect(stopMs).toBeLessThan(5_500);
    expect(leader.log).toContain("Handing over leadership");
    expect(leader.log).not.toContain("did not finish");
    const survivor = current.nodes.find((node) => node !== leader)?.address ?? "";
    const next = await until("a new management leader", async () => {
      const found = await discover(transport, survivor);
      const id = found?.managementLeaderNodeId ?? 0;
      return id !== 0 && id !== leaderId ? id : undefined;
    });
    console.log(`[${transport}] SIGTERM: exited in ${Math.round(stopMs)} ms; node ${next} leads`);
  }, 120_000);

  test("a node started with the other --transport follows the cluster and says so", async () => {
    cluster = new NodeProcessCluster(transport);
    const current = cluster;
    await current.add();
    const other = transport === "grpc" ? "http" : "grpc";
    const joiner = await current.add(other);
    expect(current.nodeId(joiner)).toBe(2);
    const cluster_ = transport === "grpc" ? "gRPC" : "HTTP";
    expect(joiner.log).toContain(`The cluster uses ${cluster_}, not`);
    expect(joiner.log).toContain("following the cluster");
    // It serves the cluster's protocol.
    expect((await discover(transport, joiner.address))?.nodeId).toBe(2 as never);
  }, 60_000);
});

test("a start on a port another node holds exits non-zero with 'Address already in use'", async () => {
  cluster = new NodeProcessCluster("grpc");
  const first = await cluster.add();
  const { exitCode, stderr } = await cluster.runToExit(["--listen", first.address, "--bootstrap"]);
  expect(exitCode).not.toBe(0);
  expect(stderr).toContain("Address already in use");
}, 60_000);

test("settings that cannot work together are a usage error (exit 2), as a bad flag is", async () => {
  cluster = new NodeProcessCluster("grpc");
  const listen = `127.0.0.1:${await freePort()}`;
  const cors = ["--listen", listen, "--bootstrap", "--cors-origin", "ftp://x"];
  const { exitCode, stderr } = await cluster.runToExit(cors);
  expect(exitCode).toBe(2);
  expect(stderr).toContain("--cors-origin: 'ftp://x' is not an origin");
}, 60_000);

test("a member restarted at another address exits at once, naming the address to use", async () => {
  cluster = new NodeProcessCluster("grpc");
  const first = await cluster.add();
  expect(await cluster.signal(first, "SIGTERM")).toBe(0);
  const moved = `127.0.0.1:${await freePort()}`;
  const storage = first.args[first.args.indexOf("--storage-path") + 1] as string;
  const { exitCode, stderr } = await cluster.runToExit([
    "--listen",
    moved,
    "--storage-path",
    storage,
  ]);
  expect(exitCode).toBe(1);
  expect(stderr).toContain(
    `reach at ${first.address}, but this start would be reached at ${moved}`,
  );
  expect(stderr).toContain(`--listen ${first.address}`);
  expect(stderr).toContain("a node that has left already needs only the empty --storage-path");
  // Where it belongs, the same storage starts.
  await cluster.launch(first);
  expect(first.log).toContain("Node 1 is ready");
}, 60_000);

test("a node whose database is damaged exits 65, which its units do not restart", async () => {
  cluster = new NodeProcessCluster("grpc");
  const first = await cluster.add();
  expect(await cluster.signal(first, "SIGTERM")).toBe(0);
  const storage = first.args[first.args.indexOf("--storage-path") + 1] as string;
  const database = [...new Bun.Glob("**/raftoral.db").scanSync(storage)][0] as string;
  // The file's header overwritten: SQLite no longer takes it for a database.
  const file = Bun.file(join(storage, database));
  const bytes = new Uint8Array(await file.arrayBuffer());
  bytes.fill(0x78, 0, 100);
  await Bun.write(file, bytes);
  const { exitCode, stderr } = await cluster.runToExit(first.args);
  expect(exitCode).toBe(EXIT_DATA_DAMAGED);
  expect(stderr).toContain(join(storage, database));
}, 60_000);

test("a node whose stderr's reader goes away keeps serving", async () => {
  const main = join(import.meta.dir, "..", "..", "src", "cli", "main.ts");
  const address = `127.0.0.1:${await freePort()}`;
  const child = Bun.spawn([process.execPath, main, "--listen", address, "--bootstrap"], {
    stdin: "ignore",
    stdout: "ignore",
    stderr: "pipe",
    // Debug: every workflow below writes lines to the closed pipe.
    env: { ...process.env, RAFTORAL_LOG: "debug" },
  });
  const peer = client("grpc", address);
  try {
    const reader = child.stderr.getReader();
    const decoder = new TextDecoder();
    let log = "";
    while (!/Node \d+ is ready/.test(log)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`exited before it was ready:\n${log}`);
      log += decoder.decode(value);
    }
    // As `raftoral ... 2>&1 | head -1` does: the pipe's reader is gone.
    await reader.cancel();
    const ping = { workflowType: "ping_pong", version: 1, input: "ping" };
    for (let run = 0; run < 20; run++) {
      const outcome = await peer.runWorkflow(ping, { timeoutMs: 10_000 });
      expect(outcome).toMatchObject({ success: true, output: "pong" });
    }
    expect(child.exitCode).toBeNull();
  } finally {
    await peer.close();
    child.kill("SIGKILL");
    await child.exited;
  }
}, 60_000);

test("SIGTERM while a join waits for peers that never answer exits 0 at once", async () => {
  const main = join(import.meta.dir, "..", "..", "src", "cli", "main.ts");
  const silent = `127.0.0.1:${await freePort()}`;
  const listen = ["--listen", `127.0.0.1:${await freePort()}`, "--peers", silent];
  const child = Bun.spawn([process.execPath, main, ...listen], {
    stdin: "ignore",
    stdout: "ignore",
    stderr: "pipe",
    env: { ...process.env, RAFTORAL_LOG: "debug" },
  });
  try {
    const reader = child.stderr.getReader();
    const decoder = new TextDecoder();
    let log = "";
    while (!log.includes("No peer answered yet")) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`exited before it retried:\n${log}`);
      log += decoder.decode(value);
    }
    const signalledMs = performance.now();
    child.kill("SIGTERM");
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      log += decoder.decode(value);
    }
    expect(await child.exited).toBe(0);
    // The join's retries end with the stop, not at the join timeout (30 s).
    expect(performance.now() - signalledMs).toBeLessThan(10_000);
    expect(log).toContain("Stopped before it was ready");
  } finally {
    child.kill("SIGKILL");
  }
}, 60_000);
