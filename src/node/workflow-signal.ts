// Sending an event into a running workflow (NodeApi.signalWorkflow): checks the request,
// then proposes the Signal in the workflow's execution group, which the caller may name or
// leave to the node. Without a name, every group is asked at once: only the group that knows
// the workflow records the event; the others answer NOT_FOUND without writing anything.

import type { GroupId } from "../lib/index.ts";
import type { SignalWorkflowRequest, SignalWorkflowResult } from "../transport/index.ts";
import {
  checkEventName,
  checkNotReserved,
  checkWorkflowId,
  NAME_CHARS_MAX,
} from "../workflow/index.ts";
import { findInEveryGroup } from "./evicted-lookup.ts";

export interface SignalDeps {
  /** The execution groups that exist now. */
  readonly groups: () => readonly GroupId[];
  /** The group holding what the caller's execution_cluster_id named (see LookupDeps). */
  readonly resolveGroup: (id: GroupId) => Promise<GroupId>;
  /** Records the event in group `id`; NOT_FOUND if the group does not know the workflow. */
  readonly signalIn: (id: GroupId, request: SignalWorkflowRequest) => Promise<SignalWorkflowResult>;
}

export async function signalWorkflow(
  deps: SignalDeps,
  request: SignalWorkflowRequest,
): Promise<SignalWorkflowResult> {
  checkWorkflowId(request.workflowId);
  checkEventName(request.name, NAME_CHARS_MAX);
  checkNotReserved(request.name, "event name");
  if (request.eventId !== undefined) {
    checkWorkflowId(request.eventId, "event_id");
    checkNotReserved(request.eventId, "event_id");
  }
  if (request.executionClusterId !== undefined) {
    return deps.signalIn(await deps.resolveGroup(request.executionClusterId), request);
  }
  return findInEveryGroup(
    deps.groups(),
    (id) => deps.signalIn(id, request),
    `workflow ${request.workflowId} is not known to any execution cluster (never started, ` +
      "or its result is no longer retained); check the workflow id",
  );
}
