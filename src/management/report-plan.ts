// What an execution group's leader reports to the management group: its configuration when it
// changed (every node routes and shows by it), its leader and its fault tolerance when they
// changed, and its load (running workflows, for placing new ones) at most once per interval:
// workflow churn must not turn into a stream of management entries.
// Pure: no I/O, no timers, no await.

import type { LogIndex, NodeId } from "../lib/index.ts";
import type { ManagementCommand } from "./commands.ts";
import type { GroupRecord } from "./management-state.ts";

export interface GroupReportView {
  readonly self: NodeId;
  readonly group: GroupRecord;
  /** The group's configuration as of its applied index, and that index. */
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
  readonly appliedIndex: LogIndex;
  readonly running: number;
  readonly faultTolerance: number;
  readonly nowMs: number;
  /** When this node last reported the group's load; undefined: never. */
  readonly lastLoadReportMs: number | undefined;
  readonly loadReportIntervalMs: number;
}

export function planGroupReports(view: GroupReportView): ManagementCommand[] {
  const { group } = view;
  const commands: ManagementCommand[] = [];
  if (!sameIds(view.voters, group.voters) || !sameIds(view.learners, group.learners)) {
    commands.push({
      type: "reportGroupConfig",
      groupId: group.id,
      voters: view.voters,
      learners: view.learners,
      configIndex: view.appliedIndex,
    });
  }
  const isUrgent = view.self !== group.leaderId || view.faultTolerance !== group.faultTolerance;
  const isLoadDue =
    view.running !== group.running &&
    (view.lastLoadReportMs === undefined ||
      view.nowMs - view.lastLoadReportMs >= view.loadReportIntervalMs);
  if (isUrgent || isLoadDue) {
    commands.push({
      type: "reportGroupLoad",
      groupId: group.id,
      running: view.running,
      leaderId: view.self,
      faultTolerance: view.faultTolerance,
    });
  }
  return commands;
}

function sameIds(a: readonly NodeId[], b: readonly NodeId[]): boolean {
  const sorted = (ids: readonly NodeId[]) => [...ids].sort((x, y) => x - y).join(",");
  return sorted(a) === sorted(b);
}
