// Which of this node's groups have gone without a leader, since when, and which of their voters
// this node cannot hear from, and when this node takes the lead of one (logged once per
// term). A group leaderless for longer than a few election timeouts has
// most likely lost its majority: the node then reports unhealthy (readiness.ts), refuses its
// workflow calls at once instead of letting them time out, and logs one warning per group and
// interval naming the unreachable voters.

import type { Clock, GroupId, Logger, NodeId } from "../lib/index.ts";
import type { HeardFrom } from "../multiraft/index.ts";
import type { RaftStatus } from "../raft/index.ts";
import { groupName, groupNameOpening } from "./group-name.ts";
import { type UnreachableLeader, unreachableLeaders } from "./unreachable-leaders.ts";

/** What the watch reads from the multi-Raft host. */
export interface WatchedHost {
  groupIds(): GroupId[];
  inspect(groupId: GroupId): { status(): RaftStatus } | undefined;
  /** A voter is reachable while any message of it arrives, its vote requests included. */
  readonly hearing: Pick<HeardFrom, "lastHeardMs">;
  onGroupChanged(listener: (groupId: GroupId) => void): () => void;
}

export interface LeaderlessGroup {
  readonly groupId: GroupId;
  readonly leaderlessMs: number;
  /** Voters (not this node) heard from no longer recently than the threshold. */
  readonly unreachableVoters: readonly NodeId[];
  /**
   * This node and the voters it heard from within the threshold are a majority (of each
   * configuration, in a joint one). Then the group has not lost its majority: it most likely
   * has a leader that this node does not hear (a slow or one-sided link, a replica far
   * behind), and the way out is the network, never `cluster recover`.
   */
  readonly hearsMajority: boolean;
  /**
   * This node hears none of the other voters, yet its messages to each of them arrive: they
   * are up and cannot reach this node (a firewall in front of it, an advertised address that
   * is not its own), rather than down. Known only with `senders`.
   */
  readonly isUnreachedByVoters: boolean;
  /**
   * This node's replica knows no voters yet: it was placed here and has heard from no member,
   * so it can tell neither who is unreachable nor whether a majority is.
   */
  readonly isNewReplica: boolean;
  /**
   * Unreachable voters that are up and refuse this node's messages (another cluster secret),
   * with the first one's reason; absent when none does. Known only with `senders`.
   */
  readonly refusal?: { readonly voters: readonly NodeId[]; readonly reason: string };
}

export interface LeaderWatchOptions {
  readonly host: WatchedHost;
  readonly self: NodeId;
  readonly clock: Clock;
  readonly logger: Logger;
  /** A group leaderless for longer than this is reported. */
  readonly thresholdMs: number;
  /**
   * A follower that heard nothing from its leader for this many ticks counts as leaderless
   * even while it still names one (a learner never campaigns, so it never forgets it).
   */
  readonly leaderContactTicksMax: number;
  /** At most one warning per group per interval while it stays leaderless. */
  readonly warnIntervalMs: number;
  /**
   * Whether this node is meant to take part in the group (the management state says so). A
   * replica kept only until its deletion is safe hears from no leader, and matters to nobody.
   */
  readonly isMember: (groupId: GroupId) => boolean;
  /** How deliveries to each peer fare (PeerSenders); absent: neither counted nor told. */
  readonly senders?: {
    failingMs(peer: NodeId): number;
    refusalOf(peer: NodeId): string | undefined;
  };
}

export class LeaderWatch {
  /** When each hosted group was last seen without a leader, while it has none. */
  private readonly leaderlessSince = new Map<GroupId, number>();
  private readonly warnedAtMs = new Map<GroupId, number>();
  /** The term in which this node last took the lead of each group it logged leading. */
  private readonly ledTerms = new Map<GroupId, number>();
  private readonly listeners = new Set<(group: LeaderlessGroup) => void>();
  private unsubscribe: (() => void) | undefined;
  private cancelTimer: (() => void) | undefined;

  constructor(private readonly options: LeaderWatchOptions) {}

  /** Starts watching; a second call does nothing. */
  start(): void {
    if (this.unsubscribe !== undefined) return;
    this.unsubscribe = this.options.host.onGroupChanged((id) => this.observe(id));
    // Runs for the life of the node; stop() ends it.
    const loop = () => {
      this.observeAll();
      this.warn();
      this.cancelTimer = this.options.clock.setTimer(this.options.thresholdMs / 4, loop);
    };
    loop();
  }

  stop(): void {
    this.unsubscribe?.();
    this.cancelTimer?.();
  }

  /** Hosted groups whose leader this node hears but cannot reach (unreachable-leaders.ts). */
  unreachableLeaders(): UnreachableLeader[] {
    const { senders } = this.options;
    if (senders === undefined) return [];
    return unreachableLeaders({ ...this.options, failingMs: (peer) => senders.failingMs(peer) });
  }

  /**
   * Calls `listener` when a hosted group has been leaderless for longer than the threshold
   * (at the first check past it, then once per warning interval). Returns the unsubscribe.
   */
  onLeaderless(listener: (group: LeaderlessGroup) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The group, if it has had no leader for longer than `thresholdMs` (the watch's own). */
  leaderless(
    groupId: GroupId,
    thresholdMs = this.options.thresholdMs,
  ): LeaderlessGroup | undefined {
    this.observe(groupId);
    const leaderlessMs = this.leaderlessMs(groupId);
    if (leaderlessMs <= thresholdMs) return undefined;
    const status = this.options.host.inspect(groupId)?.status();
    const unreachableVoters = this.unreachableVoters(groupId);
    const hearsMajority = status !== undefined && hearsMajorityOf(status, unreachableVoters);
    const isUnreachedByVoters =
      status !== undefined &&
      this.isUnreachedBy(unreachableVoters, otherVoters(status, this.options.self));
    const isNewReplica = status !== undefined && votersOf(status).length === 0;
    const found = { unreachableVoters, hearsMajority, isUnreachedByVoters, isNewReplica };
    const refusal = this.refusalBy(unreachableVoters);
    return { groupId, leaderlessMs, ...found, ...(refusal === undefined ? {} : { refusal }) };
  }

  private refusalBy(voters: readonly NodeId[]): LeaderlessGroup["refusal"] {
    const refusals = voters.flatMap((id) => {
      const reason = this.options.senders?.refusalOf(id);
      return reason === undefined ? [] : [{ id, reason }];
    });
    const [first] = refusals;
    if (first === undefined) return undefined;
    return { voters: refusals.map(({ id }) => id), reason: first.reason };
  }

  /** What leaderless() says of the group, as a sentence (see describeLeaderless). */
  describe(groupId: GroupId): string | undefined {
    const group = this.leaderless(groupId);
    return group === undefined ? undefined : describeLeaderless(group);
  }

  /** Every hosted group without a leader for longer than the threshold. */
  allLeaderless(): LeaderlessGroup[] {
    this.observeAll();
    return [...this.leaderlessSince.keys()]
      .sort((a, b) => a - b)
      .map((id) => this.leaderless(id))
      .filter((group) => group !== undefined);
  }

  /** Whole ms the hosted group has had no leader (0: it has one, or is not hosted here). */
  leaderlessMs(groupId: GroupId): number {
    const since = this.leaderlessSince.get(groupId);
    return since === undefined ? 0 : Math.round(this.options.clock.nowMs() - since);
  }

  private observeAll(): void {
    const hosted = new Set(this.options.host.groupIds());
    for (const id of hosted) this.observe(id);
    for (const id of [...this.leaderlessSince.keys()]) {
      if (!hosted.has(id)) this.leaderlessSince.delete(id);
    }
    for (const id of [...this.ledTerms.keys()]) if (!hosted.has(id)) this.ledTerms.delete(id);
  }

  private observe(groupId: GroupId): void {
    const status = this.options.host.inspect(groupId)?.status();
    if (status !== undefined) this.noteLeadership(groupId, status);
    if (status === undefined || this.hasLeader(status) || !this.options.isMember(groupId)) {
      const since = this.leaderlessSince.get(groupId);
      this.leaderlessSince.delete(groupId);
      if (since !== undefined && this.warnedAtMs.delete(groupId)) {
        const seconds = Math.round((this.options.clock.nowMs() - since) / 1000);
        this.options.logger.info(
          `${groupNameOpening(groupId)} has a leader again after ${seconds} s`,
        );
      }
      return;
    }
    if (!this.leaderlessSince.has(groupId)) {
      this.leaderlessSince.set(groupId, this.options.clock.nowMs());
    }
  }

  /** Logs, once per term, that this node took the lead: the line a change of leader leaves. */
  private noteLeadership(groupId: GroupId, status: RaftStatus): void {
    if (status.role !== "leader" || this.ledTerms.get(groupId) === status.term) return;
    this.ledTerms.set(groupId, status.term);
    this.options.logger.info(`This node now leads ${groupName(groupId)}`, {
      group: groupId,
      term: status.term,
    });
  }

  private hasLeader(status: RaftStatus): boolean {
    if (status.leaderId === 0) return false;
    return (
      status.role === "leader" ||
      status.ticksSinceLeaderContact <= this.options.leaderContactTicksMax
    );
  }

  private warn(): void {
    const now = this.options.clock.nowMs();
    for (const group of this.allLeaderless()) {
      const warnedAt = this.warnedAtMs.get(group.groupId);
      if (warnedAt !== undefined && now - warnedAt < this.options.warnIntervalMs) continue;
      this.warnedAtMs.set(group.groupId, now);
      this.options.logger.warn(describeLeaderless(group), {
        group: group.groupId,
        unreachable_voters: group.unreachableVoters.join(" ") || "none",
      });
      for (const listener of [...this.listeners]) listener(group);
    }
  }

  /** Whether every other voter is unheard and takes this node's messages (see the field). */
  private isUnreachedBy(unheard: readonly NodeId[], others: readonly NodeId[]): boolean {
    const { senders } = this.options;
    if (senders === undefined || others.length === 0) return false;
    return others.every((id) => unheard.includes(id) && senders.failingMs(id) === 0);
  }

  private unreachableVoters(groupId: GroupId): NodeId[] {
    const status = this.options.host.inspect(groupId)?.status();
    if (status === undefined) return [];
    const now = this.options.clock.nowMs();
    return otherVoters(status, this.options.self)
      .filter((id) => {
        const heard = this.options.host.hearing.lastHeardMs(id);
        return heard === undefined || now - heard > this.options.thresholdMs;
      })
      .sort((a, b) => a - b);
  }
}

/** The voters of the group's configurations, joint ones too, but this node. */
function otherVoters(status: RaftStatus, self: NodeId): NodeId[] {
  const voters = new Set([...status.confState.voters, ...status.confState.votersOutgoing]);
  return [...voters].filter((id) => id !== self);
}

/**
 * Whether the voters not unreachable from here (this node included) are a majority of each
 * configuration. A replica that knows no voters hears no majority: before, `every` over no
 * configuration said it did, and a new replica of a group that had lost its majority told the
 * operator the group most likely worked and to check the network (membership tour, 2026-12-07).
 */
function hearsMajorityOf(status: RaftStatus, unreachable: readonly NodeId[]): boolean {
  const configs = [status.confState.voters, status.confState.votersOutgoing];
  const known = configs.filter((voters) => voters.length > 0);
  return (
    known.length > 0 &&
    known.every((voters) => {
      const heard = voters.filter((id) => !unreachable.includes(id)).length;
      return heard > voters.length / 2;
    })
  );
}

function votersOf(status: RaftStatus): readonly NodeId[] {
  return [...status.confState.voters, ...status.confState.votersOutgoing];
}

/**
 * "Execution cluster 2 has had no leader for 7 s (voters 1, 3 unreachable); it may have lost
 * its majority", or, while this node hears a majority of the voters, that it is this node that
 * does not hear the leader: the group most likely works without it (a follower behind a slow
 * link said "lost its majority" and pointed at `cluster recover` before 2026-12-07).
 */
export function describeLeaderless(group: LeaderlessGroup): string {
  const seconds = Math.round(group.leaderlessMs / 1000);
  const opening = groupNameOpening(group.groupId);
  const { unreachableVoters, refusal } = group;
  if (refusal !== undefined) {
    const which = `${refusal.voters.length === 1 ? "voter" : "voters"} ${refusal.voters.join(", ")}`;
    return `${opening} has had no leader for ${seconds} s: ${which} refuse this node's messages (${refusal.reason})`;
  }
  if (group.isUnreachedByVoters) {
    return (
      `${opening} has had no leader for ${seconds} s: this node hears none of its voters ` +
      `(${unreachableVoters.join(", ")}), though its own messages to them arrive, so they are ` +
      "up and cannot reach this node; check for a firewall in front of it and that the address " +
      "it advertises (--advertise, else --listen) is one they can connect to"
    );
  }
  if (group.hearsMajority) {
    const from =
      unreachableVoters.length === 0
        ? ""
        : ` (${unreachableVoters.length === 1 ? "voter" : "voters"} ${unreachableVoters.join(", ")} unreachable from here)`;
    return (
      `${opening} has had no leader that this node hears for ${seconds} s${from}, though this ` +
      "node hears a majority of its voters: the group most likely works without this node, " +
      "which is cut off from the leader or behind it on a slow link; check the network between them"
    );
  }
  if (group.isNewReplica) {
    return (
      `${opening} has had no leader for ${seconds} s, and this node's replica of it, placed ` +
      "here, has heard from none of its members yet: it may have lost its majority " +
      "(raftoral cluster status names its voters), or its leader cannot reach this node"
    );
  }
  const unreachable =
    unreachableVoters.length === 0 ? "" : ` (voters ${unreachableVoters.join(", ")} unreachable)`;
  return `${opening} has had no leader for ${seconds} s${unreachable}; it may have lost its majority`;
}
