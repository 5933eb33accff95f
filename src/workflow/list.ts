// Listing a group's executions: those matching a filter, newest first by (startedAtMs,
// workflowId), after a cursor, at most a page. It walks the smallest sorted order that can
// hold the matches (all, one record status, one name) from the cursor down, so a page costs
// a binary search plus the records it steps over, not a sort of the whole table.
// Pure: no I/O.

import type { NodeId } from "../lib/index.ts";
import { type DescribedStatus, describedStatusOf, RECORD_STATUS_OF } from "./describe.ts";
import type { ExecutionRecord, ExecutionStatus } from "./execution.ts";
import type { ExecutionIndex } from "./execution-index.ts";
import type { StartKey, StartOrder } from "./start-order.ts";

/** What one listed execution shows: no input, output or checkpoints. */
export interface ExecutionSummary {
  readonly workflowId: string;
  readonly name: string;
  readonly version: number;
  readonly status: DescribedStatus;
  readonly owner: NodeId;
  readonly startedAtMs: number;
  readonly finishedAtMs?: number;
}

export interface ListQuery {
  /** Any of these statuses; absent or empty: every status. */
  readonly statuses?: readonly DescribedStatus[];
  /** Exactly this workflow name. */
  readonly name?: string;
  /** Only executions started at or after this time (epoch ms, inclusive). */
  readonly startedAfterMs?: number;
  /** Only executions started before this time (epoch ms, exclusive). */
  readonly startedBeforeMs?: number;
  /** Only executions after this one in list order (the last one of the previous page). */
  readonly after?: StartKey;
  /** At most this many summaries (>= 1). */
  readonly limit: number;
}

export interface ListPage {
  /** Newest first. */
  readonly summaries: readonly ExecutionSummary[];
  /** More executions match past the last summary. */
  readonly hasMore: boolean;
}

export function listExecutions(index: ExecutionIndex, query: ListQuery): ListPage {
  const statuses = query.statuses === undefined ? [] : query.statuses;
  const wanted = statuses.length === 0 ? undefined : new Set(statuses);
  const summaries: ExecutionSummary[] = [];
  for (const record of smallestOrder(index, query.name, statuses).newestFirst(start(query))) {
    if (query.startedAfterMs !== undefined && record.startedAtMs < query.startedAfterMs) break;
    if (query.name !== undefined && record.name !== query.name) continue;
    const status = describedStatusOf(record);
    if (wanted !== undefined && !wanted.has(status)) continue;
    if (summaries.length === query.limit) return { summaries, hasMore: true };
    summaries.push(summaryOf(record, status));
  }
  return { summaries, hasMore: false };
}

/** Where the walk begins: below the cursor and below startedBeforeMs, whichever is lower. */
function start(query: ListQuery): StartKey | undefined {
  const { after, startedBeforeMs } = query;
  // "" sorts before every id: the key is below every execution started at startedBeforeMs.
  const before =
    startedBeforeMs === undefined ? undefined : { startedAtMs: startedBeforeMs, workflowId: "" };
  if (after === undefined) return before;
  if (before === undefined) return after;
  return after.startedAtMs < before.startedAtMs ? after : before;
}

/** The smallest order that holds every match: all, one name's, or one record status's. */
function smallestOrder(
  index: ExecutionIndex,
  name: string | undefined,
  statuses: readonly DescribedStatus[],
): StartOrder<ExecutionRecord> {
  let smallest = index.all;
  const recordStatuses = new Set<ExecutionStatus>(statuses.map((s) => RECORD_STATUS_OF[s]));
  const [only] = recordStatuses;
  if (recordStatuses.size === 1 && only !== undefined) {
    const byStatus = index.withStatus(only);
    if (byStatus.size < smallest.size) smallest = byStatus;
  }
  if (name !== undefined) {
    const byName = index.withName(name);
    if (byName.size < smallest.size) smallest = byName;
  }
  return smallest;
}

function summaryOf(record: ExecutionRecord, status: DescribedStatus): ExecutionSummary {
  return {
    workflowId: record.workflowId,
    name: record.name,
    version: record.version,
    status,
    owner: record.owner,
    startedAtMs: record.startedAtMs,
    ...(record.finishedAtMs === undefined ? {} : { finishedAtMs: record.finishedAtMs }),
  };
}
