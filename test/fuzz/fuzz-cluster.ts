// The cluster a fuzz campaign attacks: three real node processes with SQLite storage. Before
// fuzzing it forces one election in every group (by pausing the leader), so term 1 is stale
// everywhere; afterwards it checks that no process died, no node logged a fatal error, every
// node still runs ping_pong to "pong", and the management state is the same on all nodes.

import { readFileSync } from "node:fs";
import { awaitSameManagementState, awaitSettled } from "../chaos/chaos-check.ts";
import { errorCode, protocolClient } from "../chaos/chaos-clients.ts";
import { type NodeProcess, NodeProcessCluster } from "../support/node-process-cluster.ts";

/** Log lines that mean a node stopped working although its process may live on. */
export const FATAL_LINE = /fatal error|hit a bug|AssertionError|Unhandled|uncaught/i;
/** Log lines of errors the node did not expect (a handler failed, not a refused request). */
export const UNEXPECTED_LINE = /^\S+ ERROR (gRPC handler failed|HTTP \S+ \S+ failed)/;

export class FuzzCluster {
  readonly processes: NodeProcessCluster;
  /** How much of each node's log (by node index) newProblems() has read. */
  private readonly scanned = new Map<number, number>();
  private readonly exited = new Set<number>();

  constructor(readonly transport: "grpc" | "http") {
    this.processes = new NodeProcessCluster(transport);
  }

  get nodes(): readonly NodeProcess[] {
    return this.processes.nodes;
  }

  nodeId(node: NodeProcess): number {
    return this.processes.nodeId(node);
  }

  async start(size = 3): Promise<void> {
    for (let k = 0; k < size; k++) await this.processes.add();
    await awaitSettled(this.transport, this.nodes[0]?.address ?? "", size);
    await this.awaitWorkflows();
  }

  /** Runs ping_pong through `node`; resolves with the outcome text or the error code. */
  async pingPong(node: NodeProcess, timeoutMs = 10_000): Promise<string> {
    const client = protocolClient(this.transport, node.address);
    try {
      const outcome = await client.runWorkflow(
        { workflowType: "ping_pong", version: 1, input: "ping" },
        { timeoutMs },
      );
      return outcome.success
        ? JSON.stringify(outcome.output)
        : `failed: ${outcome.failure.message}`;
    } catch (error) {
      return `error ${errorCode(error)}: ${(error as Error).message}`;
    } finally {
      await client.close();
    }
  }

  /** Polls until ping_pong works through every node. */
  async awaitWorkflows(timeoutMs = 30_000): Promise<string | undefined> {
    const deadline = performance.now() + timeoutMs;
    let problem: string | undefined;
    for (const node of this.nodes) {
      for (;;) {
        const answer = await this.pingPong(node, 5_000);
        if (answer === '"pong"') break;
        problem = `node ${this.nodeId(node)}: ping_pong gave ${answer}`;
        if (performance.now() > deadline) return problem;
        await Bun.sleep(100);
      }
    }
    return undefined;
  }

  /**
   * Forces an election in every group by pausing each group's leader until another node
   * leads it, so every hosted group's term is at least 2 afterwards and term 1 is stale.
   */
  async forceElections(): Promise<void> {
    const first = this.nodes[0];
    if (first === undefined) throw new Error("no nodes");
    const client = protocolClient(this.transport, first.address);
    const status = await client.clusterStatus({ timeoutMs: 5_000 });
    await client.close();
    const leaders = new Set<number>([
      status.managementLeaderNodeId,
      ...status.groups.map((group) => group.leaderId),
    ]);
    for (const leaderId of leaders) {
      const leader = this.nodes.find((node) => this.nodeId(node) === leaderId);
      const pid = leader?.process?.pid;
      if (leader === undefined || pid === undefined) continue;
      process.kill(pid, "SIGSTOP");
      try {
        await this.awaitLeadersOtherThan(leaderId, leader);
      } finally {
        process.kill(pid, "SIGCONT");
      }
    }
    const problem = await this.awaitWorkflows();
    if (problem !== undefined) throw new Error(`after the forced elections: ${problem}`);
  }

  private async awaitLeadersOtherThan(leaderId: number, paused: NodeProcess): Promise<void> {
    const asked = this.nodes.find((node) => node !== paused) as NodeProcess;
    const deadline = performance.now() + 20_000;
    let seen = "nothing";
    for (;;) {
      const client = protocolClient(this.transport, asked.address);
      try {
        const status = await client.clusterStatus({ timeoutMs: 2_000 });
        const ids = [
          status.managementLeaderNodeId,
          ...status.groups.map((group) => group.leaderId),
        ];
        if (ids.every((id) => id !== 0 && id !== leaderId)) return;
        seen = `leaders ${ids.join(",")}`;
      } catch (error) {
        // Handled: the cluster is electing; ask again.
        seen = String(error);
      } finally {
        await client.close();
      }
      if (performance.now() > deadline)
        throw new Error(`node ${leaderId} still leads a group (${seen})`);
      await Bun.sleep(100);
    }
  }

  /**
   * Problems that appeared since the last call: a process that exited, fatal or unexpected
   * error lines in a log. Cheap enough to call after every input.
   */
  newProblems(): string[] {
    const found: string[] = [];
    for (const node of this.nodes) {
      const id = this.nodeId(node);
      const child = node.process;
      if (!this.exited.has(node.index) && (child?.exitCode !== null || child.signalCode !== null)) {
        this.exited.add(node.index);
        found.push(`node ${id} exited: code ${child?.exitCode}, signal ${child?.signalCode}`);
      }
      const from = this.scanned.get(node.index) ?? 0;
      const end = node.log.lastIndexOf("\n") + 1;
      if (end <= from) continue;
      for (const line of node.log.slice(from, end).split("\n")) {
        if (FATAL_LINE.test(line) || UNEXPECTED_LINE.test(line)) found.push(`node ${id}: ${line}`);
      }
      this.scanned.set(node.index, end);
    }
    return found;
  }

  /** The final checks: ping_pong through every node, one management state, no new problem. */
  async finalProblems(): Promise<string[]> {
    const found = this.newProblems();
    const workflows = await this.awaitWorkflows(20_000);
    if (workflows !== undefined) found.push(workflows);
    const addresses = this.nodes.map((node) => node.address);
    const disagreement = await awaitSameManagementState(this.transport, addresses, 20_000);
    if (disagreement !== undefined) found.push(disagreement);
    return [...found, ...this.newProblems()];
  }

  /** Resident set size of each node process, in MiB (Linux /proc). */
  rssMiB(): number[] {
    return this.nodes.map((node) => {
      const pid = node.process?.pid;
      if (pid === undefined) return 0;
      const status = readFileSync(`/proc/${pid}/status`, "utf8");
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      return Math.round(kb / 102.4) / 10;
    });
  }

  async stop(): Promise<void> {
    for (const node of this.nodes) {
      const pid = node.process?.pid;
      // A node paused by forceElections() that failed midway must run to die.
      if (pid !== undefined && node.process?.exitCode === null) process.kill(pid, "SIGCONT");
    }
    await this.processes.stop();
  }
}
