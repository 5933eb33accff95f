// Owner failover as a pure decision: which Running executions have an owner that is no
// longer live, and which live member takes each one. The group leader turns the plan into
// AssignOwner proposals; the state machine accepts each only at epoch = current + 1, so
// two leaders (or two rounds) planning at once cannot both win.
// Pure: no I/O.

import { assert, type NodeId } from "../lib/index.ts";
import type { ExecutionState } from "./execution-table.ts";

/** Most reassignments one failover round proposes; the next round takes the rest. */
export const FAILOVER_ASSIGNMENTS_MAX = 1_000;

export interface OwnerAssignment {
  readonly workflowId: string;
  readonly from: NodeId;
  readonly to: NodeId;
  /** The epoch the AssignOwner must carry: the current one + 1. */
  readonly epoch: number;
}

/**
 * Plans new owners for Running executions whose owner is not in `liveMembers`: each goes to
 * the live member with the fewest Running executions (counting this plan), ties to the
 * lowest id. Executions are taken in start order, so the plan is the same on every node.
 */
export function planOwnerFailover(
  executions: Iterable<ExecutionState>,
  liveMembers: readonly NodeId[],
  assignmentsMax = FAILOVER_ASSIGNMENTS_MAX,
): OwnerAssignment[] {
  const load = new Map<NodeId, number>();
  for (const member of liveMembers) load.set(member, 0);
  if (load.size === 0) return [];
  const orphans: ExecutionState[] = [];
  for (const execution of executions) {
    if (execution.status !== "Running") continue;
    const current = load.get(execution.owner);
    if (current === undefined) orphans.push(execution);
    else load.set(execution.owner, current + 1);
  }
  const plan: OwnerAssignment[] = [];
  for (const execution of orphans.slice(0, assignmentsMax)) {
    const to = leastLoaded(load);
    load.set(to, (load.get(to) ?? 0) + 1);
    plan.push({
      workflowId: execution.workflowId,
      from: execution.owner,
      to,
      epoch: execution.ownerEpoch + 1,
    });
  }
  return plan;
}

function leastLoaded(load: ReadonlyMap<NodeId, number>): NodeId {
  let best: NodeId | undefined;
  let bestLoad = Number.POSITIVE_INFINITY;
  for (const [member, count] of load) {
    if (count < bestLoad || (count === bestLoad && best !== undefined && member < best)) {
      best = member;
      bestLoad = count;
    }
  }
  assert(best !== undefined, "leastLoaded needs at least one member");
  return best;
}
