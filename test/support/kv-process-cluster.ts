// Runs test/support/kv-node-process.ts as real processes on loopback: start, SIGKILL,
// restart from the same storage, and talk to their control servers. Cleans up every
// process it started (by PID) and its temp directory.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { FTL_OPTION } from "../../src/cli/jit-tiers.ts";
import { freePort } from "./ports.ts";

const SCRIPT = join(import.meta.dir, "kv-node-process.ts");

interface KvProcess {
  readonly id: number;
  readonly port: number;
  readonly control: number;
  process: Subprocess | undefined;
}

export class KvProcessCluster {
  readonly directory = mkdtempSync(join(tmpdir(), "raftoral-kv-"));
  readonly nodes: KvProcess[] = [];

  private constructor(
    private readonly transport: "grpc" | "http",
    private readonly extraArgs: readonly string[],
  ) {}

  static async start(options: {
    size: number;
    transport: "grpc" | "http";
    args?: string[];
  }): Promise<KvProcessCluster> {
    const cluster = new KvProcessCluster(options.transport, options.args ?? []);
    for (let id = 1; id <= options.size; id++) {
      cluster.nodes.push({
        id,
        port: await freePort(),
        control: await freePort(),
        process: undefined,
      });
    }
    const launches = await Promise.allSettled(cluster.nodes.map((node) => cluster.launch(node)));
    const failed = launches.find((launch) => launch.status === "rejected");
    if (failed !== undefined) {
      // The caller never gets the cluster to stop: the processes that did start stop here.
      await cluster.stop();
      throw failed.reason;
    }
    return cluster;
  }

  node(id: number): KvProcess {
    const node = this.nodes.find((candidate) => candidate.id === id);
    if (node === undefined) throw new Error(`no node ${id}`);
    return node;
  }

  private async launch(node: KvProcess): Promise<void> {
    const peers = this.nodes.map((peer) => `${peer.id}=127.0.0.1:${peer.port}`).join(",");
    const child = Bun.spawn(
      [
        process.execPath,
        SCRIPT,
        "--id",
        String(node.id),
        "--port",
        String(node.port),
        "--control",
        String(node.control),
        "--peers",
        peers,
        "--transport",
        this.transport,
        "--storage",
        this.directory,
        ...this.extraArgs,
      ],
      {
        stdout: "pipe",
        stderr: "inherit",
        // As a raftoral node runs (src/cli/jit-tiers.ts), unless the caller chose otherwise.
        env: { ...process.env, [FTL_OPTION]: process.env[FTL_OPTION] ?? "0" },
      },
    );
    node.process = child;
    const reader = child.stdout.getReader();
    let seen = "";
    const deadline = performance.now() + 20_000;
    while (!seen.includes("READY")) {
      if (performance.now() > deadline) throw new Error(`node ${node.id} did not start`);
      const { value, done } = await reader.read();
      if (done) throw new Error(`node ${node.id} exited before it was ready`);
      seen += new TextDecoder().decode(value);
    }
    reader.releaseLock();
  }

  /** SIGKILL: no chance to flush or hand anything over. */
  async kill(id: number): Promise<void> {
    const node = this.node(id);
    node.process?.kill("SIGKILL");
    await node.process?.exited;
    node.process = undefined;
  }

  async restart(id: number): Promise<void> {
    await this.launch(this.node(id));
  }

  /** `timeoutMs`: a benchmark's run may take longer than the default on a busy machine. */
  async call<T>(id: number, path: string, body?: unknown, timeoutMs = 30_000): Promise<T> {
    const response = await fetch(`http://127.0.0.1:${this.node(id).control}${path}`, {
      method: body === undefined ? "GET" : "POST",
      ...(body === undefined
        ? {}
        : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const json = (await response.json()) as T & { error?: string };
    if (!response.ok) throw new Error(json.error ?? `HTTP ${response.status}`);
    return json;
  }

  /** The node that reports itself leader of `group`, if any. */
  async leader(group = 1): Promise<number | undefined> {
    for (const node of this.nodes) {
      if (node.process === undefined) continue;
      const status = await this.call<{ role?: string } | null>(
        node.id,
        `/status?group=${group}`,
      ).catch(() => null);
      if (status?.role === "leader") return node.id;
    }
    return undefined;
  }

  /** The leader of `group`, waiting up to 20 s for one (an election after a start or a kill). */
  async awaitLeader(group = 1): Promise<number> {
    for (let attempt = 0; attempt < 400; attempt++) {
      const leader = await this.leader(group);
      if (leader !== undefined) return leader;
      await Bun.sleep(50);
    }
    throw new Error(`no leader for group ${group}`);
  }

  async stop(): Promise<void> {
    for (const node of this.nodes) {
      node.process?.kill("SIGKILL");
      await node.process?.exited;
      node.process = undefined;
    }
    rmSync(this.directory, { recursive: true, force: true });
  }
}
