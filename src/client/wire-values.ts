// Values both protocol clients read back from a node's answer, whatever the wire: execution
// cluster ids (decimal text), JSON values (sent as JSON text) and a workflow's outcome, turned
// into NodeApi's domain types once, here.

import { type GroupId, groupId, type JsonValue, RaftoralError } from "../lib/index.ts";
import type { WorkflowFailure, WorkflowOutcome } from "../transport/index.ts";

/** An execution cluster id as a node sends it (decimal text); 0 for anything else. */
export function groupOfWire(value: unknown): GroupId {
  const number = Number(value);
  return groupId(Number.isSafeInteger(number) && number >= 0 ? number : 0);
}

/** An optional cluster id as proto3 carries it: "" when absent. */
export function clusterText(id: GroupId | undefined): string {
  return id === undefined ? "" : String(id);
}

/**
 * A recorded call's child, as either wire carries it (empty or absent when the call started
 * none; a node older than these fields sends neither).
 */
export function childOfWire(
  workflowId: string | undefined,
  executionClusterId: string | undefined,
): { childWorkflowId?: string; childExecutionClusterId?: GroupId } {
  if (workflowId === undefined || workflowId === "") return {};
  const hasCluster = executionClusterId !== undefined && executionClusterId !== "";
  return {
    childWorkflowId: workflowId,
    ...(hasCluster ? { childExecutionClusterId: groupOfWire(executionClusterId) } : {}),
  };
}

/** A JSON value a node sent as text in `field`; INTERNAL if it is not JSON (a broken node). */
export function jsonOfWire(text: string, field: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch (error) {
    throw new RaftoralError("INTERNAL", `the node's answer has malformed JSON in '${field}'`, {
      cause: error,
    });
  }
}

/**
 * A failure as the wire carries it. A node older than the error_name field sends none: its
 * failures read as plain "Error"s.
 */
export function failureOfWire(
  message: string,
  code: string | undefined,
  name: string | undefined,
): WorkflowFailure {
  return { name: name ?? "Error", message, ...(code === undefined ? {} : { code }) };
}

/** The fields of a finished workflow's answer, absent where the wire left them empty. */
export interface OutcomeFields {
  readonly success: boolean;
  readonly resultJson: string | undefined;
  readonly error: string | undefined;
  readonly errorCode: string | undefined;
  readonly errorName: string | undefined;
}

export function outcomeOfWire(fields: OutcomeFields): WorkflowOutcome {
  if (fields.success) {
    return { success: true, output: jsonOfWire(fields.resultJson ?? "null", "result") };
  }
  const message = fields.error ?? "the workflow failed";
  return { success: false, failure: failureOfWire(message, fields.errorCode, fields.errorName) };
}
