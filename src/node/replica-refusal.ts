// Calls into an execution group that this node's replica cannot serve now fail at once, with
// UNAVAILABLE naming the group and the way out, instead of waiting out their deadline: a group
// that has had no leader for long (at the start of a call, and for a call already waiting
// when the group crosses that threshold: a write then ends as TIMEOUT, since it may still be
// done), and a replica far behind its group (catching-up.ts).

import { type GroupId, RaftoralError } from "../lib/index.ts";
import { type CatchingUpGroup, describeCatchingUp } from "./catching-up.ts";
import { describeLeaderless, type LeaderlessGroup } from "./leader-watch.ts";

export interface ReplicaWatch {
  /**
   * The hosted group, if it has had no leader for longer than `afterMs`, by default a few
   * election timeouts.
   */
  readonly leaderless: (groupId: GroupId, afterMs?: number) => LeaderlessGroup | undefined;
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
        NOT_DONE,
      );
    }
  }

  /**
   * A wait for workflow `workflowId` in hosted group `groupId` that ran out: TIMEOUT saying it
   * is still running, unless the group has no leader now as this node sees it (however
   * briefly), which then cannot know whether it finished since.
   */
  waitTimedOut(groupId: GroupId, workflowId: string, timedOut: RaftoralError): RaftoralError {
    const lost = this.watch.leaderless(groupId, 0);
    if (lost === undefined) return timedOut;
    return new RaftoralError(
      "TIMEOUT",
      `workflow ${workflowId} had not finished when this node last heard the leader of its ` +
        `execution cluster, so it may have finished since (${describeLeaderless(lost)}); wait again`,
      { cause: timedOut },
    );
  }

  /** `work()` if refuse() lets it start, failing as unless() does once it runs. */
  async guard<T>(groupId: GroupId, work: () => Promise<T>): Promise<T> {
    this.refuse(groupId);
    return this.unless(groupId, work());
  }

  /** `work`, or UNAVAILABLE as soon as the group turns out to have lost its leader for long. */
  unless<T>(groupId: GroupId, work: Promise<T>): Promise<T> {
    return this.raceLeaderless(groupId, work, leaderlessError);
  }

  /**
   * As guard(), for a write (a start, a signal, a cancel). Refused before it starts, it is
   * UNAVAILABLE; once it may have been proposed, its outcome is unknown: TIMEOUT (as a
   * proposal's own deadline would say, a moment sooner) saying that it may still be done
   * once the voters are back, so that neither a forwarding node nor a client starts it
   * again elsewhere as if it had not been.
   */
  async guardWrite<T>(groupId: GroupId, write: () => Promise<T>): Promise<T> {
    this.refuse(groupId);
    return this.raceLeaderless(
      groupId,
      write(),
      (group) =>
        new RaftoralError(
          "TIMEOUT",
          group.hearsMajority
            ? `${describeLeaderless(group)}. This call may still be done: ask another node before starting it again`
            : `${describeLeaderless(group)}: this call may still be done once its voters are back; ${RECOVER_HINT}`,
          { isAnswerLost: true },
        ),
    );
  }

  private async raceLeaderless<T>(
    groupId: GroupId,
    work: Promise<T>,
    errorOf: (group: LeaderlessGroup) => RaftoralError,
  ): Promise<T> {
    let unsubscribe = (): void => undefined;
    const lost = new Promise<never>((_, reject) => {
      unsubscribe = this.watch.onLeaderless((group) => {
        if (group.groupId === groupId) reject(errorOf(group));
      });
    });
    try {
      return await Promise.race([work, lost]);
    } finally {
      unsubscribe();
    }
  }
}

/** Raised before the call did anything: reads did nothing anyway, writes had not started. */
const NOT_DONE = { isNotDone: true };

const RECOVER_HINT =
  'only if they are gone for good, not cut off from this node by the network, see "raftoral cluster recover"';

function leaderlessError(group: LeaderlessGroup): RaftoralError {
  // A group this node merely does not hear has its majority: recover would be wrong there.
  const hint = group.hearsMajority
    ? ". Call another node, or retry here once this node hears the leader again"
    : `: retry once its voters are back; ${RECOVER_HINT}`;
  return new RaftoralError("UNAVAILABLE", `${describeLeaderless(group)}${hint}`, NOT_DONE);
}
