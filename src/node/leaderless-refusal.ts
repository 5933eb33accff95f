// Calls into an execution group that has had no leader for long fail at once, with
// UNAVAILABLE naming the group and the way out, instead of waiting out their deadline: at the
// start of a call, and for a call already waiting when the group crosses that threshold.

import { type GroupId, RaftoralError } from "../lib/index.ts";
import { describeLeaderless, type LeaderlessGroup } from "./leader-watch.ts";

export interface LeaderlessWatch {
  /** The hosted group, if it has had no leader for longer than a few election timeouts. */
  readonly leaderless: (groupId: GroupId) => LeaderlessGroup | undefined;
  /** Calls `listener` when a hosted group crosses that threshold; returns the unsubscribe. */
  readonly onLeaderless: (listener: (group: LeaderlessGroup) => void) => () => void;
}

export class LeaderlessRefusal {
  constructor(private readonly watch: LeaderlessWatch) {}

  /** UNAVAILABLE at once, naming the group, when it has lost its leader for long. */
  refuse(groupId: GroupId): void {
    const lost = this.watch.leaderless(groupId);
    if (lost !== undefined) throw leaderlessError(lost);
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
    `${describeLeaderless(group)}: retry once its voters are back, or see "raftoral cluster recover"`,
  );
}
