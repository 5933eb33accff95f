// What `raftoral cluster retention` prints: the setting in words, or with --json the HTTP
// API's body (POST /cluster/retention). Pure: returns strings.

import type { RetentionInfo } from "../client/index.ts";
import { formatDurationMs } from "../lib/index.ts";

export function retentionText(info: RetentionInfo, isChange: boolean): string {
  const { finishedMax, retainForMs, retainAtLeastMs } = info.retention;
  const head = isChange
    ? "Retention set; every execution cluster follows within moments:"
    : "Retention of finished workflows:";
  const lines = [
    head,
    `  count     ${finishedMax} per execution cluster (the oldest go first)`,
    `  for       ${retainForMs === 0 ? "no time limit" : formatDurationMs(retainForMs)}`,
    retainAtLeastMs === 0
      ? "  at least  no floor (past the count, the oldest result goes at once)"
      : `  at least  ${formatDurationMs(retainAtLeastMs)} (younger results are never dropped for the count)`,
  ];
  if (!info.isSet) {
    lines.push(
      "Not set in this cluster (created by an older version): these are the built-in limits.",
      "Set it with: raftoral cluster retention --count N --at-least 1m",
    );
  }
  return `${lines.join("\n")}\n`;
}

export function retentionJsonText(info: RetentionInfo): string {
  const body = {
    success: true,
    finished_max: info.retention.finishedMax,
    retain_for_ms: info.retention.retainForMs,
    retain_at_least_ms: info.retention.retainAtLeastMs,
    is_set: info.isSet,
  };
  return `${JSON.stringify(body, null, 2)}\n`;
}
