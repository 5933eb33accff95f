// README.md, executed. Every ```bash block carries a marker comment saying how it is tested:
//   quickstart grpc|http - run as written (ports mapped to free ones) with the compiled
//                           binary; then ping_pong through every node of the cluster it
//                           started, with @grpc/grpc-js or fetch as the client;
//   run                  - run as written, in README order, against those clusters;
//   make                 - the Makefile targets it names are checked (`make -n`, .ci/run);
//   skip <what> (<test>) - needs systemd, Docker or a project of its own; the named test
//                           covers it.
// Every address 127.0.0.1:NNNN in the README maps to one free port for the whole file.

import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { loadDefinition, methodOf, unaryCall } from "../interop/harness.ts";
import { compiledBinary, ROOT } from "../support/compiled-binary.ts";
import { freePort } from "../support/ports.ts";

interface Block {
  readonly marker: string;
  readonly lines: readonly string[];
}

/** The README's bash blocks with their markers; commands joined across `\` line ends. */
function readmeBlocks(): Block[] {
  const text = readFileSync(join(ROOT, "README.md"), "utf8");
  const blocks: Block[] = [];
  const pattern = /(?:<!-- readme-test: (.+?) -->\n)?```bash\n([\s\S]*?)```/g;
  for (const match of text.matchAll(pattern)) {
    const lines = (match[2] ?? "")
      .replace(/\\\n\s*/g, "")
      .split("\n")
      .map((line) => line.replace(/\s+#\s.*$/, "").trim())
      .filter((line) => line !== "" && !line.startsWith("#"));
    blocks.push({ marker: match[1] ?? "", lines });
  }
  return blocks;
}

const blocks = readmeBlocks();
const scratch = mkdtempSync(join(tmpdir(), "raftoral-readme-"));
const pids: number[] = [];
const ports = new Map<string, string>();
let logCount = 0;

afterAll(() => {
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Handled: the node already exited (e.g. after `node leave`); nothing to stop.
    }
  }
  rmSync(scratch, { recursive: true, force: true });
});

/** Maps every README port to a free one, the same one each time. */
async function mapPorts(line: string): Promise<string> {
  for (const [, port] of line.matchAll(/127\.0\.0\.1:(\d{4})\b/g)) {
    if (port !== undefined && !ports.has(port)) ports.set(port, String(await freePort()));
  }
  return line.replace(
    /127\.0\.0\.1:(\d{4})\b/g,
    (_, port: string) => `127.0.0.1:${ports.get(port)}`,
  );
}

function address(readmePort: string): string {
  return `127.0.0.1:${ports.get(readmePort)}`;
}

const isServerLine = (line: string) => /^\.\/dist\/raftoral --/.test(line);

/** The block as a bash script: servers go to the background and are waited for. */
async function scriptOf(block: Block): Promise<string> {
  const parts = [
    "set -euo pipefail",
    `export PATH=${JSON.stringify(join(scratch, "bin"))}:"$PATH"`,
    'ready() { for _ in $(seq 300); do grep -Eq "Node [0-9]+ is ready" "$1" && return 0; kill -0 "$2" 2>/dev/null || { cat "$1" >&2; return 1; }; sleep 0.1; done; cat "$1" >&2; return 1; }',
  ];
  for (const raw of block.lines) {
    const line = await mapPorts(raw);
    if (!isServerLine(line)) {
      parts.push(line);
      continue;
    }
    const log = join(scratch, `node-${++logCount}.log`);
    parts.push(`${line} >${log} 2>&1 &`, "pid=$!", 'echo "PID $pid"', `ready ${log} "$pid"`);
  }
  return parts.join("\n");
}

async function runBlock(block: Block): Promise<string> {
  const child = Bun.spawn(["bash", "-c", await scriptOf(block)], {
    cwd: scratch,
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, RAFTORAL_LOG: "info" },
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  for (const [, pid] of stdout.matchAll(/^PID (\d+)$/gm)) pids.push(Number(pid));
  if (code !== 0)
    throw new Error(
      `block failed (exit ${code}):\n${block.lines.join("\n")}\n${stdout}\n${stderr}`,
    );
  return stdout;
}

// The README's relative paths, in a scratch directory: ./dist/raftoral, scripts/, examples/.
mkdirSync(join(scratch, "dist"));
// `bun` as README users call it: this test's own runtime (its file may be named bun.exe).
mkdirSync(join(scratch, "bin"));
symlinkSync(process.execPath, join(scratch, "bin", "bun"));
symlinkSync(compiledBinary(), join(scratch, "dist", "raftoral"));
for (const folder of ["scripts", "examples", "deploy"]) {
  symlinkSync(join(ROOT, folder), join(scratch, folder));
}

function blockOf(marker: string): Block {
  const block = blocks.find((candidate) => candidate.marker === marker);
  if (block === undefined) throw new Error(`README has no block marked ${marker}`);
  return block;
}

describe("the README's quickstart, literally, with the compiled binary", () => {
  test("gRPC: bootstrap, two joins, ping_pong through every node with @grpc/grpc-js", async () => {
    const block = blockOf("quickstart grpc");
    expect(block.lines.filter(isServerLine)).toHaveLength(3);
    const stdout = await runBlock(block);
    expect(stdout).toContain("Done!");
    expect(stdout).toMatch(/Nodes \(3\):/);
    const definition = loadDefinition();
    const start = methodOf(definition, "raftoral.WorkflowManagement", "RunWorkflowAsync");
    const wait = methodOf(definition, "raftoral.WorkflowManagement", "WaitForWorkflowCompletion");
    for (const port of ["7001", "7002", "7003"]) {
      const client = new grpc.Client(address(port), grpc.credentials.createInsecure());
      const started = await unaryCall<{ workflow_id: string; execution_cluster_id: string }>(
        client,
        start,
        { workflow_type: "ping_pong", version: 1, input_json: '"ping"' },
      );
      if (!started.ok) throw new Error(`RunWorkflowAsync on ${port}: ${started.details}`);
      const done = await unaryCall(client, wait, {
        workflow_id: started.response.workflow_id,
        execution_cluster_id: started.response.execution_cluster_id,
        timeout_seconds: 30,
      });
      client.close();
      // error_code (4) and error_name (5) are our additions; this proto loader shows unset
      // fields as defaults.
      expect(done).toEqual({
        ok: true,
        response: {
          success: true,
          result_json: '"pong"',
          error: "",
          error_code: "",
          error_name: "",
        },
      });
    }
  }, 90_000);

  test("HTTP: bootstrap, two joins, ping_pong through every node with fetch", async () => {
    const block = blockOf("quickstart http");
    expect(block.lines.filter(isServerLine)).toHaveLength(3);
    expect(await runBlock(block)).toContain("Done!");
    for (const port of ["8001", "8002", "8003"]) {
      const base = `http://${address(port)}`;
      const started = (await (
        await fetch(`${base}/workflow/execute`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ name: "ping_pong", version: 1, input: '"ping"' }),
        })
      ).json()) as { workflow_id: string; execution_cluster_id: string };
      const query = `workflow_id=${started.workflow_id}&execution_cluster_id=${started.execution_cluster_id}&timeout_seconds=30`;
      const done = await (await fetch(`${base}/workflow/wait?${query}`)).json();
      expect(done).toEqual({ success: true, result: '"pong"', error: null });
    }
  }, 90_000);
});

describe("every other README command", () => {
  const runnable = blocks.filter((block) => block.marker === "run");

  test.each(runnable.map((block, index) => [index + 1, block] as const))(
    "block %d succeeds as written",
    async (_index, block) => {
      const stdout = await runBlock(block);
      if (block.lines.some((line) => line.includes("process_order"))) {
        expect(stdout).toMatch(/Completed: \{"orderId":"A-1","status":"confirmed"/);
      }
      if (block.lines.some((line) => line.includes("await_payment"))) {
        expect(stdout).toContain('Completed: {"order":"A-7","status":"paid"}');
      }
      if (block.lines.some((line) => line.includes("send_reminder"))) {
        expect(stdout).toMatch(
          /Completed: \{"receipt":"mail-1 to ada@example.com: tea","waitedMs":\d{4,}\}/,
        );
      }
      if (block.lines.some((line) => line.includes("embedded-node.ts"))) {
        expect(stdout).toContain('{"greeting":"Hello, Raftoral!","visits":1}');
      }
      if (block.lines.some((line) => line.startsWith("ls ./data/node_1"))) {
        expect(stdout).toContain("raftoral.db");
      }
      if (block.lines.some((line) => line.includes("make-secrets.sh"))) {
        expect(stdout).toContain('Completed: "pong"');
        expect(stdout).toMatch(/Nodes \(1\):/);
      }
      if (block.lines.some((line) => line.includes("node leave"))) {
        expect(stdout).toMatch(/Nodes \(2\):/);
      }
    },
    90_000,
  );

  test("make: `make run` starts the bootstrap node; `make test` is what CI runs", () => {
    const block = blockOf("make");
    expect(block.lines.map((line) => line.split(/\s+/).slice(0, 2).join(" "))).toEqual([
      "make run",
      "make test",
    ]);
    const dryRun = Bun.spawnSync(["make", "-n", "run"], { cwd: ROOT, stdout: "pipe" });
    expect(dryRun.stdout.toString()).toContain("dist/raftoral --listen 127.0.0.1:7001 --bootstrap");
    expect(readFileSync(join(ROOT, ".ci", "run"), "utf8")).toMatch(/^make test$/m);
  });

  test("every block is accounted for; skipped ones need systemd, Docker or a new project", () => {
    const allowed =
      /^(quickstart (grpc|http)|run|make|skip (systemd|docker|package) \(.+\.test\.ts.*\))$/;
    for (const block of blocks) expect(block.marker).toMatch(allowed);
    const skipped = blocks.filter((block) => block.marker.startsWith("skip"));
    for (const line of skipped.flatMap((block) => block.lines)) {
      expect(line).toMatch(
        /^(sudo |make build$|journalctl |docker compose -f deploy\/|npm pack|npm install |bun add )/,
      );
    }
    expect(blocks.filter((block) => block.marker === "run").length).toBeGreaterThanOrEqual(5);
  });
});
