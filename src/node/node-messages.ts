// What a node says of its start and of a failure: in its log, its health and its errors.

import { RaftoralError } from "../lib/index.ts";
import { StorageError } from "../storage/index-main.ts";
import type { StartPlan } from "./start-plan.ts";

/** The node's id as its start knows it: a joining node's only once the cluster gave it. */
export function idBeforeStart(plan: StartPlan, peers: readonly string[]): string | number {
  if (plan.mode === "bootstrap" && peers.length > 0) return `${plan.id} (if it founds the cluster)`;
  if (plan.mode !== "join") return plan.id;
  return plan.requestedId > 0 ? `${plan.requestedId} (asked for)` : "unassigned";
}

/** The reason a failed node's health gives. */
export function describeFatal(error: Error): string {
  return error instanceof StorageError
    ? `storage failed: ${error.message}`
    : `fatal error: ${error.message}`;
}

/** The error a node that was asked to stop while starting reports. */
export function stoppedWhileStarting(): RaftoralError {
  return new RaftoralError("SHUTTING_DOWN", "the node was stopped while starting");
}

export function startedTwice(): RaftoralError {
  return new RaftoralError(
    "FAILED_PRECONDITION",
    "this RaftoralNode was started before; a node object starts once: create a new RaftoralNode with the same options (and storagePath) to start the node again",
  );
}

/** node.client() once the node stopped. */
export function clientOfStopped(): RaftoralError {
  return new RaftoralError("UNAVAILABLE", "the node has stopped: it serves no more calls");
}

/** node.client() before start() resolved. */
export function clientBeforeStart(): RaftoralError {
  return new RaftoralError(
    "UNAVAILABLE",
    "the node has not started yet: await node.start() before node.client()",
  );
}
