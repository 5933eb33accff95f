// Real `raftoral` node processes (the CLI from source, or a compiled binary) on loopback, with
// SQLite storage unless a node keeps its logs in memory:
// start, SIGKILL, restart with the same command line, and clean up (by PID) afterwards.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { freePort } from "./ports.ts";

const MAIN = join(import.meta.dir, "..", "..", "src", "cli", "main.ts");

export interface NodeProcess {
  readonly index: number;
  readonly address: string;
  readonly args: string[];
  /** What is run: the CLI with `args`, inside a wrapper when add() was given one. */
  readonly command: string[];
  process: Subprocess<"ignore", "ignore", "pipe"> | undefined;
  log: string;
}

export class NodeProcessCluster {
  readonly directory = mkdtempSync(join(tmpdir(), "raftoral-nodes-"));
  readonly nodes: NodeProcess[] = [];

  /**
   * `cli` runs the CLI: from source by default, or a compiled binary ([path]); `env` adds to
   * (or overrides) the nodes' environment, whose log level is info unless it says otherwise.
   */
  constructor(
    readonly transport: "grpc" | "http",
    private readonly extraArgs: readonly string[] = [],
    private readonly cli: readonly string[] = [process.execPath, MAIN],
    private readonly env: Readonly<Record<string, string>> = {},
  ) {}

  /**
   * Starts node `index` (0 bootstraps, the others join through node 0) and waits until ready.
   * `transport` overrides the cluster's, for a node that must detect the cluster's protocol;
   * `storagePath` puts its data elsewhere, `inMemory` keeps it in memory (no --storage-path),
   * and `wrap` runs the CLI inside another command (a shell that sets limits first).
   */
  async add(
    transport = this.transport,
    options: {
      storagePath?: string;
      inMemory?: boolean;
      wrap?: (command: string[]) => string[];
    } = {},
  ): Promise<NodeProcess> {
    const index = this.nodes.length;
    const address = `127.0.0.1:${await freePort()}`;
    const first = this.nodes[0];
    const args = [
      "--listen",
      address,
      "--transport",
      transport,
      ...(options.inMemory === true
        ? []
        : ["--storage-path", options.storagePath ?? join(this.directory, `n${index}`)]),
      ...(first === undefined ? ["--bootstrap"] : ["--peers", first.address]),
      ...this.extraArgs,
    ];
    const cli = [...this.cli, ...args];
    const command = options.wrap?.(cli) ?? cli;
    const node: NodeProcess = { index, address, args, command, process: undefined, log: "" };
    this.nodes.push(node);
    await this.launch(node);
    return node;
  }

  /** Starts the node with its original command line and waits until it is ready. */
  async launch(node: NodeProcess): Promise<void> {
    node.log = "";
    const child = Bun.spawn(node.command, {
      stdin: "ignore",
      stdout: "ignore",
      stderr: "pipe",
      env: { ...process.env, RAFTORAL_LOG: process.env.TEST_NODE_LOG ?? "info", ...this.env },
    });
    node.process = child;
    const reader = child.stderr.getReader();
    const decoder = new TextDecoder();
    // Raced with every read: a node that hangs without a word must fail the test too.
    let timer: Timer | undefined;
    const late = new Promise<"late">((resolve) => {
      timer = setTimeout(() => resolve("late"), 30_000);
    });
    try {
      while (!/Node \d+ is ready/.test(node.log)) {
        const read = await Promise.race([reader.read(), late]);
        if (read === "late") throw new Error(`node ${node.index} not ready in 30 s:\n${node.log}`);
        if (read.done) {
          throw new Error(`node ${node.index} exited before it was ready:\n${node.log}`);
        }
        node.log += decoder.decode(read.value);
      }
    } finally {
      clearTimeout(timer);
    }
    // Keep draining stderr so the child never blocks on a full pipe.
    void (async () => {
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) return;
        node.log += decoder.decode(value);
      }
    })();
  }

  /** Runs the CLI with `args` until it exits on its own; for starts that must fail. */
  async runToExit(args: readonly string[]): Promise<{ exitCode: number; stderr: string }> {
    const child = Bun.spawn([...this.cli, ...args], {
      stdin: "ignore",
      stdout: "ignore",
      stderr: "pipe",
      env: { ...process.env, RAFTORAL_LOG: process.env.TEST_NODE_LOG ?? "info" },
    });
    // A start that hangs instead of failing must not hang the suite.
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    try {
      const stderr = await new Response(child.stderr).text();
      return { exitCode: await child.exited, stderr };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends `signal` and resolves with the exit code once the process is gone. */
  async signal(node: NodeProcess, signal: "SIGTERM" | "SIGINT"): Promise<number> {
    const child = node.process;
    if (child === undefined) throw new Error(`node ${node.index} is not running`);
    child.kill(signal);
    const code = await child.exited;
    node.process = undefined;
    return code;
  }

  async kill(node: NodeProcess): Promise<void> {
    node.process?.kill("SIGKILL");
    await node.process?.exited;
    node.process = undefined;
  }

  async stop(): Promise<void> {
    for (const node of this.nodes) await this.kill(node);
    rmSync(this.directory, { recursive: true, force: true });
  }

  nodeId(node: NodeProcess): number {
    const match = /Node (\d+) is ready/.exec(node.log);
    return Number(match?.[1] ?? 0);
  }
}
