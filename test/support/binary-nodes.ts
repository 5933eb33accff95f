// Nodes run from the compiled binary, for tests of what users type: start one with any
// command line, wait until it logs that it is ready, stop it by PID, remove its files.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { compiledBinary } from "./compiled-binary.ts";

export interface BinaryNode {
  readonly args: readonly string[];
  readonly process: Subprocess<"ignore", "ignore", "pipe">;
  /** Everything the node logged so far (stderr). */
  log: string;
}

/** A set of binary nodes sharing one temporary directory; stopAll() cleans both up. */
export class BinaryNodes {
  readonly directory = mkdtempSync(join(tmpdir(), "raftoral-binary-nodes-"));
  readonly nodes: BinaryNode[] = [];

  /** Starts `raftoral ARGS` and resolves once it logged "Node N is ready". */
  async start(args: readonly string[], readyMs = 30_000): Promise<BinaryNode> {
    const child = Bun.spawn([compiledBinary(), ...args], {
      cwd: this.directory,
      stdin: "ignore",
      stdout: "ignore",
      stderr: "pipe",
      env: { ...process.env, RAFTORAL_LOG: "info" },
    });
    const node: BinaryNode = { args, process: child, log: "" };
    this.nodes.push(node);
    const reader = child.stderr.getReader();
    const decoder = new TextDecoder();
    const deadline = performance.now() + readyMs;
    while (!/Node \d+ is ready/.test(node.log)) {
      if (performance.now() > deadline)
        throw new Error(`not ready: ${args.join(" ")}\n${node.log}`);
      const { value, done } = await reader.read();
      if (done) throw new Error(`exited before it was ready: ${args.join(" ")}\n${node.log}`);
      node.log += decoder.decode(value);
    }
    // Keep draining stderr so that the child never blocks on a full pipe.
    void (async () => {
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) return;
        node.log += decoder.decode(value);
      }
    })();
    return node;
  }

  async stopAll(): Promise<void> {
    for (const node of this.nodes) {
      node.process.kill("SIGKILL");
      await node.process.exited;
    }
    this.nodes.length = 0;
    rmSync(this.directory, { recursive: true, force: true });
  }
}

/** The id a node logged when it became ready. */
export function readyNodeId(node: BinaryNode): number {
  return Number(/Node (\d+) is ready/.exec(node.log)?.[1] ?? 0);
}
