// The runtime's side of cancel and terminate (cancel.ts): checks a request, proposes its
// command until the group answers (a repeat is acknowledged, so resending is safe), and turns
// a refusal into the caller's error: NOT_FOUND for an unknown workflow, FAILED_PRECONDITION
// naming the status of a finished one.
// No timers of its own: the proposer loop is injected.

import { type ErrorCode, InvalidArgumentError, RaftoralError } from "../lib/index.ts";
import type { RefusalReason } from "./apply-result.ts";
import { REASON_CHARS_MAX } from "./cancel.ts";
import { WorkflowRefusedError } from "./errors.ts";
import type { ExecutionStatus } from "./execution.ts";
import { type ProposeLoop, proposeUntilAnswered } from "./proposer.ts";
import { checkWorkflowId } from "./workflow-id.ts";

export interface StopRequest {
  /** Cancel: the code sees a CancelledError at its next ctx call. Terminate: ends it now. */
  readonly type: "Cancel" | "Terminate";
  readonly workflowId: string;
  /** Absent or "": none. */
  readonly reason?: string;
}

export interface StopResult {
  /** The execution's status once the command was applied. */
  readonly status: ExecutionStatus;
  /** It had been cancelled (or terminated) before: nothing changed. */
  readonly isDuplicate: boolean;
}

const STOP_REFUSAL_CODES: Partial<Record<RefusalReason, ErrorCode>> = {
  "not-found": "NOT_FOUND",
  "not-running": "FAILED_PRECONDITION",
};

/** Checks a reason: at most REASON_CHARS_MAX characters. */
export function checkStopReason(reason: string | undefined): string {
  if (reason === undefined) return "";
  if (reason.length > REASON_CHARS_MAX) {
    throw new InvalidArgumentError(
      `reason is ${reason.length} characters long; give at most ${REASON_CHARS_MAX}`,
    );
  }
  return reason;
}

/** Proposes the Cancel or Terminate; resolves once applied here with the workflow's status. */
export async function requestStop(
  loop: ProposeLoop,
  request: StopRequest,
  requestedAtMs: number,
): Promise<StopResult> {
  const workflowId = checkWorkflowId(request.workflowId);
  const reason = checkStopReason(request.reason);
  const result = await proposeUntilAnswered(loop, {
    type: request.type,
    workflowId,
    reason,
    requestedAtMs: Math.floor(requestedAtMs),
  });
  if (result === undefined) {
    throw new RaftoralError(
      "SHUTTING_DOWN",
      "the workflow runtime is closed; retry on another node",
    );
  }
  if (result.type === "cancelRequested") {
    return { status: result.status, isDuplicate: result.isDuplicate };
  }
  if (result.type === "finished") return { status: result.status, isDuplicate: result.isDuplicate };
  const refusal = result.type === "refused" ? result : undefined;
  throw new WorkflowRefusedError(
    (refusal === undefined ? undefined : STOP_REFUSAL_CODES[refusal.reason]) ?? "INTERNAL",
    workflowId,
    refusal?.message ?? `workflow ${workflowId}: the ${request.type} was not applied`,
  );
}
