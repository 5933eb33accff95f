// What every apply function of the workflow state machine shares: the state it changes, and
// how it refuses a command. Pure: no I/O.

import type { LogIndex } from "../lib/index.ts";
import type { RefusalReason, WorkflowApplyResult, WorkflowEvent } from "./apply-result.ts";
import type { WorkflowCommand } from "./commands.ts";
import type { ExecutionTable, WorkflowStateConfig } from "./execution-table.ts";

/**
 * No registry here: which workflows a node has code for must not change what it applies, or
 * replicas with different --workflows (a rolling upgrade, a rollback) would diverge.
 */
export interface ApplyContext {
  readonly table: ExecutionTable;
  readonly config: WorkflowStateConfig;
  /** Events to publish once the command is fully applied. */
  readonly events: WorkflowEvent[];
  /** The log index of the entry being applied. */
  readonly index: LogIndex;
}

export type CommandOf<T extends WorkflowCommand["type"]> = Extract<WorkflowCommand, { type: T }>;

export function refuse(
  workflowId: string | undefined,
  reason: RefusalReason,
  message: string,
  extra: { currentEpoch?: number; recordedCount?: number } = {},
): WorkflowApplyResult {
  return { type: "refused", workflowId, reason, message, ...extra };
}
