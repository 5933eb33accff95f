// RaftoralClient under Node.js: the client (src/client) is bundled for Node with Bun's
// bundler, and a plain .mjs script run by `node` starts ping_pong and reads the cluster
// status over gRPC and over HTTP from real nodes. Proves src/client needs no Bun API.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../../src/lib/index.ts";
import { RaftoralNode } from "../../src/node/index.ts";
import { ROOT } from "../support/compiled-binary.ts";
import { freePort } from "../support/ports.ts";
import { makeTestCertificates } from "../support/test-certificates.ts";

const scratch = mkdtempSync(join(tmpdir(), "raftoral-client-node-"));
const nodes: RaftoralNode[] = [];
const addresses: Record<"grpc" | "http", string> = { grpc: "", http: "" };
const hasNode = Bun.which("node") !== null;

const SCRIPT = `
import { RaftoralClient, RaftoralError, TransportMismatchError } from "./client.mjs";
const [grpcAddress, httpAddress] = process.argv.slice(2);
const out = {};
for (const [name, address] of [["grpc", "grpc://" + grpcAddress], ["http", "http://" + httpAddress]]) {
  const client = new RaftoralClient(address);
  out[name] = {
    run: await client.run("ping_pong", "ping"),
    status: await client.status(),
    health: await client.health(),
  };
  await client.close();
}
const wrong = new RaftoralClient(httpAddress, { transport: "grpc" });
const error = await wrong.health().catch((caught) => caught);
out.mismatch = {
  isTyped: error instanceof TransportMismatchError,
  isRaftoralError: error instanceof RaftoralError,
  code: error.code,
};
await wrong.close();
console.log(JSON.stringify(out));
`;

// A wait over HTTPS that outlasts the client's first health check (after 1 s), with TLS
// material that Node's fetch ignores and that tls.connect cannot use (the node's certificate
// with the client's key): the check once threw out of its timer and ended the process.
const LONG_HTTPS_WAIT = `
import * as https from "node:https";
import { readFileSync } from "node:fs";
import { HttpProtocolClient } from "./client.mjs";
const certificates = JSON.parse(readFileSync("certificates.json", "utf8"));
let healthChecks = 0;
const server = https.createServer(certificates.node, (request, response) => {
  if (request.url === "/health") {
    healthChecks++;
    return response.end('{"status":"ok"}');
  }
  const answer = JSON.stringify({ success: true, result: JSON.stringify("done") });
  setTimeout(() => response.end(answer), 2500);
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const tls = { ca: certificates.ca, cert: certificates.node.cert, key: certificates.clientKey };
const client = new HttpProtocolClient("127.0.0.1:" + server.address().port, { tls });
const outcome = await client.waitWorkflow({ workflowId: "w", timeoutSeconds: 10 }, { timeoutMs: 10000 });
await client.close();
server.close();
console.log(JSON.stringify({ outcome, healthChecks }));
`;

/** Runs `args` with `node` in the scratch folder; its output, once it exited cleanly. */
async function runUnderNode(args: string[], env: Record<string, string> = {}) {
  const child = Bun.spawn(["node", ...args], {
    cwd: scratch,
    env: { ...process.env, ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  expect(stderr).toBe("");
  expect(code).toBe(0);
  return JSON.parse(stdout);
}

beforeAll(async () => {
  const build = Bun.spawnSync(
    [
      process.execPath,
      "build",
      "src/client/index.ts",
      "--target=node",
      "--format=esm",
      "--outfile",
      join(scratch, "client.mjs"),
    ],
    { cwd: ROOT, stderr: "pipe" },
  );
  expect(build.exitCode).toBe(0);
  writeFileSync(join(scratch, "main.mjs"), SCRIPT);
  const logger = createLogger({ level: "error", format: "text", write: () => undefined });
  for (const transport of ["grpc", "http"] as const) {
    addresses[transport] = `127.0.0.1:${await freePort()}`;
    const node = new RaftoralNode({
      listen: addresses[transport],
      bootstrap: true,
      transport,
      logger,
      tuning: { tickIntervalMs: 20 },
    });
    nodes.push(node);
    await node.start();
  }
}, 60_000);

afterAll(async () => {
  await Promise.all(nodes.map((node) => node.stop()));
  rmSync(scratch, { recursive: true, force: true });
});

test.skipIf(!hasNode)(
  "the bundled client runs workflows and reads status under node",
  async () => {
    const out = await runUnderNode(["main.mjs", addresses.grpc, addresses.http]);
    for (const transport of ["grpc", "http"] as const) {
      expect(out[transport].run).toMatchObject({ status: "completed", output: "pong" });
      expect(out[transport].status).toMatchObject({
        transport,
        nodeId: 1,
        managementLeaderNodeId: 1,
      });
      expect(out[transport].health).toEqual({ status: "ok", nodeId: 1, isLeader: true });
    }
    expect(out.mismatch).toEqual({
      isTyped: true,
      isRaftoralError: true,
      code: "INVALID_ARGUMENT",
    });
  },
  60_000,
);

test.skipIf(!hasNode)(
  "under node, a long HTTPS call outlasts health checks made with what node trusts",
  async () => {
    const certificates = makeTestCertificates();
    try {
      const { ca, node, client } = certificates;
      const files = { ca, node: { cert: node.cert, key: node.key }, clientKey: client.key };
      writeFileSync(join(scratch, "certificates.json"), JSON.stringify(files));
      writeFileSync(join(scratch, "long-https-wait.mjs"), LONG_HTTPS_WAIT);
      const out = await runUnderNode(["long-https-wait.mjs"], {
        NODE_EXTRA_CA_CERTS: certificates.caFile,
      });
      expect(out.outcome).toMatchObject({ success: true, output: "done" });
      expect(out.healthChecks).toBeGreaterThanOrEqual(1);
    } finally {
      certificates.remove();
    }
  },
  60_000,
);
