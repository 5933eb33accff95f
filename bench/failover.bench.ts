// Owner failover on 3 real node processes (SQLite storage, loopback), per transport: how long
// after SIGKILL of a workflow's owner the workflow resumes on a survivor, i.e. its next step
// body begins there. Each round starts BENCH_FAILOVER_WORKFLOWS (default 25) timed_steps
// workflows through one node (the nodes take turns), kills their owner while their steps run,
// waits for every workflow to finish on the survivors, reads from each result when its steps
// began (the times come from the runs that committed them), and restarts the node. New
// workflows are run by their group's leader, so each kill takes the leader too: an election
// comes before the reassignment.
// BENCH_FAILOVER_KILLS (default 4) rounds per transport.
// Prints one JSON line per kill (with where the time went, from the survivors' logs) and one
// summary line per transport (p50/p99 over all workflows of all kills).

import type { ProtocolClient } from "../src/client/index.ts";
import { type NodeProcess, NodeProcessCluster } from "../test/support/node-process-cluster.ts";
import { clientFor, FIXTURE_WORKFLOWS } from "./bench-nodes.ts";
import { emit, scaled } from "./bench-stats.ts";

const KILLS = scaled(Number(process.env.BENCH_FAILOVER_KILLS ?? 4));
const PER_KILL = scaled(Number(process.env.BENCH_FAILOVER_WORKFLOWS ?? 25));
/** Each workflow: STEPS steps of STEP_MS; the kill comes KILL_AFTER_MS after the starts. */
const STEPS = 12;
const STEP_MS = 250;
const KILL_AFTER_MS = 500;

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

/** Whether `victim` leads an execution group, as `client`'s node knows. */
async function leadsAGroup(client: ProtocolClient, victimId: number): Promise<boolean> {
  const status = await client.clusterStatus({ timeoutMs: 5_000 });
  return status.groups.some((group) => group.leaderId === victimId);
}

/** The node that owns the workflow `started` names. */
async function ownerOf(
  cluster: NodeProcessCluster,
  client: ProtocolClient,
  started: { readonly workflowId: string },
): Promise<NodeProcess> {
  const { ownerNodeId } = await client.describeWorkflow(started, { timeoutMs: 5_000 });
  const owner = cluster.nodes.find((node) => cluster.nodeId(node) === ownerNodeId);
  if (owner === undefined) throw new Error(`no node ${ownerNodeId} in the cluster`);
  return owner;
}

/**
 * Where the time went, from the survivors' logs (ms after the kill): the group leader's
 * silence verdict on the victim (and the silence it measured), and the first and last
 * AssignOwner away from it that committed.
 */
function stagesAfterKill(
  survivors: readonly NodeProcess[],
  victimId: number,
  killedAtMs: number,
): Record<string, number> {
  const stages: Record<string, number> = {};
  const first = (key: string, at: number) => {
    stages[key] = Math.min(stages[key] ?? Number.POSITIVE_INFINITY, at);
  };
  for (const node of survivors) {
    for (const line of node.log.split("\n")) {
      const at = Date.parse(line.slice(0, line.indexOf(" "))) - killedAtMs;
      if (!(at >= 0)) continue;
      const verdict = /Voter silent: .*\bnode: (\d+), silent_ms: (\d+)/.exec(line);
      if (verdict !== null && Number(verdict[1]) === victimId) {
        first("verdictMs", at);
        stages.silentAtVerdictMs = Number(verdict[2]);
      }
      const moved = /Workflow owner reassigned, .*\bfrom: (\d+)/.exec(line);
      if (moved !== null && Number(moved[1]) === victimId) {
        first("firstReassignedMs", at);
        stages.lastReassignedMs = Math.max(stages.lastReassignedMs ?? 0, at);
      }
    }
  }
  return stages;
}

/** One kill: resume delays (ms after the kill) of the workflows the victim owned. */
async function killRound(
  cluster: NodeProcessCluster,
  through: NodeProcess,
): Promise<{
  victim: NodeProcess;
  resumeMs: number[];
  ledGroup: boolean;
  finishedBeforeKill: number;
  stages: Record<string, number>;
}> {
  const transport = cluster.transport;
  const starter = clientFor(transport, through.address);
  const input = { stepMs: STEP_MS, steps: STEPS };
  const started = await Promise.all(
    Array.from({ length: PER_KILL }, () =>
      starter.startWorkflow(
        { workflowType: "timed_steps", version: 1, input },
        { timeoutMs: 30_000 },
      ),
    ),
  );
  // They all went to the same owner, the group's leader when they started.
  const victim = await ownerOf(cluster, starter, started[0] as { workflowId: string });
  const victimId = cluster.nodeId(victim);
  const ledGroup = await leadsAGroup(starter, victimId);
  await starter.close();
  const survivor = cluster.nodes.find((node) => node !== victim) as NodeProcess;
  await Bun.sleep(KILL_AFTER_MS);
  const killedAtMs = Date.now();
  await cluster.kill(victim);
  const client = clientFor(transport, survivor.address);
  const outcomes = await Promise.all(
    started.map((start) =>
      client.waitWorkflow(
        {
          workflowId: start.workflowId,
          executionClusterId: start.executionClusterId,
          timeoutSeconds: 120,
        },
        { timeoutMs: 130_000 },
      ),
    ),
  );
  await client.close();
  const resumeMs: number[] = [];
  let finishedBeforeKill = 0;
  for (const outcome of outcomes) {
    if (!outcome.success) throw new Error(`timed_steps failed: ${outcome.failure.message}`);
    const { beganAtMs } = outcome.output as { beganAtMs: number[] };
    const resumedAt = beganAtMs.find((at) => at >= killedAtMs);
    if (resumedAt === undefined) finishedBeforeKill++;
    else resumeMs.push(resumedAt - killedAtMs);
  }
  const survivors = cluster.nodes.filter((node) => node !== victim);
  const stages = stagesAfterKill(survivors, victimId, killedAtMs);
  return { victim, resumeMs, ledGroup, finishedBeforeKill, stages };
}

async function failover(transport: "grpc" | "http"): Promise<void> {
  const cluster = new NodeProcessCluster(transport, ["--workflows", FIXTURE_WORKFLOWS]);
  try {
    for (let k = 0; k < 3; k++) await cluster.add();
    const all: number[] = [];
    for (let round = 0; round < KILLS; round++) {
      const through = cluster.nodes[round % 3] as NodeProcess;
      const { victim, resumeMs, ledGroup, finishedBeforeKill, stages } = await killRound(
        cluster,
        through,
      );
      const sorted = [...resumeMs].sort((a, b) => a - b);
      all.push(...sorted);
      emit({
        bench: "workflow.ownerFailover.kill",
        transport,
        round,
        victimLedGroup: ledGroup,
        workflows: resumeMs.length,
        finishedBeforeKill,
        ...stages,
        resumeMinMs: sorted[0] ?? 0,
        resumeMaxMs: sorted.at(-1) ?? 0,
      });
      await cluster.launch(victim);
      // Let the restarted node catch up and be heard before the next kill.
      await Bun.sleep(2_000);
    }
    all.sort((a, b) => a - b);
    emit({
      bench: "workflow.ownerFailover",
      transport,
      kills: KILLS,
      workflows: all.length,
      resumeP50Ms: quantile(all, 0.5),
      resumeP99Ms: quantile(all, 0.99),
      resumeMaxMs: all.at(-1) ?? 0,
    });
  } finally {
    await cluster.stop();
  }
}

for (const transport of ["grpc", "http"] as const) await failover(transport);
