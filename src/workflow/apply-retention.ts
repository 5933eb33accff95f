// Retention at apply time: the Configure command that sets a group's retention from its own
// log, the refusal of a Start while the floor keeps the group over its limits, and the
// answer for an id whose result was evicted. See docs/workflows.md, "Retention".
// Pure and deterministic: the state, the command and the config decide everything.

import {
  DEFAULT_RETENTION,
  describeRetention,
  formatDurationMs,
  type RetentionSetting,
} from "../lib/index.ts";
import { type ApplyContext, type CommandOf, refuse } from "./apply-context.ts";
import type { WorkflowApplyResult } from "./apply-result.ts";
import { type EvictedRecord, pruneLimits } from "./execution-table.ts";

/**
 * The words every "evicted" answer carries, on every path (local, forwarded, over the wire):
 * callers may look for them to tell an evicted id from one never started (both NOT_FOUND).
 */
export const EVICTED_PHRASE = "its result was evicted by the retention policy";

/** Configure: the group goes by this setting from here on (pruning follows at once). */
export function applyConfigure(
  context: ApplyContext,
  command: CommandOf<"Configure">,
): WorkflowApplyResult {
  context.table.retention = command.retention;
  return { type: "configured", retention: command.retention };
}

/** "workflow X finished (Completed) and its result was evicted ... (keeps: ...)". */
export function evictedMessage(
  workflowId: string,
  evicted: EvictedRecord,
  retention: RetentionSetting | undefined,
): string {
  return (
    `workflow ${workflowId} finished (${evicted.status}) and ${EVICTED_PHRASE} ` +
    `(it keeps ${describeRetention(retention ?? DEFAULT_RETENTION)}; see raftoral cluster retention)`
  );
}

/** A Start of an id whose result was evicted: it ran already, so it must not run again. */
export function evictedStartRefusal(
  context: ApplyContext,
  command: CommandOf<"Start">,
): WorkflowApplyResult | undefined {
  const evicted = context.table.evicted.get(command.workflowId);
  if (evicted === undefined) return undefined;
  return refuse(
    command.workflowId,
    "evicted",
    `${evictedMessage(command.workflowId, evicted, context.table.retention)}; ` +
      "start it under another workflow_id",
  );
}

/**
 * A new Start while more finished results are kept than the limits allow, and the oldest
 * is younger than the floor: the state lives in memory, so it must not grow without bound.
 * Prunes first what the Start's own log time made old enough.
 */
export function retentionFullRefusal(
  context: ApplyContext,
  workflowId: string,
): WorkflowApplyResult | undefined {
  const { table } = context;
  const limits = pruneLimits(context.config, table.retention);
  if (!table.isOverLimits(limits)) return undefined;
  for (const pruned of table.prune(limits)) {
    context.events.push({ type: "pruned", workflowId: pruned });
  }
  if (!table.isOverLimits(limits)) return undefined;
  const totals = table.finishedTotals();
  // The count is a setting; the bytes are a fixed bound of the group's memory, which only a
  // lower floor (older results may go) or time makes room under.
  const remedy =
    totals.count > limits.finishedMax
      ? "raise the count with 'raftoral cluster retention --count N', or lower the floor " +
        "with '--at-least DURATION'"
      : `the ${limits.bytesMax}-byte bound is fixed: lower the floor with ` +
        "'raftoral cluster retention --at-least DURATION' so that older results may go";
  return refuse(
    workflowId,
    "limit",
    `this execution cluster keeps ${totals.count} finished workflows (${totals.bytes} bytes), ` +
      `past its retention limits (${limits.finishedMax} workflows, ${limits.bytesMax} bytes), ` +
      `and the oldest finished less than ${formatDurationMs(limits.atLeastMs)} ago (the ` +
      `retention floor); retry later, or ${remedy}`,
  );
}
