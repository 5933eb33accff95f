// Cancelling and terminating executions: what the workflow code sees and what the log records.
// A cancel is cooperative: the first Cancel command marks the execution (cancelRequest), and
// the owner delivers it at the code's next ctx call by recording a `cancel` checkpoint at that
// call's seq; the call rejects with CancelledError, on the first run and on every replay, at
// the same seq. A terminate is immediate: its apply ends the execution (status Terminated).
// Pure: no I/O.

import { RaftoralError } from "../lib/index.ts";
import type { RecordedError } from "./errors.ts";
import type { CheckpointOutcome, CheckpointRecord, ExecutionRecord } from "./execution.ts";
import type { ExecutionState } from "./execution-table.ts";

/** The code a CancelledError carries, and the error code of a Cancelled execution. */
export const CANCELLED_CODE = "CANCELLED";
/** The error code of a Terminated execution. */
export const TERMINATED_CODE = "TERMINATED";
/** Longest reason a Cancel or Terminate may carry. */
export const REASON_CHARS_MAX = 1024;

/**
 * What a ctx call rejects with once the workflow was asked to stop. Catch it to clean up
 * (further ctx calls run as usual); let it propagate and the execution ends Cancelled.
 */
export class CancelledError extends RaftoralError {
  readonly workflowId: string;
  /** The caller's reason; "" when none was given. */
  readonly reason: string;

  constructor(workflowId: string, reason: string) {
    super("CANCELLED", cancelMessage(workflowId, reason));
    this.name = "CancelledError";
    this.workflowId = workflowId;
    this.reason = reason;
  }
}

function cancelMessage(workflowId: string, reason: string): string {
  return `workflow ${workflowId} was cancelled${reason === "" ? "" : `: ${reason}`}`;
}

/** The outcome a `cancel` checkpoint records: the CancelledError the code sees. */
export function cancelledOutcome(workflowId: string, reason: string): CheckpointOutcome {
  return {
    ok: false,
    error: {
      name: "CancelledError",
      message: cancelMessage(workflowId, reason),
      code: "CANCELLED",
    },
  };
}

/**
 * The error a `cancel` checkpoint throws, rebuilt from the record alone: the same, reason
 * included, on the first run and on every replay, so code may branch on it.
 */
export function cancelledErrorOf(workflowId: string, record: CheckpointRecord): CancelledError {
  const message = record.outcome.ok ? "" : record.outcome.error.message;
  const prefix = `${cancelMessage(workflowId, "")}: `;
  const error = new CancelledError(
    workflowId,
    message.startsWith(prefix) ? message.slice(prefix.length) : "",
  );
  if (message !== "") error.message = message;
  return error;
}

/** The error a Terminated execution ends with. */
export function terminatedError(workflowId: string, reason: string): RecordedError {
  return {
    name: "TerminatedError",
    message: `workflow ${workflowId} was terminated${reason === "" ? "" : `: ${reason}`}`,
    code: TERMINATED_CODE,
  };
}

/** The reason a terminated execution was given ("" for none), read back from its error. */
export function terminatedReasonOf(record: ExecutionState): string {
  const prefix = `workflow ${record.workflowId} was terminated: `;
  const message = record.error?.message ?? "";
  return message.startsWith(prefix) ? message.slice(prefix.length) : "";
}

/** Whether a `cancel` checkpoint was recorded already: a cancel is delivered once. */
export function isCancelDelivered(checkpoints: readonly CheckpointRecord[]): boolean {
  return checkpoints.some((checkpoint) => checkpoint.kind === "cancel");
}

/** Whether a Fail ends the execution as Cancelled: it was asked to, and let the error out. */
export function isCancelledEnd(record: ExecutionRecord, error: RecordedError): boolean {
  return record.cancelRequest !== undefined && error.code === CANCELLED_CODE;
}
