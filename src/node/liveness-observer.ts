// What this node knows that liveness judgements need (see management/liveness.ts): when it
// heard from each peer (the host records it), when its own last stall ended (stall-watch.ts),
// since when it leads the management group and each execution group, and since when each node
// is in the state. It answers with LivenessViews for the two judgements it makes: failure
// detection as management leader, and owner failover as an execution group's leader.

import type { Clock, GroupId, Logger, NodeId } from "../lib/index.ts";
import type { LivenessView, ManagementState } from "../management/index.ts";
import type { HeardFrom, MultiRaftHost } from "../multiraft/index.ts";
import { StallWatch } from "./stall-watch.ts";

/**
 * Stalls longer than this reset failure detection's count (30 s by default): only a real
 * pause, not the short hiccups that matter to owner failover's 1.5 s.
 */
const FAILURE_DETECTION_STALL_MS = 1_000;

/** What the observer reads from the host: who was heard when, and each group's role. */
export type LivenessHost = Pick<MultiRaftHost, "onGroupChanged"> & {
  /**
   * Failure detection and owner failover count silence from what shows a node hears its
   * peers, not from its vote requests.
   */
  readonly hearing: HeardFrom;
  inspect(
    id: GroupId,
  ): { status(): { readonly role: string; readonly leaderId: NodeId } } | undefined;
};

export class LivenessObserver {
  private readonly stalls: StallWatch;
  /** When this node last became the management leader (undefined: it is not). */
  private leaderSinceMs: number | undefined;
  /** When each node (re)appeared in the state: a node is not silent before it could speak. */
  private readonly memberSinceMs = new Map<NodeId, number>();
  /** This process could hear nobody before it started (a restart forgets what it heard). */
  private readonly startedMs: number;
  /** Stalls longer than this reset owner failover's count (NodeTuning.stallMs). */
  private readonly stallMs: number;
  /** Since when this node leads each group it leads, as seen when the group's role changed. */
  private readonly ledSinceMs = new Map<GroupId, number>();
  /** The last leader this node followed in each group (kept while it campaigns and leads). */
  private readonly followedLeader = new Map<GroupId, NodeId>();
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly host: LivenessHost,
    private readonly clock: Clock,
    tickIntervalMs: number,
    stallMs: number,
    logger: Logger,
    /** Stalls longer than this may have got this node removed (NodeTuning.failureTimeoutMs). */
    private readonly failureTimeoutMs: number,
  ) {
    // Its peers heard nothing meanwhile either: the line tells an operator why they may have
    // judged this node silent and moved its workflows.
    const report = (stalledMs: number) =>
      logger.warn("This process did not run for a while: peers may have counted it silent", {
        stalled_ms: Math.round(stalledMs),
      });
    this.stalls = new StallWatch(
      clock,
      tickIntervalMs,
      [stallMs, FAILURE_DETECTION_STALL_MS, failureTimeoutMs],
      report,
    );
    this.stallMs = stallMs;
    this.startedMs = clock.nowMs();
  }

  start(): void {
    this.stalls.start();
    this.unsubscribe = this.host.onGroupChanged((id) => this.observeRole(id));
  }

  stop(): void {
    this.stalls.stop();
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  /** Notes this node's role in the management group and the nodes of the state now. */
  observeLeadership(isLeader: boolean, state: ManagementState): void {
    const now = this.clock.nowMs();
    this.leaderSinceMs = isLeader ? (this.leaderSinceMs ?? now) : undefined;
    for (const id of this.memberSinceMs.keys()) {
      if (!state.nodes.has(id)) this.memberSinceMs.delete(id);
    }
    for (const id of state.nodes.keys())
      if (!this.memberSinceMs.has(id)) this.memberSinceMs.set(id, now);
  }

  /**
   * When this process last ran again after a stall longer than the failure timeout (-Infinity
   * if never): the cluster may have removed it meanwhile.
   */
  lastLongStallEndMs(): number {
    return this.stalls.countsSilenceFrom(this.failureTimeoutMs);
  }

  /**
   * Whether this process stood still for longer than owner failover's stall at some time
   * after `clockMs` (it ended since, or is ending now): its peers may have counted it silent.
   */
  hasStalledSince(clockMs: number): boolean {
    return this.stalls.countsSilenceFrom(this.stallMs) > clockMs;
  }

  /** For failure detection: silence counts from leadership, the last stall and membership. */
  asManagementLeader(): LivenessView {
    const now = this.clock.nowMs();
    const since = Math.max(
      this.leaderSinceMs ?? now,
      this.stalls.countsSilenceFrom(FAILURE_DETECTION_STALL_MS),
    );
    return {
      nowMs: now,
      heardMs: (id) => this.host.hearing.lastTakingPartMs(id),
      countFromMs: (id) => Math.max(since, this.memberSinceMs.get(id) ?? now),
    };
  }

  /**
   * For owner failover: silence counts from the last stall, and not from before this process
   * started (a voter it has not heard from yet since a restart is not silent for that), nor
   * from before this process saw the node in the state (a node that just joined has not had
   * the time to speak to it).
   */
  asMember(): LivenessView {
    const now = this.clock.nowMs();
    const resumedAt = Math.max(this.stalls.countsSilenceFrom(this.stallMs), this.startedMs);
    return {
      nowMs: now,
      // As failure detection: a node that hears nobody, asking for votes over and over, runs
      // no step to its end (it learns of no commit), so its workflows go on elsewhere now.
      heardMs: (id) => this.host.hearing.lastTakingPartMs(id),
      countFromMs: (id) => Math.max(resumedAt, this.memberSinceMs.get(id) ?? now),
    };
  }

  /**
   * For owner failover in a group this node leads: as asMember, except for a voter it had not
   * heard from in the `recentMs` before it began to lead the group, whose silence counts from
   * then. A follower hears from the leader alone, so a new leader may not have heard from the
   * other voters for long, however alive, before its first heartbeats reach them; what it heard
   * shortly before still tells. So does what it heard of the leader it followed, however long
   * ago: that one spoke to it until it went silent, and an election that took longer than
   * `recentMs` must not double the wait for a dead leader's workflows.
   */
  asLeaderOf(group: GroupId, recentMs: number): LivenessView {
    const view = this.asMember();
    const since = this.ledSinceMs.get(group);
    if (since === undefined) return view;
    const followed = this.followedLeader.get(group);
    const countFromMs = (id: NodeId): number => {
      const heard = view.heardMs(id);
      const from = view.countFromMs(id);
      const isKnown = heard !== undefined && (heard >= since - recentMs || id === followed);
      return isKnown ? from : Math.max(from, since);
    };
    return { ...view, countFromMs };
  }

  private observeRole(id: GroupId): void {
    const status = this.host.inspect(id)?.status();
    if (status === undefined) {
      this.ledSinceMs.delete(id);
      this.followedLeader.delete(id);
      return;
    }
    const isLeader = status.role === "leader";
    if (!isLeader) this.ledSinceMs.delete(id);
    else if (!this.ledSinceMs.has(id)) this.ledSinceMs.set(id, this.clock.nowMs());
    if (!isLeader && status.leaderId !== 0) this.followedLeader.set(id, status.leaderId);
  }
}
