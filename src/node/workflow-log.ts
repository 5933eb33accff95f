// Workflows in the node's log: a line when one starts, changes owner, is asked to cancel,
// and ends (completed, failed, cancelled, terminated), with its id, name, version, execution
// cluster, the trace id of its start and, once finished, its duration and error code. The
// node that owns the workflow logs at info; the other replicas, which apply the same
// entries, at debug, so that a cluster's logs tell each story once.

import type { GroupId, LogFields, Logger, NodeId } from "../lib/index.ts";
import type { WorkflowStateMachine } from "../workflow/index.ts";

const FINISH_MESSAGES = {
  Completed: "Workflow completed",
  Failed: "Workflow failed",
  Cancelled: "Workflow cancelled",
  Terminated: "Workflow terminated",
} as const;

export function logWorkflowEvents(
  machine: WorkflowStateMachine,
  options: { readonly group: GroupId; readonly self: NodeId; readonly logger: Logger },
): void {
  const { group, self, logger } = options;
  machine.subscribe((event) => {
    if (event.type === "started") describe(event.workflowId, "Workflow started");
    else if (event.type === "ownerAssigned") {
      describe(event.workflowId, "Workflow has a new owner", { epoch: event.epoch });
    } else if (event.type === "cancelRequested") {
      const reason = machine.execution(event.workflowId)?.cancelRequest?.reason;
      describe(event.workflowId, "Workflow asked to cancel", { reason });
    } else if (event.type === "finished") {
      const view = machine.status(event.workflowId);
      const durationMs =
        view?.finishedAtMs === undefined ? undefined : view.finishedAtMs - view.startedAtMs;
      const outcome = FINISH_MESSAGES[event.status];
      describe(event.workflowId, outcome, {
        duration_ms: durationMs,
        error_code: view?.error?.code ?? view?.error?.name,
        error: view?.error?.message,
      });
    }
  });

  function describe(workflowId: string, message: string, extra: LogFields = {}): void {
    const view = machine.status(workflowId);
    if (view === undefined) return;
    const level = view.owner === self ? "info" : "debug";
    // Every replica applies every entry: the replicas that log nothing build nothing.
    if (!logger.isEnabled(level)) return;
    const traceId = machine.execution(workflowId)?.traceId;
    logger[level](message, {
      workflow_id: view.workflowId,
      ...(traceId === undefined ? {} : { trace_id: traceId }),
      name: view.name,
      version: view.version,
      cluster: group,
      owner: view.owner,
      ...extra,
    });
  }
}
