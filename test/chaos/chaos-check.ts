// The checks after a chaos run has healed: every acknowledged workflow completed, with one
// result that every node reports identically and that matches what a client saw during the
// run; every recorded step output was produced by a step body that really ran; and the
// management state is the same on every node. Re-runs of step bodies are counted, not failed.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ClusterStatus, WorkflowOutcome } from "../../src/transport/index.ts";
import { type AcknowledgedStart, errorCode, protocolClient } from "./chaos-clients.ts";
import { STEP_LOG_FILE } from "./fixtures/chaos-workflows.ts";

export interface StepCounts {
  /** Step bodies that ran (lines in the step log). */
  readonly ran: number;
  /** Distinct idempotency keys among them. */
  readonly distinctKeys: number;
  /** Runs beyond the first of a key: bodies that ran again after a failover. */
  readonly ranAgain: number;
}

export interface Verification {
  readonly completed: number;
  readonly violations: string[];
  readonly steps: StepCounts;
}

export interface VerifyOptions {
  readonly transport: "grpc" | "http";
  readonly addresses: readonly string[];
  readonly acknowledged: readonly AcknowledgedStart[];
  readonly stepDir: string;
  /** Overall budget for every node to report every workflow. */
  readonly timeoutMs: number;
}

const PARALLEL_WAITS = 8;

export async function verifyOutcomes(options: VerifyOptions): Promise<Verification> {
  const violations: string[] = [];
  const outcomes = await collectOutcomes(options);
  // Read after every workflow finished: a step body that ran records its line first.
  const stepLog = readStepLog(options.stepDir);
  let completed = 0;
  for (const [k, start] of options.acknowledged.entries()) {
    const perNode = outcomes[k] ?? [];
    const problem = checkWorkflow(start, perNode, stepLog);
    if (problem === undefined) completed++;
    else violations.push(`workflow ${start.workflowId}: ${problem}`);
  }
  let ranAgain = 0;
  for (const runs of stepLog.values()) ranAgain += runs - 1;
  const ran = [...stepLog.values()].reduce((sum, runs) => sum + runs, 0);
  return { completed, violations, steps: { ran, distinctKeys: stepLog.size, ranAgain } };
}

type NodeAnswer = { outcome: WorkflowOutcome } | { error: string };

/** Every node's answer for every workflow, waiting (and retrying) until the deadline. */
async function collectOutcomes(options: VerifyOptions): Promise<NodeAnswer[][]> {
  const deadline = performance.now() + options.timeoutMs;
  const answers: NodeAnswer[][] = options.acknowledged.map(() => []);
  const jobs: [number, number][] = [];
  for (let k = 0; k < options.acknowledged.length; k++) {
    for (let n = 0; n < options.addresses.length; n++) jobs.push([k, n]);
  }
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let job = jobs[next++]; job !== undefined; job = jobs[next++]) {
      const [k, n] = job;
      const start = options.acknowledged[k] as AcknowledgedStart;
      (answers[k] as NodeAnswer[])[n] = await answerOf(options, start, n, deadline);
    }
  };
  await Promise.all(Array.from({ length: PARALLEL_WAITS }, worker));
  return answers;
}

async function answerOf(
  options: VerifyOptions,
  start: AcknowledgedStart,
  nodeIndex: number,
  deadline: number,
): Promise<NodeAnswer> {
  let lastError = "no attempt";
  while (performance.now() < deadline) {
    const seconds = Math.max(1, Math.min(20, Math.floor((deadline - performance.now()) / 1000)));
    const client = protocolClient(options.transport, options.addresses[nodeIndex] as string);
    try {
      const outcome = await client.waitWorkflow(
        {
          workflowId: start.workflowId,
          executionClusterId: start.executionClusterId,
          timeoutSeconds: seconds,
        },
        { timeoutMs: seconds * 1000 + 5_000 },
      );
      return { outcome };
    } catch (error) {
      // Handled: a node that just restarted may still catch up; ask again until the deadline.
      lastError = `${errorCode(error)}: ${(error as Error).message.slice(0, 200)}`;
      await Bun.sleep(200);
    } finally {
      await client.close();
    }
  }
  return { error: `node ${nodeIndex}: ${lastError}` };
}

function checkWorkflow(
  start: AcknowledgedStart,
  perNode: readonly NodeAnswer[],
  stepLog: ReadonlyMap<string, number>,
): string | undefined {
  const failed = perNode.find((answer) => "error" in answer);
  if (failed !== undefined && "error" in failed) return `not reported: ${failed.error}`;
  const texts = perNode.map((answer) => JSON.stringify("outcome" in answer && answer.outcome));
  if (new Set(texts).size !== 1) return `nodes disagree: ${texts.join(" / ")}`;
  const outcome = (perNode[0] as { outcome: WorkflowOutcome }).outcome;
  if (!outcome.success) return `failed: ${outcome.failure.message}`;
  const seen = start.firstOutcome;
  if (seen !== undefined && JSON.stringify(seen.outcome) !== texts[0]) {
    return `result changed: node ${seen.nodeIndex} said ${JSON.stringify(seen.outcome)}, now ${texts[0]}`;
  }
  const outputs = (outcome.output as { outputs?: unknown } | null)?.outputs;
  if (!Array.isArray(outputs) || outputs.length !== start.steps) {
    return `result has ${Array.isArray(outputs) ? outputs.length : "no"} outputs, not ${start.steps}`;
  }
  for (const output of outputs) {
    const key = String(output).split("|")[0] ?? "";
    if (!key.startsWith(`${start.workflowId}:`) || !stepLog.has(key)) {
      return `recorded output ${String(output)} comes from no step body that ran`;
    }
  }
  return undefined;
}

/** Idempotency key -> how many times a step body with it ran. */
function readStepLog(stepDir: string): Map<string, number> {
  const runs = new Map<string, number>();
  let text = "";
  try {
    text = readFileSync(join(stepDir, STEP_LOG_FILE), "utf8");
  } catch (error) {
    // Handled: no step ran at all (no workflow started); every check below then fails loudly.
    void error;
  }
  for (const line of text.split("\n")) {
    const key = line.split(" ")[0];
    if (key !== undefined && key !== "") runs.set(key, (runs.get(key) ?? 0) + 1);
  }
  return runs;
}

/** The parts of the cluster status that are replicated state (no leaders, no counters). */
export function managementView(status: ClusterStatus): string {
  return JSON.stringify({
    nodes: status.nodes.map((node) => [node.nodeId, node.address, node.managementRole]),
    groups: status.groups.map((group) => [
      group.groupId,
      [...group.members].sort(),
      group.draining,
    ]),
  });
}

/** Polls every node's cluster status until all agree; returns the disagreement otherwise. */
export async function awaitSameManagementState(
  transport: "grpc" | "http",
  addresses: readonly string[],
  timeoutMs: number,
): Promise<string | undefined> {
  const deadline = performance.now() + timeoutMs;
  let views: string[] = [];
  while (performance.now() < deadline) {
    views = await Promise.all(addresses.map((address) => viewOf(transport, address)));
    if (new Set(views).size === 1 && !views[0]?.startsWith("error")) return undefined;
    await Bun.sleep(200);
  }
  return `management state differs between nodes:\n  ${views.join("\n  ")}`;
}

async function viewOf(transport: "grpc" | "http", address: string): Promise<string> {
  const client = protocolClient(transport, address);
  try {
    return managementView(await client.clusterStatus({ timeoutMs: 3_000 }));
  } catch (error) {
    // Handled: reported as this node's view, so the poll keeps trying.
    return `error ${errorCode(error)}`;
  } finally {
    await client.close();
  }
}

/**
 * Polls `address` until the cluster has settled: every node is a management voter (up to
 * the voter limit), and every execution group's Raft configuration holds all its members as
 * voters. Nodes report "ready" before the last members are added, so a fault injected
 * earlier would hit a group with fewer voters than it will have.
 */
export async function awaitSettled(
  transport: "grpc" | "http",
  address: string,
  nodes: number,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let last = "no answer";
  for (;;) {
    const client = protocolClient(transport, address);
    try {
      const status = await client.clusterStatus({ timeoutMs: 2_000 });
      const voters = status.nodes.filter((node) => node.managementRole === "voter").length;
      const isFormed = status.groups.every(
        (group) =>
          JSON.stringify([...group.voters].sort()) === JSON.stringify([...group.members].sort()),
      );
      if (status.nodes.length === nodes && voters === Math.min(nodes, 5) && isFormed) return;
      last = JSON.stringify(status);
    } catch (error) {
      // Handled: still starting; ask again until the deadline.
      last = errorCode(error);
    } finally {
      await client.close();
    }
    if (performance.now() > deadline) throw new Error(`cluster not settled: ${last}`);
    await Bun.sleep(100);
  }
}
