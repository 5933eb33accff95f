// Describing a workflow (NodeApi.describeWorkflow): its status, input, owner, times and
// recorded calls, from the group that holds it, which the caller may name or leave to the
// node (then every group is asked at once; those that do not know it answer NOT_FOUND).

import type { ProtocolClient } from "../client/index-core.ts";
import { type GroupId, groupId, RaftoralError } from "../lib/index.ts";
import type { DescribeWorkflowRequest, WorkflowDescriptionInfo } from "../transport/index.ts";
import {
  checkWorkflowId,
  describeExecution,
  type ExecutionState,
  type WorkflowDescription,
  type WorkflowStateMachine,
} from "../workflow/index.ts";
import { findInEveryGroup, type GroupView } from "./evicted-lookup.ts";

export interface LookupDeps extends GroupView {
  /**
   * The group that holds what the caller's execution_cluster_id named: that group, or where a
   * drained one's results went. NOT_FOUND when neither exists.
   */
  readonly resolveGroup: (id: GroupId) => Promise<GroupId>;
  /** This node's state machine of group `id` once it runs; undefined if not hosted here. */
  readonly machineOf: (id: GroupId) => Promise<WorkflowStateMachine | undefined>;
  /** A read barrier in group `id`. */
  readonly barrier: (id: GroupId) => Promise<void>;
  /** Runs `call` against a member of group `id`. */
  readonly forward: <T>(id: GroupId, call: (client: ProtocolClient) => Promise<T>) => Promise<T>;
  readonly forwardTimeoutMs: number;
}

export async function describeWorkflow(
  deps: LookupDeps,
  request: DescribeWorkflowRequest,
): Promise<WorkflowDescriptionInfo> {
  const workflowId = checkWorkflowId(request.workflowId);
  if (request.executionClusterId !== undefined) {
    return describeIn(deps, await deps.resolveGroup(request.executionClusterId), workflowId);
  }
  return findInEveryGroup(
    deps,
    (id) => describeIn(deps, id, workflowId),
    `workflow ${workflowId} is not known to any execution cluster (never started, or its ` +
      "result is no longer retained)",
  );
}

/** The description from group `id`, here or through a member; NOT_FOUND if unknown there. */
async function describeIn(
  deps: LookupDeps,
  id: GroupId,
  workflowId: string,
): Promise<WorkflowDescriptionInfo> {
  const machine = await deps.machineOf(id);
  if (machine === undefined) {
    return deps.forward(id, (client) =>
      client.describeWorkflow(
        { workflowId, executionClusterId: id },
        { timeoutMs: deps.forwardTimeoutMs },
      ),
    );
  }
  // After a barrier, as list: a terminate or a signal another node acknowledged a moment ago
  // may not be applied here yet, and a describe must not show what was before it. A finished
  // execution never changes, so it is described as it is, also while the group has no leader
  // or this replica catches up (as a wait serves its result then).
  const status = machine.execution(workflowId)?.status;
  if (status === undefined || status === "Running") await deps.barrier(id);
  const record = recordAfterBarrier(id, machine, workflowId);
  const info = descriptionInfo(id, describeExecution(record));
  const held = heldWithoutCode(machine, record);
  return held === undefined ? info : { ...info, held };
}

/**
 * Why a running execution makes no progress, when this node has no code for it. Its owner
 * applies it all the same and leaves it alone, logging why on that node only; every node
 * of a cluster should run the same set, so this node's lack says the owner's. Without it a
 * workflow whose definition was renamed or dropped showed as waiting or sleeping for ever.
 */
function heldWithoutCode(
  machine: WorkflowStateMachine,
  record: ExecutionState,
): string | undefined {
  const { name, version } = record;
  if (record.status !== "Running" || machine.registry.get(name, version) !== undefined) {
    return undefined;
  }
  const pair = `${name}@${version}`;
  return (
    `${pair} is not registered on the node that answered; unless its owner (node ` +
    `${record.owner}) has it, the workflow is held and makes no progress (events ` +
    "wait in its inbox, a cancel or a timeout is not acted on): restart the nodes with " +
    `--workflows registering ${pair}, or end it with 'raftoral workflow terminate ` +
    `${record.workflowId}'`
  );
}

/**
 * The execution's record in hosted group `id`, after a barrier if needed; else NOT_FOUND,
 * saying so when retention evicted it.
 */
export async function recordIn(
  deps: Pick<LookupDeps, "barrier">,
  id: GroupId,
  machine: WorkflowStateMachine,
  workflowId: string,
): Promise<ExecutionState> {
  // Its Start may be committed but not applied here yet: catch up before saying "unknown".
  if (machine.execution(workflowId) === undefined) await deps.barrier(id);
  return recordAfterBarrier(id, machine, workflowId);
}

/** The execution's record in hosted group `id` as applied here; else NOT_FOUND. */
function recordAfterBarrier(
  id: GroupId,
  machine: WorkflowStateMachine,
  workflowId: string,
): ExecutionState {
  const record = machine.execution(workflowId);
  const evicted = machine.evictedMessage(workflowId);
  if (record === undefined && evicted !== undefined) {
    throw new RaftoralError("NOT_FOUND", `execution cluster ${id}: ${evicted}`);
  }
  if (record === undefined) {
    throw new RaftoralError(
      "NOT_FOUND",
      `workflow ${workflowId} is not in execution cluster ${id}`,
    );
  }
  return record;
}

/** The transport-neutral form of a description of a workflow in group `id`. */
function descriptionInfo(id: GroupId, description: WorkflowDescription): WorkflowDescriptionInfo {
  const { error } = description;
  return {
    workflowId: description.workflowId,
    executionClusterId: id,
    name: description.name,
    version: description.version,
    status: description.status,
    input: description.input,
    ownerNodeId: description.owner,
    ownerEpoch: description.ownerEpoch,
    startedAtMs: description.startedAtMs,
    ...(description.traceId === undefined ? {} : { traceId: description.traceId }),
    ...(description.finishedAtMs === undefined ? {} : { finishedAtMs: description.finishedAtMs }),
    ...(description.status === "completed" ? { output: description.output ?? null } : {}),
    ...(error === undefined ? {} : { failure: error }),
    ...(description.wakeAtMs === undefined ? {} : { wakeAtMs: description.wakeAtMs }),
    ...(description.waitingFor === undefined ? {} : { waitingFor: description.waitingFor }),
    ...(description.waitingForChild === undefined
      ? {}
      : { waitingForChild: description.waitingForChild }),
    pendingEvents: description.pendingEvents,
    ...(description.cancelRequest === undefined
      ? {}
      : {
          cancelRequestedAtMs: description.cancelRequest.requestedAtMs,
          cancelReason: description.cancelRequest.reason,
        }),
    checkpoints: description.checkpoints.map((checkpoint) => ({
      seq: checkpoint.seq,
      kind: checkpoint.kind,
      name: checkpoint.name,
      atMs: checkpoint.atMs,
      ...(checkpoint.error === undefined ? {} : { error: checkpoint.error.message }),
      ...(checkpoint.attempts === undefined ? {} : { attempts: checkpoint.attempts }),
      ...(checkpoint.durationMs === undefined ? {} : { durationMs: checkpoint.durationMs }),
      ...(checkpoint.child === undefined
        ? {}
        : {
            childWorkflowId: checkpoint.child.workflowId,
            childExecutionClusterId: groupId(Number(checkpoint.child.executionClusterId)),
          }),
    })),
  };
}
