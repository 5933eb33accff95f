// Real node processes for chaos runs: NodeProcessCluster plus what a nemesis needs. It pauses
// and continues processes by PID, remembers which exits the nemesis caused, and records every
// other exit (a crash) and every fatal log line, with the tail of that process's log. It keeps
// the whole log of every incarnation of every node, for a run that found a violation.

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type NodeProcess, NodeProcessCluster } from "../support/node-process-cluster.ts";

/** What the nemesis last did to a node. "restarting" counts as down until it is ready. */
export type NodeCondition = "up" | "killed" | "paused" | "restarting";

/** A process that ended without the nemesis (or the final stop) asking it to. */
export interface UnexpectedExit {
  readonly index: number;
  readonly pid: number;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly logTail: string;
}

/** The whole log of one process a node ran as. */
export interface IncarnationLog {
  readonly index: number;
  readonly pid: number;
  readonly log: string;
}

/** An owner reassignment as the group leader's runtime logged it (wall-clock ms). */
export interface Reassignment {
  readonly atMs: number;
  readonly fromNodeId: number;
  readonly line: string;
}

/** A group leader's decision that a voter is silent (owner-failover-watch.ts), wall-clock ms. */
export interface SilenceVerdict {
  readonly atMs: number;
  readonly nodeId: number;
  readonly silentMs: number;
  readonly line: string;
}

/** A node's own report that its process did not run for a while (stall-watch.ts). */
export interface ReportedStall {
  readonly index: number;
  /** Wall-clock ms when it ran again. */
  readonly atMs: number;
  readonly stalledMs: number;
}

const REASSIGNED = /^(\S+) INFO Workflow owner reassigned, .*\bfrom: (\d+)/;
const STALLED = /^(\S+) WARN This process did not run for a while\b.*\bstalled_ms: (\d+)/;
const SILENT = /^(\S+) INFO Voter silent: .*\bnode: (\d+), silent_ms: (\d+)/;

/** Log lines that mean a node stopped working although its process lives on. */
const FATAL_LINE = /fatal error|hit a bug|AssertionError|Unhandled|uncaught/i;
const LOG_TAIL_CHARS = 3_000;

export class ChaosCluster {
  readonly processes: NodeProcessCluster;
  readonly unexpectedExits: UnexpectedExit[] = [];
  /** "node <index>: <line>" for each fatal line seen in any incarnation's log. */
  readonly fatalLines: string[] = [];
  /** Count of ERROR lines per message (first 80 characters), over all incarnations. */
  readonly errorLines = new Map<string, number>();
  /** Every owner reassignment logged by any incarnation (scanLogs fills it). */
  readonly reassignments: Reassignment[] = [];
  /** Every silence verdict of a group leader, from any incarnation (scanLogs fills it). */
  readonly silenceVerdicts: SilenceVerdict[] = [];
  /** Every stall a node reported of itself, from any incarnation (scanLogs fills it). */
  readonly stalls: ReportedStall[] = [];
  private readonly conditions = new Map<number, NodeCondition>();
  /** Per node index: the wall-clock intervals [from, to] it was down in any way. */
  private readonly downIntervals = new Map<number, { fromMs: number; toMs: number }[]>();
  private readonly expectedExits = new Set<number>();
  /** How far each node's current log (by PID) was scanned. */
  private readonly scannedChars = new Map<number, { pid: number; chars: number }>();
  /** The logs of the incarnations that ended (restarted over, or stopped). */
  private readonly endedLogs: IncarnationLog[] = [];

  constructor(transport: "grpc" | "http", workflowsPath: string) {
    this.processes = new NodeProcessCluster(transport, ["--workflows", workflowsPath]);
  }

  get nodes(): readonly NodeProcess[] {
    return this.processes.nodes;
  }

  get directory(): string {
    return this.processes.directory;
  }

  /** Starts `size` nodes one after the other (the first bootstraps); each is ready on return. */
  async start(size: number): Promise<void> {
    for (let k = 0; k < size; k++) {
      const node = await this.processes.add();
      this.watch(node);
    }
  }

  /** Whether node `index` was down (killed, paused, restarting) at any time in [fromMs, toMs]. */
  wasDownWithin(index: number, fromMs: number, toMs: number): boolean {
    return (this.downIntervals.get(index) ?? []).some(
      (down) => down.fromMs <= toMs && down.toMs >= fromMs,
    );
  }

  /**
   * Whether the node's process reported a stall of at least `minMs` that overlaps [from, to]:
   * it did not run, so it sent nothing either.
   */
  stalledWithin(index: number, fromMs: number, toMs: number, minMs: number): boolean {
    return this.stalls.some(
      (stall) =>
        stall.index === index &&
        stall.stalledMs >= minMs &&
        stall.atMs - stall.stalledMs <= toMs &&
        stall.atMs >= fromMs,
    );
  }

  /** Records a change of condition with its time, for wasDownWithin. */
  private setCondition(node: NodeProcess, condition: NodeCondition): void {
    const intervals = this.downIntervals.get(node.index) ?? [];
    this.downIntervals.set(node.index, intervals);
    const last = intervals.at(-1);
    const isOpen = last !== undefined && last.toMs === Number.POSITIVE_INFINITY;
    if (condition === "up" && isOpen) last.toMs = Date.now();
    if (condition !== "up" && !isOpen)
      intervals.push({ fromMs: Date.now(), toMs: Number.POSITIVE_INFINITY });
    this.conditions.set(node.index, condition);
  }

  condition(node: NodeProcess): NodeCondition {
    return this.conditions.get(node.index) ?? "up";
  }

  /** Nodes the nemesis is not acting on right now. */
  upNodes(): NodeProcess[] {
    return this.nodes.filter((node) => this.condition(node) === "up");
  }

  /** Nodes down in any way (killed, paused, restarting). */
  faultedCount(): number {
    return this.nodes.filter((node) => this.condition(node) !== "up").length;
  }

  nodeId(node: NodeProcess): number {
    return this.processes.nodeId(node);
  }

  async kill(node: NodeProcess): Promise<void> {
    const child = node.process;
    if (child === undefined) return;
    this.setCondition(node, "killed");
    this.expectedExits.add(child.pid);
    this.scanLog(node);
    await this.processes.kill(node);
    this.keepLog(node, child.pid);
  }

  /** Starts a killed node again with its original command line; resolves once it is ready. */
  async restart(node: NodeProcess): Promise<void> {
    this.setCondition(node, "restarting");
    // A process that crashed is still the node's: its log goes before the new one's starts.
    if (node.process !== undefined) this.keepLog(node, node.process.pid);
    try {
      await this.processes.launch(node);
    } catch (error) {
      // The launch failed: the process exited before it was ready, or never got ready.
      this.recordExit(node, node.process?.pid ?? 0, node.process?.exitCode ?? null, null);
      throw error;
    }
    this.watch(node);
    this.setCondition(node, "up");
  }

  pause(node: NodeProcess): void {
    if (node.process === undefined) return;
    this.setCondition(node, "paused");
    signalProcess(node.process.pid, "SIGSTOP");
  }

  resume(node: NodeProcess): void {
    if (node.process !== undefined) signalProcess(node.process.pid, "SIGCONT");
    this.setCondition(node, "up");
  }

  /** Continues every paused node and restarts every killed one. */
  async heal(): Promise<void> {
    for (const node of this.nodes) {
      if (this.condition(node) === "paused") this.resume(node);
    }
    for (const node of this.nodes) {
      if (this.condition(node) === "killed") await this.restart(node);
    }
  }

  /** Scans the logs of the running incarnations (call before reading fatalLines). */
  scanLogs(): void {
    for (const node of this.nodes) this.scanLog(node);
  }

  /** Kills every process (continuing paused ones first) and removes the data directory. */
  async stop(): Promise<void> {
    for (const node of this.nodes) {
      const child = node.process;
      if (child === undefined) continue;
      this.expectedExits.add(child.pid);
      if (this.condition(node) === "paused") signalProcess(child.pid, "SIGCONT");
    }
    this.scanLogs();
    const running = this.nodes.map((node) => node.process?.pid);
    await this.processes.stop();
    this.nodes.forEach((node, k) => {
      const pid = running[k];
      if (pid !== undefined) this.keepLog(node, pid);
    });
  }

  /** Every incarnation's log so far, the running ones' up to now. */
  logs(): IncarnationLog[] {
    const running = this.nodes
      .filter((node) => node.process !== undefined)
      .map((node) => ({ index: node.index, pid: node.process?.pid ?? 0, log: node.log }));
    return [...this.endedLogs, ...running];
  }

  /** Writes each incarnation's log to `directory` as node-<index>-pid-<pid>.log. */
  writeLogs(directory: string): void {
    mkdirSync(directory, { recursive: true });
    for (const { index, pid, log } of this.logs()) {
      writeFileSync(join(directory, `node-${index}-pid-${pid}.log`), log);
    }
  }

  /** Keeps the log of `node`'s process `pid`, which has ended (once per process). */
  private keepLog(node: NodeProcess, pid: number): void {
    if (this.endedLogs.some((ended) => ended.pid === pid)) return;
    this.endedLogs.push({ index: node.index, pid, log: node.log });
  }

  private watch(node: NodeProcess): void {
    const child = node.process;
    if (child === undefined) return;
    void child.exited.then((exitCode) => {
      if (this.expectedExits.has(child.pid)) return;
      this.recordExit(node, child.pid, exitCode, String(child.signalCode));
    });
  }

  private recordExit(
    node: NodeProcess,
    pid: number,
    exitCode: number | null,
    signal: string | null,
  ): void {
    this.unexpectedExits.push({
      index: node.index,
      pid,
      exitCode,
      signal,
      logTail: node.log.slice(-LOG_TAIL_CHARS),
    });
  }

  /** Reads the lines of `node`'s current log not scanned yet. */
  private scanLog(node: NodeProcess): void {
    const pid = node.process?.pid ?? 0;
    const scanned = this.scannedChars.get(node.index);
    const from = scanned !== undefined && scanned.pid === pid ? scanned.chars : 0;
    const end = node.log.lastIndexOf("\n") + 1;
    if (end <= from) return;
    for (const line of node.log.slice(from, end).split("\n")) {
      if (FATAL_LINE.test(line)) this.fatalLines.push(`node ${node.index}: ${line}`);
      const reassigned = REASSIGNED.exec(line);
      if (reassigned !== null) {
        const atMs = Date.parse(reassigned[1] ?? "");
        this.reassignments.push({ atMs, fromNodeId: Number(reassigned[2]), line });
      }
      const verdict = SILENT.exec(line);
      if (verdict !== null) {
        const atMs = Date.parse(verdict[1] ?? "");
        const [nodeId, silentMs] = [Number(verdict[2]), Number(verdict[3])];
        this.silenceVerdicts.push({ atMs, nodeId, silentMs, line });
      }
      const stalled = STALLED.exec(line);
      if (stalled !== null) {
        const [atMs, stalledMs] = [Date.parse(stalled[1] ?? ""), Number(stalled[2])];
        this.stalls.push({ index: node.index, atMs, stalledMs });
      }
      const error = /^\S+ ERROR (.*)$/.exec(line);
      if (error !== null) {
        const key = (error[1] ?? "").slice(0, 80);
        this.errorLines.set(key, (this.errorLines.get(key) ?? 0) + 1);
      }
    }
    this.scannedChars.set(node.index, { pid, chars: end });
  }
}

/**
 * Sends `signal` to process `pid`. One that has exited on its own already (ESRCH) is no error
 * here: watch() records its exit with its log, which is what the run must report.
 */
function signalProcess(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}
