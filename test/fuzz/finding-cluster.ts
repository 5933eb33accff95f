// In-process nodes for the fuzzer's regression tests (findings.test.ts): RaftoralNodes with
// the HTTP transport and memory storage, each with a logger that keeps its lines, so a test
// can send one batch to /raft/message and then see whether the node logged a fatal error.

import { createLogger, type GroupId, groupId } from "../../src/lib/index.ts";
import { RaftoralNode } from "../../src/node/index.ts";
import { freePort } from "../support/ports.ts";
import { batchJsonText } from "./peer-inputs.ts";

export interface FindingNode {
  readonly node: RaftoralNode;
  readonly address: string;
  /** The first LINES_KEPT lines the node logged (a flood must not fill the test's memory). */
  readonly lines: string[];
  /** Every line the node logged, counted by its first word (INFO, WARN, ERROR...). */
  readonly counts: Map<string, number>;
}

const LINES_KEPT = 2_000;

const FAST = { tickIntervalMs: 20, reconcileIntervalMs: 100, failureTimeoutMs: 10_000 };

export class FindingCluster {
  readonly nodes: FindingNode[] = [];

  /** Starts `size` nodes (the first bootstraps) and waits until group 1 has them all as voters. */
  async start(size: number): Promise<void> {
    for (let k = 0; k < size; k++) {
      const address = `127.0.0.1:${await freePort()}`;
      const lines: string[] = [];
      const counts = new Map<string, number>();
      const write = (line: string): void => {
        if (lines.length < LINES_KEPT) lines.push(line);
        const level = line.split(" ", 1)[0] ?? "";
        counts.set(level, (counts.get(level) ?? 0) + 1);
      };
      const first = this.nodes[0];
      const node = new RaftoralNode({
        listen: address,
        bootstrap: first === undefined,
        ...(first === undefined ? {} : { peers: [first.address] }),
        transport: "http",
        logger: createLogger({ level: "info", format: "text", write }),
        tuning: FAST,
      });
      this.nodes.push({ node, address, lines, counts });
      await node.start();
    }
    await this.until("every group has all nodes as voters", () =>
      this.nodes.every((member) =>
        [0, 1].every(
          (id) => this.status(member, groupId(id))?.confState.voters.length === this.nodes.length,
        ),
      ),
    );
  }

  status(member: FindingNode, id: GroupId) {
    return member.node.raftHost()?.inspect(id)?.status();
  }

  /** The node leading group `id`, as the nodes see it. */
  leaderOf(id: GroupId): FindingNode {
    const leader = this.nodes.find((member) => this.status(member, id)?.role === "leader");
    if (leader === undefined) throw new Error(`group ${id} has no leader`);
    return leader;
  }

  /** POSTs `batch` (plain numbers, bytes as Uint8Array) to /raft/message; the HTTP status. */
  async post(member: FindingNode, batch: unknown): Promise<number> {
    return this.postText(member, batchJsonText(batch));
  }

  async postText(member: FindingNode, text: string, path = "/raft/message"): Promise<number> {
    const response = await fetch(`http://${member.address}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: text,
    });
    await response.arrayBuffer();
    return response.status;
  }

  /** ERROR lines that mean the node stopped: what a fix must make disappear. */
  fatalLines(member: FindingNode): string[] {
    return member.lines.filter((line) => /fatal error|hit a bug/.test(line));
  }

  /** Runs ping_pong through `member` over HTTP; "\"pong\"" or what went wrong. */
  async pingPong(member: FindingNode): Promise<string> {
    const response = await fetch(`http://${member.address}/workflow/execute`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "ping_pong", version: 1, input: '"ping"' }),
      signal: AbortSignal.timeout(5_000),
    }).catch((error: Error) => error);
    if (response instanceof Error) return `error: ${response.message}`;
    const started = (await response.json()) as { workflow_id?: unknown; error?: string };
    if (typeof started.workflow_id !== "string") return `start failed: ${started.error}`;
    const query = `workflow_id=${started.workflow_id}&execution_cluster_id=1&timeout_seconds=5`;
    const outcome = (await (
      await fetch(`http://${member.address}/workflow/wait?${query}`)
    ).json()) as {
      result?: string;
      error?: string;
    };
    return outcome.result ?? `failed: ${outcome.error}`;
  }

  /** Polls `condition` every 20 ms until it holds; throws after `timeoutMs`. */
  async until(what: string, condition: () => boolean, timeoutMs = 20_000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (!condition()) {
      if (performance.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
      await Bun.sleep(20);
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.splice(0).map((member) => member.node.kill()));
  }
}
