// A node that does not host an execution group shows it as the management state last heard
// of it, and only a group's leader reports it: a group that lost its majority would go on
// showing its last leader, and the failures it survived, on most nodes of a larger cluster
// (their `cluster status`, discovery answers and console). So a member of a group that has
// had no leader for a while (LeaderWatch) reports it leaderless, "no leader, survives
// nothing"; the next leader's report is urgent (planGroupReports) and puts it right.

import { type GroupId, NO_NODE, type NodeId } from "../lib/index.ts";
import type { GroupRecord, ManagementCommand, ManagementMachine } from "../management/index.ts";
import type { LeaderWatch } from "./leader-watch.ts";

export class LeaderlessReports {
  /** Hosted groups reported leaderless during their current spell without a leader. */
  private readonly reported = new Set<GroupId>();

  constructor(
    private readonly options: {
      readonly self: NodeId;
      readonly machine: ManagementMachine;
      readonly leaderWatch?: Pick<LeaderWatch, "leaderless">;
      readonly propose: (command: ManagementCommand) => Promise<unknown>;
    },
  ) {}

  /**
   * On a member that does not lead `group`. Once per spell without a leader: a member cut off
   * from a leader that still leads would otherwise undo that leader's report at every pass.
   */
  async check(group: GroupRecord): Promise<void> {
    const { leaderWatch, machine, self } = this.options;
    if (leaderWatch?.leaderless(group.id) === undefined) {
      this.reported.delete(group.id);
      return;
    }
    if (this.reported.has(group.id)) return;
    if (group.leaderId === NO_NODE && group.faultTolerance === 0) return;
    if (!machine.state().nodes.has(self)) return;
    await this.options.propose({
      type: "reportGroupLoad",
      groupId: group.id,
      running: group.running,
      leaderId: NO_NODE,
      faultTolerance: 0,
    });
    this.reported.add(group.id);
  }
}
