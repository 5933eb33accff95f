// Owner failover as soon as a voter's silence crosses ownerFailoverMs, not at the next
// management pass: a pass comes only every reconcileIntervalMs and can sit for seconds in a
// report to a management group whose leader died with the owner. Every tick this node asks
// which cluster nodes are silent (one look per node, so an idle cluster costs next to
// nothing); only when one is, it looks at the groups it leads that have that node as a voter
// and hands the silent owners' workflows to the live voters (ExecutionLayer.maintain). Each
// group is handled once per set of silent voters; the management pass keeps retrying whatever
// a round left over.

import type { ExecutionLayer } from "../api/index.ts";
import type { CancelTimer, Clock, GroupId, Logger, NodeId } from "../lib/index.ts";
import { toError } from "../lib/index.ts";
import {
  type GroupRecord,
  type ManagementMachine,
  silenceMs,
  silentNodes,
} from "../management/index.ts";
import type { RaftStatus } from "../raft/index.ts";
import type { LivenessObserver } from "./liveness-observer.ts";

export interface OwnerFailoverWatchOptions {
  readonly self: NodeId;
  readonly clock: Clock;
  /** How often to look (one Raft tick). */
  readonly checkIntervalMs: number;
  readonly ownerFailoverMs: number;
  readonly liveness: Pick<LivenessObserver, "asMember" | "asLeaderOf">;
  readonly host: {
    inspect(id: GroupId): { status(): Pick<RaftStatus, "role" | "appliedConfState"> } | undefined;
  };
  readonly machine: Pick<ManagementMachine, "state">;
  readonly execution: Pick<ExecutionLayer, "maintain">;
  readonly logger: Logger;
}

export class OwnerFailoverWatch {
  private cancel: CancelTimer | undefined;
  private isChecking = false;
  /** Per group led here: the silent voters (ids joined) it was last failed over for. */
  private readonly handled = new Map<GroupId, string>();

  constructor(private readonly options: OwnerFailoverWatchOptions) {}

  start(): void {
    const beat = () => {
      void this.check();
      this.cancel = this.options.clock.setTimer(this.options.checkIntervalMs, beat);
    };
    this.cancel = this.options.clock.setTimer(this.options.checkIntervalMs, beat);
  }

  stop(): void {
    this.cancel?.();
    this.cancel = undefined;
  }

  /** One look; resolves once every group that needed it was handed over (or tried). */
  async check(): Promise<void> {
    if (this.isChecking) return;
    const { self, machine, liveness, ownerFailoverMs } = this.options;
    const state = machine.state();
    // As the management pass: a node out of the cluster has its groups to hand over, no more.
    if (!state.nodes.has(self)) return;
    const view = liveness.asMember();
    const silent = silentNodes(view, state.nodes.keys(), self, ownerFailoverMs);
    if (silent.size === 0) {
      this.handled.clear();
      return;
    }
    this.isChecking = true;
    try {
      for (const group of state.groups.values()) {
        if (group.members.some((id) => silent.has(id))) await this.failOver(group);
      }
    } finally {
      this.isChecking = false;
    }
  }

  private async failOver(group: GroupRecord): Promise<void> {
    const { self, liveness, ownerFailoverMs } = this.options;
    const status = this.options.host.inspect(group.id)?.status();
    if (status === undefined || status.role !== "leader") {
      this.handled.delete(group.id);
      return;
    }
    // Silence as the group's leader counts it: a voter it had no reason to hear from before
    // it took the group over is not silent for that (LivenessObserver.asLeaderOf).
    const view = liveness.asLeaderOf(group.id, ownerFailoverMs);
    const voters = status.appliedConfState.voters;
    const silent = silentNodes(view, voters, self, ownerFailoverMs);
    const goneVoters = voters.filter((id) => silent.has(id));
    const gone = goneVoters.join(",");
    if (gone === "" || this.handled.get(group.id) === gone) return;
    this.handled.set(group.id, gone);
    // Once per group and set of silent voters; the chaos runs check each against the faults.
    for (const id of goneVoters) {
      this.options.logger.info("Voter silent: handing its workflows to live members", {
        group: group.id,
        node: id,
        silent_ms: Math.round(silenceMs(view, id)),
      });
    }
    try {
      await this.options.execution.maintain(
        group.id,
        voters.filter((id) => !silent.has(id)),
      );
    } catch (error) {
      // Tried again on the next look (and by the management pass).
      this.handled.delete(group.id);
      this.options.logger.debug("Owner failover step failed; will retry", {
        group: group.id,
        error: toError(error).message,
      });
    }
  }
}
