// What `raftoral workflow list` prints for people: an aligned table, newest first, then how
// to get the next page; clusters that did not answer go to stderr. Pure: returns strings.

import type { ListWorkflowsResult, WorkflowSummaryInfo } from "../client/index.ts";
import { oneLine } from "./terminal-safe.ts";

const HEADERS = ["WORKFLOW ID", "NAME", "STATUS", "CLUSTER", "OWNER", "STARTED", "FINISHED"];

/** The page as a table; `nextCommand` is the command line that lists the next page. */
export function listedText(result: ListWorkflowsResult, nextCommand: string): string {
  const lines: string[] = [];
  if (result.workflows.length === 0) {
    // With clusters missing (warned on stderr), "none match" would claim more than is known;
    // the count says so also when no cluster answered at all.
    const missing = result.unavailableClusters.length;
    lines.push(
      missing === 0
        ? "No workflows match."
        : `No workflows match in the execution clusters that answered; ${missing} did not ` +
            `(${missing === 1 ? "the warning" : "the warnings"} on stderr).`,
    );
  } else {
    const rows = [HEADERS, ...result.workflows.map(rowOf)];
    const widths = HEADERS.map((_, column) =>
      Math.max(...rows.map((row) => (row[column] ?? "").length)),
    );
    for (const row of rows) {
      lines.push(
        row
          .map((cell, column) => cell.padEnd(widths[column] ?? 0))
          .join("  ")
          .trimEnd(),
      );
    }
  }
  if (result.nextPageToken !== undefined) {
    lines.push(
      "",
      "More workflows match. Next page:",
      `  ${nextCommand} --page-token ${result.nextPageToken}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

/**
 * One stderr line per execution cluster that did not answer; an error that names the cluster
 * already (as a node's own does) is not prefixed with its name again.
 */
export function unavailableText(result: ListWorkflowsResult): string {
  return result.unavailableClusters
    .map(({ executionClusterId: id, error: unsafe }) => ({ id, error: oneLine(unsafe) }))
    .map(({ id, error }) =>
      error.toLowerCase().startsWith(`execution cluster ${id} `)
        ? `warning: ${error}; its workflows are missing from this page\n`
        : `warning: execution cluster ${id} did not answer, its workflows are missing from this page: ${error}\n`,
    )
    .join("");
}

function rowOf(workflow: WorkflowSummaryInfo): string[] {
  return [
    workflow.workflowId,
    `${workflow.name} v${workflow.version}`,
    workflow.status,
    String(workflow.executionClusterId),
    String(workflow.ownerNodeId),
    timeOf(workflow.startedAtMs),
    workflow.finishedAtMs === undefined ? "-" : timeOf(workflow.finishedAtMs),
  ];
}

/** UTC to the second: "2026-12-02 07:03:24Z". */
function timeOf(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, "Z");
}
