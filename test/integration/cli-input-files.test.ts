// `--input @FILE` and `--payload @-` end to end: the raftoral command line, run as a process,
// reads the JSON from a file or from its standard input and the node gets the whole value,
// also one larger than a shell passes in a single argument (128 KiB).

import { afterAll, afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { RaftoralClient } from "../../src/client/index.ts";
import type { RaftoralNode } from "../../src/node/index.ts";
import { startInProcessCluster } from "../support/in-process-cluster.ts";

const MAIN = join(import.meta.dir, "..", "..", "src", "cli", "main.ts");
const directory = mkdtempSync(join(tmpdir(), "raftoral-cli-input-"));
const nodes: RaftoralNode[] = [];
const running: Subprocess[] = [];

afterEach(async () => {
  for (const child of running.splice(0)) {
    child.kill("SIGKILL");
    await child.exited;
  }
  await Promise.all(nodes.splice(0).map((node) => node.stop()));
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** Runs `raftoral ARGS` from source with `stdin` as its standard input. */
async function raftoral(args: readonly string[], stdin = "") {
  const child = Bun.spawn([process.execPath, MAIN, ...args], {
    stdin: new Blob([stdin]),
    stdout: "pipe",
    stderr: "pipe",
  });
  running.push(child);
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { code, stdout, stderr };
}

test("the input comes from standard input or from a file", async () => {
  const [address = ""] = await startInProcessCluster({ size: 1, transport: "http", into: nodes });
  const at = ["--address", `http://${address}`];

  const ping = await raftoral(
    ["workflow", "run", "ping_pong", "--input", "@-", "--wait", ...at],
    '"ping"\n',
  );
  expect(ping).toMatchObject({ code: 0, stderr: "" });
  expect(ping.stdout).toContain('"pong"');

  const big = { note: "n".repeat(300_000) };
  const path = join(directory, "big.json");
  writeFileSync(path, JSON.stringify(big));
  const run = ["workflow", "run", "ping_pong", "--input", `@${path}`, "--workflow-id", "big-1"];
  const started = await raftoral([...run, ...at]);
  expect(started).toMatchObject({ code: 0, stderr: "" });
  const client = new RaftoralClient(`http://${address}`, { timeoutMs: 10_000 });
  try {
    const described = await client.describe({ workflowId: "big-1" });
    expect(described.input).toEqual(big);
  } finally {
    await client.close();
  }

  const missing = await raftoral([
    "workflow",
    "run",
    "ping_pong",
    "--input",
    "@nowhere.json",
    ...at,
  ]);
  expect(missing.code).toBe(2);
  expect(missing.stderr).toBe(
    "error: cannot read --input from the file nowhere.json: no such file\n",
  );
});
