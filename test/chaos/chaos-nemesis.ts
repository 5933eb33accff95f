// The nemesis: for a bounded time it SIGKILLs and restarts random nodes, SIGSTOPs and
// SIGCONTs them, and kills the management leader, never having more than a minority down at
// once. Every choice comes from a seeded PRNG; only the timing of the processes is real.

import type { Random } from "../../src/lib/index.ts";
import type { NodeProcess } from "../support/node-process-cluster.ts";
import { protocolClient } from "./chaos-clients.ts";
import type { ChaosCluster } from "./chaos-cluster.ts";

export type FaultKind = "kill" | "pause" | "kill-leader";

export interface NemesisOptions {
  readonly cluster: ChaosCluster;
  readonly transport: "grpc" | "http";
  readonly random: Random;
  readonly durationMs: number;
  /** Most nodes down (killed, paused or restarting) at once: a minority. */
  readonly faultedMax: number;
  readonly log: (line: string) => void;
}

export interface NemesisReport {
  readonly faults: Map<FaultKind, number>;
  /** Restarts that failed (the node exited or never got ready): each is a violation. */
  readonly restartFailures: string[];
  /** Times kill-leader found no leader to kill (it killed a random node instead). */
  leaderUnknown: number;
}

/** Runs the nemesis for `durationMs`; resolves once every node it touched is back. */
export async function runNemesis(options: NemesisOptions): Promise<NemesisReport> {
  const { cluster, random } = options;
  const report: NemesisReport = { faults: new Map(), restartFailures: [], leaderUnknown: 0 };
  const recoveries: Promise<void>[] = [];
  const deadline = performance.now() + options.durationMs;
  let isFirst = true;
  while (performance.now() < deadline) {
    await Bun.sleep(random.int(200, 1_500)); // The pace of faults, not a wait for a condition.
    if (cluster.faultedCount() >= options.faultedMax) continue;
    // The first fault always hits the management leader; later ones are drawn evenly.
    const kind = isFirst ? "kill-leader" : random.pick<FaultKind>(["kill", "pause", "kill-leader"]);
    isFirst = false;
    const target = await chooseTarget(options, kind, report);
    if (target === undefined || cluster.condition(target) !== "up") continue;
    report.faults.set(kind, (report.faults.get(kind) ?? 0) + 1);
    const downMs = random.int(300, kind === "pause" ? 5_000 : 4_000);
    options.log(`nemesis: ${kind} node ${target.index} for ${downMs} ms`);
    if (kind === "pause") {
      cluster.pause(target);
      recoveries.push(Bun.sleep(downMs).then(() => cluster.resume(target)));
    } else {
      await cluster.kill(target);
      recoveries.push(restartLater(options, target, downMs, report));
    }
  }
  await Promise.all(recoveries);
  return report;
}

async function restartLater(
  options: NemesisOptions,
  node: NodeProcess,
  downMs: number,
  report: NemesisReport,
): Promise<void> {
  await Bun.sleep(downMs);
  try {
    await options.cluster.restart(node);
  } catch (error) {
    // Recorded as a violation; what is left of the process goes, and the final heal retries.
    report.restartFailures.push(`node ${node.index}: ${(error as Error).message.slice(0, 2_000)}`);
    await options.cluster.kill(node);
  }
}

async function chooseTarget(
  options: NemesisOptions,
  kind: FaultKind,
  report: NemesisReport,
): Promise<NodeProcess | undefined> {
  const up = options.cluster.upNodes();
  if (up.length === 0) return undefined;
  if (kind === "kill-leader") {
    const leader = await managementLeader(options, up);
    if (leader !== undefined) return leader;
    report.leaderUnknown++;
  }
  return options.random.pick(up);
}

/** The management leader as a live node reports it (discover), if it is up. */
async function managementLeader(
  options: NemesisOptions,
  up: readonly NodeProcess[],
): Promise<NodeProcess | undefined> {
  const asked = options.random.pick(up);
  const client = protocolClient(options.transport, asked.address);
  try {
    const info = await client.discover({ timeoutMs: 1_000 });
    return up.find((node) => options.cluster.nodeId(node) === info.managementLeaderNodeId);
  } catch (error) {
    // Handled: no answer means no known leader; the caller picks a random node.
    void error;
    return undefined;
  } finally {
    await client.close();
  }
}
