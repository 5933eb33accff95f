// Gives an execution group's replica that its leader's log contradicts (raft/lost-commit.ts)
// way to an empty one, when the committed management records say the group counts on no copy
// of it: a learner left out of a forced recovery (management/replica-renewal-plan.ts argues
// why that is safe). The host asks from inside its turn, so the answer only marks the replica
// due; the management runtime's next pass drops it as it drops one the records no longer
// place here (its storage goes, its tombstone stays), and places an empty one in the same
// pass, as for any group the records place here. The planners then add it back as a learner,
// and as a voter where the group wants one.

import type { ExecutionLayer } from "../api/index.ts";
import type { GroupId, Logger, NodeId } from "../lib/index.ts";
import { type ManagementState, planReplicaRenewal } from "../management/index.ts";
import type { LostCommitRenewal, MultiRaftHost } from "../multiraft/index.ts";

export interface ReplicaRenewalOptions {
  readonly self: NodeId;
  readonly host: Pick<MultiRaftHost, "inspect" | "removeGroup">;
  readonly execution: Pick<ExecutionLayer, "dropGroup">;
  /** This node's committed management state. */
  readonly state: () => ManagementState;
  readonly logger: Logger;
  /** A replica is due to be dropped: a pass should run soon (outside the caller's stack). */
  readonly onDue: () => void;
}

export class ReplicaRenewal {
  /** Replicas to drop at the next pass; their leader's messages are dropped until then. */
  private readonly due = new Set<GroupId>();

  constructor(private readonly options: ReplicaRenewalOptions) {}

  /** MultiRaftHostOptions.lostCommitRenew: whether the replica gives way, or why not. */
  renew(groupId: GroupId, leader: NodeId): LostCommitRenewal {
    if (this.due.has(groupId)) return { isRenewed: true };
    const raft = this.options.host.inspect(groupId);
    if (raft === undefined) return { isRenewed: false, reason: "no replica here" };
    const status = raft.status();
    const decision = planReplicaRenewal({
      self: this.options.self,
      state: this.options.state(),
      groupId,
      leader,
      replicaConf: status.confState,
    });
    if (!decision.isRenewed) return decision;
    this.options.logger.warn(
      `Group ${groupId}: this node's replica contradicts its leader's log, and the group ` +
        "counts on no copy of it since a forced recovery; replacing it with an empty one",
      {
        group: groupId,
        leader,
        dropped_last_index: status.lastIndex,
        dropped_last_term: raft.termAt(status.lastIndex) ?? 0,
        dropped_commit: status.commit,
      },
    );
    this.due.add(groupId);
    this.options.onDue();
    return decision;
  }

  /**
   * Drops the replicas due, as a pass drops one the records no longer place here: the engine
   * first, so that no workflow runs against a replica going away. A failure leaves the rest
   * due, for the next pass.
   */
  async dropDue(): Promise<void> {
    for (const groupId of [...this.due]) {
      this.options.execution.dropGroup(groupId);
      await this.options.host.removeGroup(groupId);
      this.due.delete(groupId);
    }
  }
}
