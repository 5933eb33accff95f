// A node loads the code of the transport it runs and nothing of the other (docs/performance.md,
// "Start-up"): an HTTP node neither protobufjs nor our gRPC code (the only importer of
// node:http2, by scripts/tidy.ts's import table), a gRPC node no Hono unless --http-listen
// asks for the HTTP API; node:crypto only with a cluster secret; no protobufjs, on a node or in a
// CLI command, since every method they call is coded by hand (it is for reflection alone); and
// the SQLite code only with --storage-path. Each node runs from source with
// test/support/loaded-modules.ts preloaded, which lists the modules the process loaded (at
// ready and at exit); each case also checks that the node's own transport is in its list, so
// an empty list cannot pass.

import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { GrpcClient, HealthMethods, ServingStatus } from "../../src/transport/grpc/index.ts";
import { freePort } from "../support/ports.ts";

const ROOT = join(import.meta.dir, "..", "..");
const MAIN = join(ROOT, "src", "cli", "main.ts");
const PRELOAD = join(ROOT, "test", "support", "loaded-modules.ts");
const directory = mkdtempSync(join(tmpdir(), "raftoral-loaded-"));
const running: Subprocess[] = [];

afterAll(async () => {
  for (const child of running.splice(0)) {
    child.kill("SIGKILL");
    await child.exited;
  }
  rmSync(directory, { recursive: true, force: true });
});

interface StartedNode {
  readonly address: string;
  readonly child: Subprocess<"ignore", "ignore", "pipe">;
  readonly modulesFile: string;
}

/** Starts a node (memory storage unless `args` say otherwise) and waits until it is ready. */
async function startNode(
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<StartedNode> {
  const address = `127.0.0.1:${await freePort()}`;
  const modulesFile = join(directory, `${address.replace(":", "-")}.json`);
  const child = Bun.spawn(
    [process.execPath, "--preload", PRELOAD, MAIN, "--listen", address, ...args],
    {
      stdin: "ignore",
      stdout: "ignore",
      stderr: "pipe",
      env: {
        ...process.env,
        ...env,
        RAFTORAL_LOG: "info",
        RAFTORAL_LOADED_MODULES_FILE: modulesFile,
      },
    },
  );
  running.push(child);
  const reader = child.stderr.getReader();
  const decoder = new TextDecoder();
  let log = "";
  while (!/Node \d+ is ready/.test(log)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`node ${address} exited before it was ready:\n${log}`);
    log += decoder.decode(value);
  }
  // Keep draining stderr, so that the node never blocks on a full pipe.
  void (async () => {
    for (;;) {
      const { done } = await reader.read();
      if (done) return;
    }
  })();
  return { address, child, modulesFile };
}

interface Loaded {
  /** Module paths, relative to the repository when inside it. */
  readonly modules: string[];
  /** The same when the node said it was ready. */
  readonly modulesAtReady: string[];
  /** Builtins loaded when first needed ("node:crypto"). */
  readonly builtins: string[];
}

/** Stops the node (SIGTERM, a clean exit) and returns what it loaded. */
async function loadedBy(node: StartedNode): Promise<Loaded> {
  node.child.kill("SIGTERM");
  expect(await node.child.exited).toBe(0);
  const loaded = JSON.parse(readFileSync(node.modulesFile, "utf8")) as Loaded;
  const relative = (path: string) =>
    path.startsWith(`${ROOT}/`) ? path.slice(ROOT.length + 1) : path;
  return {
    modules: loaded.modules.map(relative),
    modulesAtReady: loaded.modulesAtReady.map(relative),
    builtins: loaded.builtins,
  };
}

/** Runs a `raftoral` command; its output, and what it loaded. */
async function cliRun(args: readonly string[]): Promise<{ output: string; modules: string[] }> {
  const modulesFile = join(directory, "client.json");
  const child = Bun.spawn([process.execPath, "--preload", PRELOAD, MAIN, ...args], {
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, RAFTORAL_LOADED_MODULES_FILE: modulesFile },
  });
  running.push(child);
  const [output, code] = await Promise.all([new Response(child.stdout).text(), child.exited]);
  expect({ args, code }).toEqual({ args, code: 0 });
  const loaded = JSON.parse(readFileSync(modulesFile, "utf8")) as { modules: string[] };
  return {
    output,
    modules: loaded.modules.map((path) =>
      path.startsWith(`${ROOT}/`) ? path.slice(ROOT.length + 1) : path,
    ),
  };
}

/**
 * Every CLI command that calls a node, against `address`: what each loaded, by command. The
 * describe takes the id the run printed, so each command's answer is a real one.
 */
async function everyCliCall(address: string): Promise<Map<string, string[]>> {
  const at = ["--address", address];
  const loaded = new Map<string, string[]>();
  const run = await cliRun(["workflow", "run", "ping_pong", "--input", '"ping"', "--wait", ...at]);
  expect(run.output).toContain('"pong"');
  loaded.set("workflow run", run.modules);
  const workflowId = /workflow ID ([0-9a-f-]{36})/.exec(run.output)?.[1] ?? "none printed";
  const describe = await cliRun(["workflow", "describe", workflowId, "--json", ...at]);
  expect(describe.output).toContain('"completed"');
  loaded.set("workflow describe", describe.modules);
  const list = await cliRun(["workflow", "list", "--json", ...at]);
  expect(list.output).toContain(workflowId);
  loaded.set("workflow list", list.modules);
  const status = await cliRun(["cluster", "status", "--json", ...at]);
  expect(status.output).toContain('"execution_clusters"');
  loaded.set("cluster status", status.modules);
  const health = await cliRun(["node", "health", ...at]);
  loaded.set("node health", health.modules);
  return loaded;
}

function matching(modules: readonly string[], pattern: RegExp): string[] {
  return modules.filter((path) => pattern.test(path));
}

const GRPC_CODE = /^src\/transport\/grpc\/|^src\/client\/grpc-client\.ts$|\/protobufjs\//;
const HTTP_CODE = /^src\/transport\/http\/|^src\/client\/http-client\.ts$|\/hono\//;

test("HTTP nodes load no gRPC code, no protobufjs, no node:crypto, and SQLite only with storage", async () => {
  const storagePath = join(directory, "http-storage");
  const first = await startNode([
    "--transport",
    "http",
    "--bootstrap",
    "--storage-path",
    storagePath,
  ]);
  const joiner = await startNode(["--transport", "http", "--peers", first.address]);
  const joined = await loadedBy(joiner);
  const bootstrapped = await loadedBy(first);
  for (const { modules, builtins } of [bootstrapped, joined]) {
    expect(matching(modules, GRPC_CODE)).toEqual([]);
    expect(modules).toContain("src/transport/http/http-transport-server.ts");
    expect(matching(modules, /\/hono\//).length).toBeGreaterThan(0);
    // No cluster secret, no token: nothing to hash.
    expect(builtins).not.toContain("node:crypto");
  }
  // The node with --storage-path runs SQLite; the joiner, on memory storage, loads none of it.
  expect(bootstrapped.modules).toContain("src/storage/sqlite-storage.ts");
  expect(matching(joined.modules, /^src\/storage\/sqlite-/)).toEqual([]);
  // The joiner discovered and registered over HTTP: the HTTP client, and only it.
  expect(joined.modules).toContain("src/client/http-client.ts");
}, 60_000);

test("gRPC nodes and clients load no protobufjs, and no Hono unless --http-listen asks for it", async () => {
  // With a cluster secret, so node:crypto is needed (and the spy shows that it sees it).
  const secret = { RAFTORAL_CLUSTER_SECRET: "transport-loading-test-secret" };
  const first = await startNode(["--transport", "grpc", "--bootstrap"], secret);
  const httpListen = `127.0.0.1:${await freePort()}`;
  const joiner = await startNode(
    ["--transport", "grpc", "--peers", first.address, "--http-listen", httpListen],
    secret,
  );
  const cli = await everyCliCall(first.address);
  const probe = await grpcHealthCheck(joiner.address);
  expect(probe).toBe(ServingStatus.SERVING);
  const joined = await loadedBy(joiner);
  const bootstrapped = await loadedBy(first);
  // Every command codes its messages by hand, and so does each node that answered them.
  for (const [command, modules] of cli) {
    expect({ command, grpcClient: modules.includes("src/client/grpc-client.ts") }).toEqual({
      command,
      grpcClient: true,
    });
    expect({ command, protobufjs: matching(modules, /\/protobufjs\//) }).toEqual({
      command,
      protobufjs: [],
    });
  }
  expect(matching(bootstrapped.modules, HTTP_CODE)).toEqual([]);
  for (const { modules, builtins } of [bootstrapped, joined]) {
    expect(modules).toContain("src/transport/grpc/grpc-transport-server.ts");
    expect(matching(modules, /\/protobufjs\//)).toEqual([]);
    expect(builtins).toContain("node:crypto");
  }
  // The joiner discovered and registered over gRPC.
  expect(joined.modulesAtReady).toContain("src/client/grpc-client.ts");
  expect(joined.modules).not.toContain("src/client/http-client.ts");
  expect(joined.modules).toContain("src/transport/http/http-transport-server.ts");
}, 60_000);

/** A grpc.health.v1 Check of the whole server, as a probe makes it. */
async function grpcHealthCheck(address: string): Promise<number> {
  const client = new GrpcClient({ address });
  try {
    const answer = await client.unary(HealthMethods.check, { service: "" }, { timeoutMs: 10_000 });
    return answer.status;
  } finally {
    client.close();
  }
}
