// Fail-stop storage with real node processes and errors that really come from the kernel:
// a file system that fills up (ENOSPC on a small tmpfs, when this machine lets us mount one),
// a file size limit (EFBIG from RLIMIT_FSIZE, which any user can set, so it runs on every
// Linux CI machine), and a storage directory that is read-only when the node starts again.
// The node must answer health 503 with the reason, exit with EXIT_STORAGE_FAILED, and the
// cluster must keep every workflow start it acknowledged.

import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, closeSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EXIT_STORAGE_FAILED } from "../../src/cli/exit-codes.ts";
import { RaftoralClient, type StartedWorkflow } from "../../src/client/index.ts";
import { type NodeProcess, NodeProcessCluster } from "../support/node-process-cluster.ts";
import { eventually } from "../support/ports.ts";
import { ScratchMount } from "../support/scratch-mount.ts";

const clusters: NodeProcessCluster[] = [];
const mount = new ScratchMount();

afterAll(async () => {
  for (const cluster of clusters.splice(0)) await cluster.stop();
  mount.remove();
});

const isRoot = process.getuid?.() === 0;
const tmpfs = mount.tryTmpfs("2m");
if (tmpfs.reason !== undefined) console.log(`skipping the full tmpfs cases: ${tmpfs.reason}`);

/** Three HTTP nodes; the third (the victim) runs as `options` say. */
async function clusterWithVictim(options: {
  storagePath?: string;
  wrap?: (command: string[]) => string[];
}): Promise<{ cluster: NodeProcessCluster; victim: NodeProcess }> {
  const cluster = new NodeProcessCluster("http");
  clusters.push(cluster);
  await cluster.add();
  await cluster.add();
  const victim = await cluster.add("http", options);
  return { cluster, victim };
}

/** Everything /health answered while `until` was pending. */
async function watchHealth(address: string, until: Promise<unknown>) {
  const answers: { status: number; reason: string }[] = [];
  let isDone = false;
  void until.finally(() => {
    isDone = true;
  });
  while (!isDone) {
    // Handled: a node that is gone refuses the connection; that is not an answer.
    const answer = await fetch(`http://${address}/health`).catch(() => undefined);
    if (answer !== undefined) {
      const body = (await answer.json()) as { reason?: string };
      answers.push({ status: answer.status, reason: body.reason ?? "" });
    }
    await Bun.sleep(10);
  }
  return answers;
}

/**
 * Starts ping_pong through the victim until it exits, filling `acknowledged`; calls `fillUp`
 * once a few starts went through, so that the failure hits a node in full swing.
 */
async function startUntilExit(
  victim: NodeProcess,
  exited: Promise<number>,
  fillUp: () => void,
): Promise<StartedWorkflow[]> {
  const client = new RaftoralClient(`http://${victim.address}`, { timeoutMs: 5_000 });
  const acknowledged: StartedWorkflow[] = [];
  let isFull = false;
  let isDone = false;
  void exited.finally(() => {
    isDone = true;
  });
  const deadline = performance.now() + 90_000;
  while (!isDone && performance.now() < deadline) {
    // Handled: after the failure a start is refused or times out; only successes count.
    const started = await client.start("ping_pong", "ping").catch(() => undefined);
    if (started !== undefined) acknowledged.push(started);
    if (!isFull && acknowledged.length >= 5) {
      isFull = true;
      fillUp();
    }
  }
  await client.close();
  return acknowledged;
}

/** The failure as the victim, its health and the two survivors show it. */
async function expectFailStop(
  cluster: NodeProcessCluster,
  victim: NodeProcess,
  options: { fillUp: () => void; sqliteCode: string },
): Promise<void> {
  const child = victim.process;
  if (child === undefined) throw new Error("the victim is not running");
  const exited = child.exited;
  const health = watchHealth(victim.address, exited);
  const acknowledged = await startUntilExit(victim, exited, options.fillUp);
  expect(await Promise.race([exited, Bun.sleep(60_000).then(() => "still running")])).toBe(
    EXIT_STORAGE_FAILED,
  );
  victim.process = undefined;
  expect(victim.log).toContain("The node stops: storage failed: writing");
  expect(victim.log).toContain(options.sqliteCode);
  const failed = (await health).filter((answer) => answer.status === 503);
  expect(failed.length).toBeGreaterThan(0);
  expect(failed[0]?.reason).toStartWith("storage failed: writing");

  // Every start the victim acknowledged was committed: the survivors run it to its end.
  const survivors = new RaftoralClient(
    cluster.nodes.slice(0, 2).map((node) => `http://${node.address}`),
    { timeoutMs: 30_000 },
  );
  try {
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const workflow of acknowledged) {
      expect(await survivors.wait(workflow, { timeoutMs: 30_000 })).toMatchObject({
        status: "completed",
        output: "pong",
      });
    }
    expect(await survivors.run("ping_pong", "ping")).toMatchObject({ output: "pong" });
  } finally {
    await survivors.close();
  }
}

describe("a node whose storage fails while it runs", () => {
  test.skipIf(tmpfs.directory === undefined)(
    "a full file system (ENOSPC): 503 with the reason, exit 74, nothing acknowledged is lost; it comes back once there is space",
    async () => {
      const storagePath = join(tmpfs.directory as string, "data");
      const { cluster, victim } = await clusterWithVictim({ storagePath });
      const filler = join(tmpfs.directory as string, "filler");
      try {
        await expectFailStop(cluster, victim, {
          fillUp: () => fillFileSystem(filler),
          sqliteCode: "SQLITE_FULL",
        });
      } finally {
        rmSync(filler, { force: true });
      }
      await cluster.launch(victim);
      await eventually("the victim serves again", () => /Node \d+ is ready/.test(victim.log));
      // Nothing may hold the tmpfs open for the read-only case.
      await cluster.stop();
      rmSync(storagePath, { recursive: true, force: true });
    },
    240_000,
  );

  test("a file size limit (EFBIG from RLIMIT_FSIZE): the same, for any user", async () => {
    // 2048 blocks of 512 or 1024 bytes (the shell decides): past the files a fresh node
    // writes, well within what a stream of workflow starts writes. SIGXFSZ is ignored so
    // that the kernel answers EFBIG instead of killing the process.
    const wrap = (command: string[]) => [
      "sh",
      "-c",
      'trap "" XFSZ; ulimit -f 2048 && exec "$@"',
      "sh",
      ...command,
    ];
    const { cluster, victim } = await clusterWithVictim({ wrap });
    await expectFailStop(cluster, victim, { fillUp: () => undefined, sqliteCode: "SQLITE_IOERR" });
  }, 240_000);
});

describe("a node whose storage directory is read-only when it starts again", () => {
  const canMakeReadOnly = !isRoot || tmpfs.directory !== undefined;
  if (!canMakeReadOnly) console.log("skipping the read-only case: root without a tmpfs mount");

  test.skipIf(!canMakeReadOnly)(
    "refuses to start with exit 74 and names the read-only directory; starts once writable",
    async () => {
      const base =
        isRoot && tmpfs.directory !== undefined
          ? tmpfs.directory
          : mkdtempSync(join(tmpdir(), "raftoral-readonly-"));
      const storagePath = join(base, "readonly");
      const cluster = new NodeProcessCluster("http");
      clusters.push(cluster);
      const node = await cluster.add("http", { storagePath });
      expect(await cluster.signal(node, "SIGTERM")).toBe(0);
      const nodeDirectory = join(storagePath, `node_${cluster.nodeId(node)}`);
      // Root ignores permissions, so root remounts the file system read-only (EROFS);
      // anyone else takes away the write permission (EACCES).
      const makeWritable = isRoot ? mount.remountReadOnly() : withoutWriteAccess(nodeDirectory);
      try {
        const refused = await cluster.runToExit(node.args);
        expect(refused.exitCode).toBe(EXIT_STORAGE_FAILED);
        expect(refused.stderr).toContain(isRoot ? "read-only file system (EROFS)" : "(EACCES)");
        expect(refused.stderr).not.toMatch(/Node \d+ is ready/);
      } finally {
        makeWritable();
        if (base !== tmpfs.directory) rmSync(base, { recursive: true, force: true });
      }
      await cluster.launch(node);
    },
    120_000,
  );
});

/** Writes to `file` until the file system has no space left (ENOSPC). */
function fillFileSystem(file: string): void {
  const descriptor = openSync(file, "w");
  const chunk = new Uint8Array(16 * 1024);
  try {
    for (;;) writeSync(descriptor, chunk);
  } catch (error) {
    // Handled: ENOSPC is what we were after; anything else is a real failure.
    if ((error as NodeJS.ErrnoException).code !== "ENOSPC") throw error;
  } finally {
    closeSync(descriptor);
  }
}

/** Takes away the write permission on `directory`; returns what gives it back. */
function withoutWriteAccess(directory: string): () => void {
  chmodSync(directory, 0o500);
  return () => chmodSync(directory, 0o700);
}
