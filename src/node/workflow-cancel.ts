// Cancelling and terminating a workflow (NodeApi.cancelWorkflow, terminateWorkflow): checks
// the request, then proposes the Cancel or Terminate in the workflow's execution group, which
// the caller may name or leave to the node. Without a name, every group is asked at once:
// only the group that knows the workflow records the command; the others answer NOT_FOUND
// without writing anything, as for describe and signal, and an id whose result retention
// evicted is answered as such.

import type { GroupId } from "../lib/index.ts";
import type { StopWorkflowRequest, StopWorkflowResult } from "../transport/index.ts";
import {
  checkStopReason,
  checkWorkflowId,
  type ExecutionStatus,
  type WorkflowRuntime,
} from "../workflow/index.ts";
import { findInEveryGroup } from "./evicted-lookup.ts";
import { type LookupDeps, recordIn } from "./workflow-describe.ts";

export interface StopDeps extends LookupDeps {
  /** This node's runtime of group `id` once it runs; undefined if not hosted here. */
  readonly runtimeOf: (id: GroupId) => Promise<WorkflowRuntime | undefined>;
  /**
   * `write()` unless hosted group `id` cannot serve now, or turns out not to while it waits:
   * UNAVAILABLE then (ReplicaRefusal.guardWrite).
   */
  readonly guardWrite: <T>(id: GroupId, write: () => Promise<T>) => Promise<T>;
}

export type StopType = "Cancel" | "Terminate";

export async function stopWorkflow(
  deps: StopDeps,
  type: StopType,
  request: StopWorkflowRequest,
): Promise<StopWorkflowResult> {
  checkWorkflowId(request.workflowId);
  checkStopReason(request.reason);
  if (request.executionClusterId !== undefined) {
    return stopIn(deps, await deps.resolveGroup(request.executionClusterId), type, request);
  }
  return findInEveryGroup(
    deps,
    (id) => stopIn(deps, id, type, request),
    `workflow ${request.workflowId} is not known to any execution cluster (never started, ` +
      "or its result is no longer retained); check the workflow id",
  );
}

/** Stops the workflow in group `id`, here or through a member; NOT_FOUND if unknown there. */
async function stopIn(
  deps: StopDeps,
  id: GroupId,
  type: StopType,
  request: StopWorkflowRequest,
): Promise<StopWorkflowResult> {
  const runtime = await deps.runtimeOf(id);
  const machine = await deps.machineOf(id);
  if (runtime === undefined || machine === undefined) {
    const forwarded = { ...request, executionClusterId: id };
    const options = { timeoutMs: deps.forwardTimeoutMs };
    return deps.forward(id, (client) =>
      type === "Cancel"
        ? client.cancelWorkflow(forwarded, options)
        : client.terminateWorkflow(forwarded, options),
    );
  }
  const { workflowId } = request;
  const result = await deps.guardWrite(id, async () => {
    // Unknown here after a barrier: NOT_FOUND without writing anything to the group's log.
    await recordIn(deps, id, machine, workflowId);
    return runtime.stop({
      type,
      workflowId,
      ...(request.reason === undefined ? {} : { reason: request.reason }),
    });
  });
  return {
    workflowId,
    executionClusterId: id,
    status: statusWord(result.status),
    isDuplicate: result.isDuplicate,
  };
}

/** The status as the API words it (describe's words, without the waits). */
function statusWord(status: ExecutionStatus): string {
  return status.toLowerCase();
}
