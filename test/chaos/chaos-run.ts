// One chaos run: five real node processes with SQLite storage, client loops starting and
// waiting for workflows, the nemesis for a bounded time, then heal and check. Used by
// chaos.test.ts (short) and run-chaos.ts (`make chaos`, long). The run never throws for a
// finding: every violation is in the summary, which the caller prints and judges.

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Random, seededRandom } from "../../src/lib/index.ts";
import {
  awaitSameManagementState,
  awaitSettled,
  type StepCounts,
  type Verification,
  verifyOutcomes,
} from "./chaos-check.ts";
import { type ClientLoad, newClientLoad, runStartLoop, runWaitLoop } from "./chaos-clients.ts";
import { ChaosCluster } from "./chaos-cluster.ts";
import { ChaosTimeline, type NodeMetrics, scrapeMetrics, writeMetrics } from "./chaos-evidence.ts";
import { type FaultKind, runNemesis } from "./chaos-nemesis.ts";

const FIXTURE = join(import.meta.dir, "fixtures", "chaos-workflows.ts");

export interface ChaosOptions {
  readonly transport: "grpc" | "http";
  readonly seed: number;
  /** How long the nemesis acts; the clients load the cluster for the same time. */
  readonly nemesisMs: number;
  readonly nodes?: number;
  readonly clients?: number;
  /** Progress lines (nemesis actions, phases). */
  readonly log?: (line: string) => void;
  /** Called with the cluster before it starts, so a test can stop it if the run times out. */
  readonly onCluster?: (cluster: ChaosCluster) => void;
  /**
   * Where a run with a violation writes every node's logs, each incarnation in a file, its
   * timeline and each node's metrics at the end (chaos-evidence.ts).
   */
  readonly logDirectory?: string;
}

export interface ChaosSummary {
  readonly transport: "grpc" | "http";
  readonly seed: number;
  readonly nemesisMs: number;
  readonly startAttempts: number;
  /** Starts a client was told succeeded (a workflow_id came back). */
  readonly started: number;
  /** Of those, completed with one result identical on every node. */
  readonly completed: number;
  readonly startErrors: Readonly<Record<string, number>>;
  readonly faults: Readonly<Record<FaultKind, number>>;
  /** Longest time during the nemesis in which no start succeeded. */
  readonly maxUnavailableMs: number;
  readonly steps: StepCounts;
  /** Owner reassignments logged, and failovers (verdicts or reassignments) away from nodes that were up. */
  readonly reassignments: { readonly total: number; readonly fromLiveNodes: number };
  /** Stalls the nodes reported of themselves (their processes did not run), and the longest. */
  readonly stalls: { readonly count: number; readonly longestMs: number };
  readonly errorLogLines: Readonly<Record<string, number>>;
  readonly violations: readonly string[];
  /** Where the nodes' logs were written (only after a violation). */
  readonly logDirectory?: string;
  readonly durationMs: number;
}

export async function runChaos(options: ChaosOptions): Promise<ChaosSummary> {
  const cluster = new ChaosCluster(options.transport, FIXTURE);
  options.onCluster?.(cluster);
  const timeline = new ChaosTimeline();
  const { logDirectory } = options;
  let summary: ChaosSummary;
  let metrics: NodeMetrics[] = [];
  try {
    summary = await runOn(cluster, { ...options, log: timeline.recorder(options.log) });
    if (summary.violations.length > 0 && logDirectory !== undefined)
      metrics = await scrapeMetrics(cluster, options.transport);
  } finally {
    await cluster.stop();
  }
  if (summary.violations.length === 0 || logDirectory === undefined) return summary;
  cluster.writeLogs(logDirectory);
  timeline.write(logDirectory);
  writeMetrics(logDirectory, metrics);
  return { ...summary, logDirectory };
}

async function runOn(cluster: ChaosCluster, options: ChaosOptions): Promise<ChaosSummary> {
  const began = performance.now();
  const log = options.log ?? (() => undefined);
  const size = options.nodes ?? 5;
  await cluster.start(size);
  const addresses = cluster.nodes.map((node) => node.address);
  await awaitSettled(options.transport, addresses[0] as string, size);
  log(`cluster of ${size} ${options.transport} nodes ready in ${cluster.directory}`);
  const stepDir = join(cluster.directory, "steps");
  mkdirSync(stepDir, { recursive: true });
  const random = seededRandom(options.seed);
  const clients = startClients(options, addresses, stepDir, random);
  const nemesisStart = performance.now();
  const nemesis = await runNemesis({
    cluster,
    transport: options.transport,
    random: random.fork("nemesis"),
    durationMs: options.nemesisMs,
    faultedMax: Math.floor((size - 1) / 2),
    log,
  });
  const nemesisEnd = performance.now();
  await clients.stop();
  const { load } = clients;
  const violations = nemesis.restartFailures.map((failure) => `restart failed: ${failure}`);
  const verification = await healAndCheck({ options, cluster, load, stepDir, violations, log });
  return {
    transport: options.transport,
    seed: options.seed,
    nemesisMs: options.nemesisMs,
    startAttempts: load.startAttempts,
    started: load.acknowledged.length,
    completed: verification.completed,
    startErrors: Object.fromEntries(load.startErrors),
    faults: { kill: 0, pause: 0, "kill-leader": 0, ...Object.fromEntries(nemesis.faults) },
    maxUnavailableMs: maxGapMs(load, nemesisStart, nemesisEnd),
    steps: verification.steps,
    reassignments: {
      total: cluster.reassignments.length,
      fromLiveNodes: falseFailovers(cluster).length,
    },
    stalls: {
      count: cluster.stalls.length,
      longestMs: Math.max(0, ...cluster.stalls.map((stall) => stall.stalledMs)),
    },
    errorLogLines: Object.fromEntries(cluster.errorLines),
    violations,
    durationMs: performance.now() - began,
  };
}

/** Start loops and wait loops, `clients` of each, sharing one record of the load. */
function startClients(
  options: ChaosOptions,
  addresses: readonly string[],
  stepDir: string,
  random: Random,
): { load: ClientLoad; stop: () => Promise<void> } {
  const load = newClientLoad();
  let isStopped = false;
  const loops: Promise<void>[] = [];
  for (let k = 0; k < (options.clients ?? 3); k++) {
    const loop = {
      transport: options.transport,
      addresses: () => addresses,
      stepDir,
      load,
      isStopped: () => isStopped,
    };
    loops.push(runStartLoop({ ...loop, random: random.fork(`start-${k}`) }));
    loops.push(runWaitLoop({ ...loop, random: random.fork(`wait-${k}`) }));
  }
  const stop = async (): Promise<void> => {
    isStopped = true;
    await Promise.all(loops);
  };
  return { load, stop };
}

/** Heals the cluster, then runs every check; violations are appended to `violations`. */
async function healAndCheck(run: {
  options: ChaosOptions;
  cluster: ChaosCluster;
  load: ClientLoad;
  stepDir: string;
  violations: string[];
  log: (line: string) => void;
}): Promise<Verification> {
  const { options, cluster, load, violations } = run;
  run.log("nemesis done; healing");
  await cluster.heal().catch((error: unknown) => {
    violations.push(`heal failed: ${(error as Error).message.slice(0, 2_000)}`);
  });
  const addresses = cluster.nodes.map((node) => node.address);
  run.log(`checking ${load.acknowledged.length} acknowledged workflows on every node`);
  const verification = await verifyOutcomes({
    transport: options.transport,
    addresses,
    acknowledged: load.acknowledged,
    stepDir: run.stepDir,
    timeoutMs: 90_000 + load.acknowledged.length * 100,
  });
  violations.push(...verification.violations);
  const disagreement = await awaitSameManagementState(options.transport, addresses, 30_000);
  if (disagreement !== undefined) violations.push(disagreement);
  if (load.acknowledged.length === 0) violations.push("no start succeeded during the run");
  cluster.scanLogs();
  violations.push(...crashesOf(cluster));
  violations.push(...falseFailovers(cluster).map((line) => `false owner failover: ${line}`));
  return verification;
}

/**
 * A reassignment is decided once the owner was silent for ownerFailoverMs (1.5 s) and logged
 * once committed, which under chaos can take up to a proposal timeout (10 s): one away from a
 * node that was up for all of the 12 s before it took workflows from a live owner.
 */
const FAILOVER_CAUSE_WINDOW_MS = 12_000;
/** A message in flight when its sender died may arrive this much after the death. */
const IN_FLIGHT_SLACK_MS = 1_000;

/** A running node answers its leaders within this: two heartbeat intervals and delivery. */
const ANSWER_SLACK_MS = 500;
/** The silence after which a group's leader moves an owner's workflows (ownerFailoverMs). */
const OWNER_FAILOVER_MS = 1_500;

/**
 * Failovers away from nodes that were up: a leader's silence verdict on a node that was up
 * for all of the silence it measured, or a reassignment away from a node up for the whole
 * window before it. A node whose own process reported that it did not run for long enough to
 * make that silence (the machine starved it) was not up in any sense its peers could tell
 * from a pause.
 */
function falseFailovers(cluster: ChaosCluster): string[] {
  const indexOf = (id: number) => cluster.nodes.find((node) => cluster.nodeId(node) === id)?.index;
  const wasUp = (id: number, fromMs: number, toMs: number, stallMs: number) => {
    const index = indexOf(id);
    return (
      index !== undefined &&
      !cluster.wasDownWithin(index, fromMs, toMs) &&
      !cluster.stalledWithin(index, fromMs, toMs, stallMs)
    );
  };
  const verdicts = cluster.silenceVerdicts.filter((verdict) =>
    wasUp(
      verdict.nodeId,
      verdict.atMs - verdict.silentMs - IN_FLIGHT_SLACK_MS,
      verdict.atMs,
      verdict.silentMs - ANSWER_SLACK_MS,
    ),
  );
  const reassignments = cluster.reassignments.filter((reassignment) =>
    wasUp(
      reassignment.fromNodeId,
      reassignment.atMs - FAILOVER_CAUSE_WINDOW_MS,
      reassignment.atMs,
      OWNER_FAILOVER_MS - ANSWER_SLACK_MS,
    ),
  );
  return [...verdicts, ...reassignments].map((found) => found.line);
}

function crashesOf(cluster: ChaosCluster): string[] {
  return [
    ...cluster.unexpectedExits.map(
      (exit) =>
        `node ${exit.index} (pid ${exit.pid}) exited by itself: code ${exit.exitCode}, ` +
        `signal ${exit.signal}; log tail:\n${exit.logTail}`,
    ),
    ...cluster.fatalLines.map((line) => `fatal log line: ${line}`),
  ];
}

/** The longest stretch of [from, to] without an acknowledged start. */
function maxGapMs(load: ClientLoad, from: number, to: number): number {
  const times = load.acknowledged
    .map((start) => start.acknowledgedAtMs)
    .filter((at) => at >= from && at <= to)
    .sort((a, b) => a - b);
  let previous = from;
  let gap = 0;
  for (const at of [...times, to]) {
    gap = Math.max(gap, at - previous);
    previous = at;
  }
  return gap;
}

/** The summary as the lines `make chaos` and the tests print. */
export function formatSummary(summary: ChaosSummary): string {
  const faultTotal = Object.values(summary.faults).reduce((sum, n) => sum + n, 0);
  const lines = [
    `chaos summary: transport=${summary.transport} seed=${summary.seed} nemesis=${Math.round(summary.nemesisMs / 1000)}s total=${Math.round(summary.durationMs / 1000)}s`,
    `  workflows: started=${summary.started} completed=${summary.completed} (start attempts=${summary.startAttempts}, start errors=${JSON.stringify(summary.startErrors)})`,
    `  faults: total=${faultTotal} ${Object.entries(summary.faults)
      .map(([kind, n]) => `${kind}=${n}`)
      .join(" ")}`,
    `  max unavailability window: ${(summary.maxUnavailableMs / 1000).toFixed(2)} s (longest time no start succeeded)`,
    `  step bodies: ran=${summary.steps.ran} distinct=${summary.steps.distinctKeys} ran-again-after-failover=${summary.steps.ranAgain} (at-least-once; reported, not failed)`,
    `  owner reassignments: ${summary.reassignments.total} (from nodes that were up: ${summary.reassignments.fromLiveNodes})`,
    `  stalls the nodes reported of themselves: ${summary.stalls.count} (longest ${summary.stalls.longestMs} ms)`,
    `  ERROR log lines: ${JSON.stringify(summary.errorLogLines)}`,
    `  violations: ${summary.violations.length === 0 ? "none" : summary.violations.length}`,
    ...summary.violations.slice(0, 20).map((violation) => `    - ${violation}`),
    ...(summary.logDirectory === undefined ? [] : [`  node logs: ${summary.logDirectory}`]),
  ];
  return lines.join("\n");
}
