// The QUICKSTART's scripts, run as a user runs them, against the compiled binary
// (RAFTORAL_BIN): the ping_pong scripts against running nodes of each transport, with and
// without jq, and the two self-contained cluster tests, which start and stop their own nodes.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cpSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BinaryNodes } from "../support/binary-nodes.ts";
import { compiledBinary, ROOT } from "../support/compiled-binary.ts";
import { freePort } from "../support/ports.ts";

const nodes = new BinaryNodes();
let grpcAddress = "";
let httpAddress = "";

beforeAll(async () => {
  grpcAddress = `127.0.0.1:${await freePort()}`;
  httpAddress = `127.0.0.1:${await freePort()}`;
  await nodes.start(["--listen", grpcAddress, "--bootstrap"]);
  await nodes.start(["--transport", "http", "--listen", httpAddress, "--bootstrap"]);
}, 60_000);

afterAll(async () => {
  await nodes.stopAll();
});

const withBin = (env: Record<string, string>) => ({
  ...process.env,
  RAFTORAL_BIN: compiledBinary(),
  ...env,
});

/** Runs scripts/`name` in `cwd` (the checkout by default), with RAFTORAL_BIN set unless
 * `env` is given whole. */
async function script(
  name: string,
  args: string[],
  env: Record<string, string | undefined> = withBin({}),
  cwd = ROOT,
) {
  const child = Bun.spawn([join(cwd, "scripts", name), ...args], {
    cwd,
    stdout: "pipe",
    stderr: "pipe",
    env,
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { stdout, stderr, code };
}

/** The QUICKSTART's "Expected Output", line by line, with the ids as patterns. */
function expectQuickstartSteps(stdout: string, title: string, address: string): void {
  const id = "[0-9a-f-]{36}";
  const expected = [
    `=== Running ping_pong workflow via ${title} ===`,
    "",
    `Node address: ${address}`,
    "Workflow: ping_pong \\(v1\\)",
    'Input: "ping"',
    "",
    "Step 1: Starting workflow asynchronously...",
    "\\{",
    `  "workflow_id": "${id}",`,
    '  "success": true,',
    '  "execution_cluster_id": "1",',
    '  "result": null,',
    '  "error": null',
    "\\}",
    "",
    "Step 2: Waiting for workflow completion...",
    `Workflow ID: ${id}`,
    "Execution Cluster ID: 1",
    "",
    "\\{",
    '  "success": true,',
    '  "result": "\\\\"pong\\\\"",',
    '  "error": null',
    "\\}",
    "",
    "Done!",
  ];
  const lines = stdout.trimEnd().split("\n");
  expect(lines).toHaveLength(expected.length);
  for (const [index, pattern] of expected.entries()) {
    expect(lines[index]).toMatch(new RegExp(`^${pattern}$`));
  }
}

describe("ping_pong scripts", () => {
  test("run_ping_pong.sh (gRPC, through our CLI without grpcurl) prints the QUICKSTART's steps", async () => {
    const result = await script(
      "run_ping_pong.sh",
      [grpcAddress],
      withBin({ GRPCURL: "/nonexistent" }),
    );
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expectQuickstartSteps(result.stdout, "gRPC", grpcAddress);
  }, 60_000);

  test("run_ping_pong_http.sh pretty-prints with jq", async () => {
    const result = await script("run_ping_pong_http.sh", [httpAddress]);
    expect(result.code).toBe(0);
    expectQuickstartSteps(result.stdout, "HTTP REST API", httpAddress);
  }, 60_000);

  test("run_ping_pong_http.sh works without jq (compact JSON)", async () => {
    const result = await script(
      "run_ping_pong_http.sh",
      [httpAddress],
      withBin({ JQ: "/nonexistent" }),
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('{"success":true,"result":"\\"pong\\"","error":null}');
    expect(result.stdout.trimEnd()).toEndWith("Done!");
  }, 60_000);

  test("the gRPC script against an HTTP node names the protocol problem and fails", async () => {
    const result = await script(
      "run_ping_pong.sh",
      [httpAddress],
      withBin({ GRPCURL: "/nonexistent" }),
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("speaks HTTP, not gRPC: use --transport http");
  }, 60_000);

  test("scripts copied beside the binary, out of any checkout, use that binary", async () => {
    const directory = mkdtempSync(join(tmpdir(), "raftoral-scripts-"));
    try {
      cpSync(join(ROOT, "scripts"), join(directory, "scripts"), { recursive: true });
      symlinkSync(compiledBinary(), join(directory, "raftoral"));
      const { RAFTORAL_BIN: _unset, ...env } = process.env;
      const bare = { ...env, GRPCURL: "/nonexistent", PATH: "/usr/bin:/bin" };
      const { stdout, stderr, code } = await script(
        "run_ping_pong.sh",
        [grpcAddress],
        bare,
        directory,
      );
      expect(stderr).toBe("");
      expect(code).toBe(0);
      expectQuickstartSteps(stdout, "gRPC", grpcAddress);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  }, 60_000);

  test("both scripts fail when nothing listens", async () => {
    const dead = `127.0.0.1:${await freePort()}`;
    const grpc = await script("run_ping_pong.sh", [dead], withBin({ GRPCURL: "/nonexistent" }));
    expect(grpc.code).toBe(3);
    expect(grpc.stderr).toContain("no node answered start");
    const http = await script("run_ping_pong_http.sh", [dead]);
    expect(http.code).not.toBe(0);
  }, 60_000);
});

describe("self-contained cluster scripts", () => {
  test("test_two_node_cluster.sh passes", async () => {
    const result = await script("test_two_node_cluster.sh", []);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Step 3: Verifying cluster formation...");
    expect(result.stdout).toContain("1   1,2      1       2");
    expect(result.stdout).toContain("left the cluster");
    expect(result.stdout).toContain("PASS: two-node cluster formed");
  }, 120_000);

  test("test_resume.sh passes", async () => {
    const result = await script("test_resume.sh", []);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("node 2 resumed its identity");
    expect(result.stdout).toContain("PASS: identities persisted");
  }, 120_000);
});
