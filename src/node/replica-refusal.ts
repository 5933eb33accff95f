// Calls into an execution group that this node's replica cannot serve now fail at once, with
// UNAVAILABLE naming the group and the way out, instead of waiting out their deadline: a group
// that has had no leader for long (at the start of a call, and for a call already waiting
// when the group crosses that threshold), and a replica far behind its group (catching-up.ts).

import { type GroupId, RaftoralError } from "../lib/index.ts";
import { type CatchingUpGroup, describeCatchingUp } from "./catching-up.ts";
import { describeLeaderless, type LeaderlessGroup } from "./leader-watch.ts";

export interface ReplicaWatch {
  /** The hosted group, if it has had no leader for longer than a few election timeouts. */
  readonly leaderless: (groupId: GroupId) => LeaderlessGroup | undefined;
  /** Calls `listener` when a hosted group crosses that threshold; returns the unsubscribe. */
  readonly onLeaderless: (listener: (group: LeaderlessGroup) => void) => () => void;
  /** The hosted group, if this node's replica of it is too far behind to serve. */
  readonly catchingUp: (groupId: GroupId) => CatchingUpGroup | undefined;
}

export class ReplicaRefusal {
  constructor(private readonly watch: ReplicaWatch) {}

  /**
   * UNAVAILABLE at once, naming the group, when it has lost its leader for long or this
   * node's replica of it lags far behind.
   */
  refuse(groupId: GroupId): void {
    const lost = this.watch.leaderless(groupId);
    if (lost !== undefined) throw leaderlessError(lost);
    const behind = this.watch.catchingUp(groupId);
    if (behind !== undefined) {
      throw new RaftoralError(
        "UNAVAILABLE",
        `${describeCatchingUp(behind)}; call another node, or retry once it has caught up`,
      );
    }
  }

  /** `work()` if refuse() lets it start, failing as unless() does once it runs. */
  async guard<T>(groupId: GroupId, work: () => Promise<T>): Promise<T> {
    this.refuse(groupId);
    return this.unless(groupId, work());
  }

  /** `work`, or UNAVAILABLE as soon as the group turns out to have lost its leader for long. */
  async unless<T>(groupId: GroupId, work: Promise<T>): Promise<T> {
    let unsubscribe = (): void => undefined;
    const lost = new Promise<never>((_, reject) => {
      unsubscribe = this.watch.onLeaderless((group) => {
        if (group.groupId === groupId) reject(leaderlessError(group));
      });
    });
    try {
      return await Promise.race([work, lost]);
    } finally {
      unsubscribe();
    }
  }
}

function leaderlessError(group: LeaderlessGroup): RaftoralError {
  return new RaftoralError(
    "UNAVAILABLE",
    `${describeLeaderless(group)}: retry once its voters are back; only if they are gone for good, ` +
      'not cut off from this node by the network, see "raftoral cluster recover"',
  );
}
