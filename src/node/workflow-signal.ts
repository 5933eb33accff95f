// Sending an event into a running workflow (NodeApi.signalWorkflow): checks the request,
// then proposes the Signal in the workflow's execution group, which the caller may name or
// leave to the node. Without a name, every group is asked at once: only the group that knows
// the workflow records the event; the others answer NOT_FOUND without writing anything. An
// event without an id gets one here, so that it is recorded once however often it is sent.

import type { GroupId } from "../lib/index.ts";
import type { SignalWorkflowRequest, SignalWorkflowResult } from "../transport/index.ts";
import {
  checkEventName,
  checkNotReserved,
  checkWorkflowId,
  NAME_CHARS_MAX,
} from "../workflow/index.ts";
import { findInEveryGroup, type GroupView } from "./evicted-lookup.ts";

export interface SignalDeps extends GroupView {
  /** The group holding what the caller's execution_cluster_id named (see LookupDeps). */
  readonly resolveGroup: (id: GroupId) => Promise<GroupId>;
  /** Records the event in group `id`; NOT_FOUND if the group does not know the workflow. */
  readonly signalIn: (id: GroupId, request: SignalWorkflowRequest) => Promise<SignalWorkflowResult>;
  /** A fresh event id, for a request that brings none. */
  readonly newEventId: () => string;
}

export async function signalWorkflow(
  deps: SignalDeps,
  received: SignalWorkflowRequest,
): Promise<SignalWorkflowResult> {
  checkWorkflowId(received.workflowId);
  checkEventName(received.name, NAME_CHARS_MAX);
  checkNotReserved(received.name, "event name");
  if (received.eventId !== undefined) {
    checkWorkflowId(received.eventId, "event_id");
    checkNotReserved(received.eventId, "event_id");
  }
  // Drawn here, before any hop: a call sent again after a lost answer (to another member of
  // the group) then carries the same id, and the group records the event once.
  const request = { ...received, eventId: received.eventId ?? deps.newEventId() };
  if (request.executionClusterId !== undefined) {
    return deps.signalIn(await deps.resolveGroup(request.executionClusterId), request);
  }
  return findInEveryGroup(
    deps,
    (id) => deps.signalIn(id, request),
    `workflow ${request.workflowId} is not known to any execution cluster (never started, ` +
      "or its result is no longer retained); check the workflow id",
  );
}
