// Workflows in the node's log: a line when one starts, changes owner, is asked to cancel,
// and ends (completed, failed, cancelled, terminated), with its id, name, version, execution
// cluster, the trace id of its start and, once finished, its duration and error code. The
// node that owns the workflow logs at info; the other replicas, which apply the same
// entries, at debug, so that a cluster's logs tell each story once. A restarted replica
// applies its stored log again, and a replica removed and added again in the same process
// what the one before applied: it logs those transitions at debug too, having logged them
// when they happened.

import type { GroupId, LogFields, Logger, NodeId } from "../lib/index.ts";
import type { ExecutionState, WorkflowStateMachine } from "../workflow/index.ts";

const FINISH_MESSAGES = {
  Completed: "Workflow completed",
  Failed: "Workflow failed",
  Cancelled: "Workflow cancelled",
  Terminated: "Workflow terminated",
} as const;

export function logWorkflowEvents(
  machine: WorkflowStateMachine,
  options: {
    readonly group: GroupId;
    readonly self: NodeId;
    readonly logger: Logger;
    /** Whether the entry applied now is one applied before the node restarted. */
    readonly isReplay: () => boolean;
  },
): void {
  const { group, self, logger, isReplay } = options;
  machine.subscribe((event) => {
    if (event.type === "started") describe(event.workflowId, "Workflow started");
    else if (event.type === "ownerAssigned") {
      describe(event.workflowId, "Workflow has a new owner", () => ({ epoch: event.epoch }));
    } else if (event.type === "cancelRequested") {
      describe(event.workflowId, "Workflow asked to cancel", (record) => ({
        reason: record.cancelRequest?.reason,
      }));
    } else if (event.type === "finished") {
      describe(event.workflowId, FINISH_MESSAGES[event.status], (record) => ({
        duration_ms:
          record.finishedAtMs === undefined ? undefined : record.finishedAtMs - record.startedAtMs,
        error_code: record.error?.code ?? record.error?.name,
        error: record.error?.message,
      }));
    }
  });

  function describe(
    workflowId: string,
    message: string,
    extra: (record: ExecutionState) => LogFields = () => ({}),
  ): void {
    const record = machine.execution(workflowId);
    if (record === undefined) return;
    const level = record.owner === self && !isReplay() ? "info" : "debug";
    // Every replica applies every entry: the replicas that log nothing build nothing.
    if (!logger.isEnabled(level)) return;
    logger[level](message, {
      workflow_id: record.workflowId,
      ...(record.traceId === undefined ? {} : { trace_id: record.traceId }),
      name: record.name,
      version: record.version,
      cluster: group,
      owner: record.owner,
      ...extra(record),
    });
  }
}
