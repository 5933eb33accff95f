// What the whole-system simulation checks of each workflow's record and outcome, and of the
// start requests its clients made (system-sim.ts).

import { MANAGEMENT_GROUP } from "../../../src/lib/index.ts";
import type { WorkflowOutcome } from "../../../src/transport/index.ts";
import type { ExecutionState } from "../../../src/workflow/index.ts";
import type { SimNode } from "./cluster-sim.ts";

export class SystemSimFailure extends Error {
  override readonly name = "SystemSimFailure";
}

/**
 * No start request started two workflows, acknowledged or not: a start sent again after its
 * answer was lost would draw a second id (RaftoralError.isAnswerLost). The sim's clients
 * number their requests in the input's `request`.
 */
export function checkRequests(nodes: readonly SimNode[]): void {
  const idsOf = new Map<number, Set<string>>();
  for (const { node } of nodes) {
    for (const id of node?.raftHost()?.groupIds() ?? []) {
      if (id === MANAGEMENT_GROUP) continue;
      for (const record of node?.workflowState(id)?.executions() ?? []) {
        const request = (record.input as { request?: unknown } | null)?.request;
        if (typeof request !== "number") continue;
        const ids = idsOf.get(request) ?? new Set();
        idsOf.set(request, ids.add(record.workflowId));
      }
    }
  }
  for (const [request, ids] of idsOf) {
    if (ids.size > 1) {
      throw new SystemSimFailure(`start request ${request} started ${[...ids].join(", ")}`);
    }
  }
}

/**
 * No workflow id was started twice, in one group or in two: every replica's record of an id,
 * in every group, comes from one Start (the same seed and start time; the results a drained
 * group hands over keep both). Ids of the caller's (namedStarts) and children's ids are
 * started again after failures, on other nodes, so only the claim protocol keeps them to one
 * group (src/node/caller-id-start.ts).
 */
export function checkOneStartPerId(nodes: readonly SimNode[]): void {
  const startOf = new Map<string, { start: string; group: number }>();
  for (const { node } of nodes) {
    for (const id of node?.raftHost()?.groupIds() ?? []) {
      if (id === MANAGEMENT_GROUP) continue;
      for (const record of node?.workflowState(id)?.executions() ?? []) {
        const start = `seed ${record.seed} at ${record.startedAtMs}`;
        const seen = startOf.get(record.workflowId);
        if (seen !== undefined && seen.start !== start) {
          throw new SystemSimFailure(
            `workflow ${record.workflowId} was started twice: ${seen.start} in group ${seen.group}, ${start} in group ${id}`,
          );
        }
        startOf.set(record.workflowId, { start, group: id });
      }
    }
  }
}

/** A Completed sim_last_step holds every step, the last one the value it returned. */
export function checkLastStep(record: ExecutionState): void {
  if (record.status !== "Completed") return;
  const output = record.output as { steps: number; last: number };
  const last = record.checkpoints.at(-1);
  const isWhole =
    record.checkpoints.length === output.steps &&
    last?.kind === "step" &&
    last.outcome.ok &&
    last.outcome.value === output.last;
  if (!isWhole) {
    throw new SystemSimFailure(
      `sim_last_step ${record.workflowId} completed with ${JSON.stringify(output)} but records ${record.checkpoints.length} checkpoints`,
    );
  }
}

/**
 * A sim_waits result names its own child (started at seq 2, after the sleep and its wake) and
 * carries the child's result (sim_steps).
 */
export function checkWaits(workflowId: string, outcome: WorkflowOutcome): void {
  if (!outcome.success) return;
  const output = outcome.output as { child?: string; result?: { total?: unknown } } | null;
  if (output?.child !== `${workflowId}:child-2` || typeof output.result?.total !== "number") {
    const text = JSON.stringify(outcome.output);
    throw new SystemSimFailure(`sim_waits ${workflowId} returned ${text}`);
  }
}
