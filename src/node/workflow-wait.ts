// Waiting for a workflow's result (NodeApi.waitWorkflow): in the group that holds it, here or
// through a member, or, without the caller naming the group, in every group at once (only the
// one that knows the id waits; the others answer NOT_FOUND after a read barrier).

import type { Clock, GroupId } from "../lib/index.ts";
import type { CallOptions, WaitWorkflowRequest, WorkflowOutcome } from "../transport/index.ts";
import {
  checkWorkflowId,
  type ExecutionView,
  WaitTimeoutError,
  type WorkflowQueries,
  type WorkflowStateMachine,
} from "../workflow/index.ts";
import { findInEveryGroup } from "./evicted-lookup.ts";
import type { ReplicaRefusal } from "./replica-refusal.ts";
import type { LookupDeps } from "./workflow-describe.ts";

export interface WaitDeps extends LookupDeps {
  /** This node's engine of group `id` once it runs; undefined if not hosted here. */
  readonly engineOf: (
    id: GroupId,
  ) => Promise<{ machine: WorkflowStateMachine; queries: WorkflowQueries } | undefined>;
  readonly refusal: ReplicaRefusal;
  readonly clock: Clock;
}

export async function waitWorkflow(
  deps: WaitDeps,
  request: WaitWorkflowRequest,
  options?: CallOptions,
): Promise<WorkflowOutcome> {
  checkWorkflowId(request.workflowId);
  // The caller's time counts from its arrival. Each member asked in turn, and this node's own
  // wait after a read barrier, get what is left of it: a second member asked for the whole
  // time again after the first hung for 5 s answered after the caller's deadline, which took
  // it for a node that never answered.
  const endMs = deps.clock.nowMs() + request.timeoutSeconds * 1000;
  const leftMs = () => Math.max(0, Math.round(endMs - deps.clock.nowMs()));
  if (request.executionClusterId === undefined) {
    return findInEveryGroup(
      deps,
      (id) => waitIn(deps, { ...request, executionClusterId: id }, id, leftMs, options),
      `workflow ${request.workflowId} is not known to any execution cluster (never started, ` +
        "or its result is no longer retained)",
    );
  }
  return waitIn(deps, request, request.executionClusterId, leftMs, options);
}

async function waitIn(
  deps: WaitDeps,
  request: WaitWorkflowRequest,
  named: GroupId,
  leftMs: () => number,
  options?: CallOptions,
): Promise<WorkflowOutcome> {
  const target = await deps.resolveGroup(named);
  const engine = await deps.engineOf(target);
  if (engine === undefined) {
    return deps.forward(target, (client) =>
      client.waitWorkflow(
        { ...request, timeoutSeconds: Math.max(1, Math.ceil(leftMs() / 1000)) },
        {
          timeoutMs: leftMs() + deps.forwardTimeoutMs,
          ...(options?.signal === undefined ? {} : { signal: options.signal }),
        },
      ),
    );
  }
  const recorded = engine.machine.execution(request.workflowId);
  // A finished workflow's result is here to read; anything else needs a working group.
  if (recorded === undefined || recorded.status === "Running") deps.refusal.refuse(target);
  // The start may be committed but not applied here yet: catch up before saying "unknown".
  if (recorded === undefined) await deps.barrier(target);
  const waiting = engine.queries
    .wait(request.workflowId, leftMs(), options?.signal)
    .catch((error: unknown) => {
      if (!(error instanceof WaitTimeoutError)) throw error;
      throw deps.refusal.waitTimedOut(target, request.workflowId, error);
    });
  return outcomeOf(await deps.refusal.unless(target, waiting));
}

function outcomeOf(view: ExecutionView): WorkflowOutcome {
  if (view.status === "Completed") return { success: true, output: view.output ?? null };
  // Every failed execution records its error; the fallback only keeps the type honest.
  return {
    success: false,
    failure: view.error ?? { name: "Error", message: "the workflow failed" },
  };
}
