// A node leaving the cluster for good: its removal is committed to the management group, and
// then it keeps serving its Raft groups, bounded in time, until each has dropped it from its
// configuration. Stopping earlier could take a vote away that the remaining members still
// count on: in a two-node group, the survivor alone could no longer commit the change that
// removes the node that went away. Where the bound passes and a group still cannot commit
// without this node's vote, the leave fails instead and the node keeps serving (out of the
// cluster, never registering again) until a later leave finds it free to go. And before any
// of it, the leave checks that the voters that answer would make a majority without the node;
// if not, it is refused with nothing changed.

import {
  type Clock,
  type GroupId,
  type Logger,
  type LogIndex,
  MANAGEMENT_GROUP,
  type NodeId,
  RaftoralError,
  toError,
} from "../lib/index.ts";
import { encodeManagementCommand, type ManagementState } from "../management/index.ts";
import type { MultiRaftHost } from "../multiraft/index.ts";
import { jointVotersOf, majorityWithout, type RaftStatus } from "../raft/index.ts";
import type { LogStorage } from "../storage/index.ts";
import type { ClusterStatus, NodeProbe, TransportKind } from "../transport/index.ts";
import { probeNodes } from "./node-probe.ts";
import type { PeerClients } from "./peer-clients.ts";

/** What a leave asks of the multi-Raft host. */
export interface LeavingHost {
  groupIds(): GroupId[];
  inspect(groupId: GroupId): { status(): RaftStatus } | undefined;
  propose: MultiRaftHost["propose"];
}

export interface LeaveClusterOptions {
  readonly self: NodeId;
  readonly host: LeavingHost;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly proposalTimeoutMs: number;
  /** Whether this node is still in the management state (its removal not committed yet). */
  readonly isMember: () => boolean;
  /**
   * The cluster as the management leader sees it, asked of the other nodes (this node, out of
   * the management group, hears of no change any more); undefined if no leader answered.
   * Never rejects.
   */
  readonly leaderStatus: () => Promise<ClusterStatus | undefined>;
  /** Every node's health as this node reaches it now (node-probe.ts). Never rejects. */
  readonly probe: () => Promise<readonly NodeProbe[]>;
  /**
   * Marks the storage durably as a leaving node's (or no longer, with false), before the
   * removal is proposed: a node that stops once the removal is committed and before the leave
   * ends is then taken for gone on its next start, rather than registering again (rejoin.ts).
   */
  readonly markLeaving: (isLeaving: boolean) => Promise<void>;
}

const POLL_INTERVAL_MS = 250;
/**
 * How long a leaving node serves its groups until they replaced it, in proposal timeouts. Each
 * group adds a member, lets it catch up, promotes it and removes this node, one commit at a
 * time; under faults that takes a while, and stopping early may take away a vote a group
 * cannot do without.
 */
const SETTLE_PROPOSAL_TIMEOUTS = 6;
/** Each peer asked for the cluster status gets this long to answer. */
const STATUS_CALL_TIMEOUT_MS = 2_000;

/**
 * One node's way out of the cluster: commits its removal, then waits until its groups no
 * longer count on it. A run that fails leaves the node serving; running again carries on.
 */
export class ClusterLeave {
  /**
   * Each execution group's last index here when the leave began: a configuration reported at
   * an index past it is newer than this node's membership (as in replica-plan.ts).
   */
  private readonly heldAtLeave = new Map<GroupId, LogIndex>();
  /** The cluster's nodes as the management leader last listed them; unknown until it answers. */
  private clusterNodes: ReadonlySet<NodeId> | undefined;
  /** Each execution group's voters as the management leader last reported them. */
  private readonly reportedVoters = new Map<GroupId, readonly NodeId[]>();
  /** Voter failures the management group survives, as its leader answered at the last poll. */
  private managementFaultTolerance = 0;
  /**
   * The management group's voters in the configuration its leader applied, as it answered at
   * the last poll; undefined when it did not answer or did not say (an older version).
   */
  private managementVoters: ReadonlySet<NodeId> | undefined;

  constructor(private readonly options: LeaveClusterOptions) {
    for (const id of options.host.groupIds()) {
      const lastIndex = options.host.inspect(id)?.status().lastIndex;
      if (id !== MANAGEMENT_GROUP && lastIndex !== undefined) this.heldAtLeave.set(id, lastIndex);
    }
  }

  /**
   * Resolves once no group counts on this node, or once the bound passed and no group needs its
   * vote to commit (stopping then only costs them a spare voter). Rejects with UNAVAILABLE
   * while a group still cannot commit without this node: stopping would leave it stuck.
   */
  async run(): Promise<void> {
    const { self, host, clock, logger } = this.options;
    if (this.options.isMember()) {
      await this.untilOthersSuffice();
      await this.options.markLeaving(true);
      const removal = encodeManagementCommand({
        type: "removeNode",
        nodeId: self,
        reason: "the node left",
      });
      await host
        .propose(MANAGEMENT_GROUP, removal, { timeoutMs: this.options.proposalTimeoutMs })
        .catch(async (error: unknown) => {
          // A member still, told its leave failed: removed later for silence, it registers
          // again as any member does (a removal that commits after all is that window's price).
          if (this.options.isMember()) await this.options.markLeaving(false);
          throw error;
        });
      logger.info("Left the cluster", { node_id: self });
    }
    const deadline = clock.nowMs() + SETTLE_PROPOSAL_TIMEOUTS * this.options.proposalTimeoutMs;
    let waiting = [MANAGEMENT_GROUP, ...this.heldAtLeave.keys()];
    for (;;) {
      waiting = await this.groupsStillCounting(waiting);
      if (waiting.length === 0 || clock.nowMs() >= deadline) break;
      await new Promise<void>((resolve) => clock.setTimer(POLL_INTERVAL_MS, resolve));
    }
    const needingVote = await this.groupsNeedingVote([...new Set([MANAGEMENT_GROUP, ...waiting])]);
    if (needingVote.length > 0) {
      throw new RaftoralError(
        "UNAVAILABLE",
        `node ${self} is out of the cluster, but groups ${needingVote.join(", ")} cannot commit ` +
          "without its vote until they have replaced it; it keeps serving them: leave again later",
      );
    }
    if (waiting.length > 0) {
      logger.warn("Stopping before every group dropped this node from its configuration", {
        groups: waiting.join(" "),
      });
    }
  }

  /**
   * Before anything is proposed: waits (a proposal timeout at most) until, in every group
   * this node votes in, the other voters that answer make a majority, else refuses with
   * UNAVAILABLE and changes nothing. The leaders' view of who is alive trails a crash by up
   * to an election timeout, and a leave they judged safe then (two of five voters just
   * killed) took the management group's majority with it. A probe sees a dead process at once.
   */
  private async untilOthersSuffice(): Promise<void> {
    const { self, clock } = this.options;
    const deadline = clock.nowMs() + this.options.proposalTimeoutMs;
    for (;;) {
      const short = await this.groupsShortOfVoters();
      if (short.length === 0) return;
      if (clock.nowMs() >= deadline) {
        const groups = short.map(({ id, missing }) =>
          missing.length === 0 ? `${id} (no other member)` : `${id} (nodes ${missing.join(", ")})`,
        );
        throw new RaftoralError(
          "UNAVAILABLE",
          `node ${self} cannot leave now: in groups ${groups.join("; ")} the voters that ` +
            "answer, this node aside, are no majority of their voters now, or no learner " +
            "answers to take the place of this node as their only voter (the nodes named do " +
            "not answer), so without it those groups would have no failure to spare, or none " +
            "left. Nothing was changed and the node serves on: bring them back, or wait until " +
            "the cluster replaces them, then leave again",
        );
      }
      await new Promise<void>((resolve) => clock.setTimer(POLL_INTERVAL_MS, resolve));
    }
  }

  /** The groups whose voters that answer, this node aside, would make no majority. */
  private async groupsShortOfVoters(): Promise<{ id: GroupId; missing: NodeId[] }[]> {
    const { self, host } = this.options;
    const alive = new Set(
      (await this.options.probe())
        .filter((probe) => probe.status !== "unreachable" && probe.status !== "stopping")
        .map((probe) => probe.nodeId),
    );
    const short: { id: GroupId; missing: NodeId[] }[] = [];
    for (const id of [MANAGEMENT_GROUP, ...this.heldAtLeave.keys()]) {
      const conf = host.inspect(id)?.status().confState;
      if (conf === undefined) continue;
      const voters = jointVotersOf(conf);
      const all = new Set([...voters.incoming, ...voters.outgoing]);
      if (!all.has(self)) continue;
      if (all.size === 1) {
        // A sole voter hands its vote over in the leave itself, to a learner of the group
        // (group-membership-plan.ts): one must answer, or the hand-over never happens, and the
        // leave would end past its bound with the node out of the cluster but still the only
        // voter of its groups (a two-node cluster whose learner was down).
        // A group left with no learner at all (the cluster removed it as failed) has nobody
        // to hand the vote to either.
        const learners = [...conf.learners, ...conf.learnersNext];
        if (!learners.some((learner) => alive.has(learner))) short.push({ id, missing: learners });
        continue;
      }
      const missing = [...all].filter((voter) => voter !== self && !alive.has(voter));
      if (missing.length > 0 && !majorityWithout(voters, new Set([self, ...missing]))) {
        short.push({ id, missing });
      }
    }
    return short;
  }

  /**
   * The groups among `ids` that cannot commit without this node's vote once it stops. A voter
   * that does not answer a probe now casts no vote either: stopping past a group whose other
   * voters are down would leave it stuck until every one of them is back (or for good, if one
   * never is), where serving on lets it go on once a majority of them is.
   */
  private async groupsNeedingVote(ids: readonly GroupId[]): Promise<GroupId[]> {
    if (ids.length === 0) return [];
    const silent = new Set(
      (await this.options.probe())
        .filter((probe) => probe.status === "unreachable" || probe.status === "stopping")
        .map((probe) => probe.nodeId),
    );
    return ids.filter((id) => this.isVoteNeeded(id, silent));
  }

  /**
   * Whether the group's other voters alone make no majority. The latest configuration in this
   * replica's log counts: a change that drops this node, once here, was acknowledged by it. A
   * voter the cluster no longer lists casts no vote either: it left (or is leaving) too, and
   * two leaves that each count on the other's vote would take a group's majority with them.
   */
  private isVoteNeeded(id: GroupId, silent: ReadonlySet<NodeId> = new Set()): boolean {
    const conf = this.options.host.inspect(id)?.status().confState;
    if (conf === undefined) return false;
    // Its leader's live view: it survives the loss of any one voter, this node included if it
    // still counts. This node's own replica may never learn of the change that dropped it (a
    // leader sends nothing to a member it removed), and may still count voters long gone.
    if (id === MANAGEMENT_GROUP && this.managementFaultTolerance >= 1) return false;
    // Its leader committed a configuration without this node: no vote of it is needed there.
    // This replica cannot know (nothing is sent to a removed member), and its stale
    // configuration may still count voters that left meanwhile as needed ones: a leave
    // concurrent with another one, leaving two nodes, waited out its bound and failed.
    if (id === MANAGEMENT_GROUP && this.managementVoters?.has(this.options.self) === false) {
      return false;
    }
    let voters = jointVotersOf(conf);
    if (knowsNoConfiguration(conf)) {
      // A replica that has not caught up yet knows no configuration: the leader's report tells.
      const reported = this.reportedVoters.get(id);
      if (reported === undefined) return true;
      voters = { incoming: new Set(reported), outgoing: new Set() };
    }
    const all = [...voters.incoming, ...voters.outgoing];
    // A replica where this node does not vote (a learner, or one that saw its removal).
    if (!all.includes(this.options.self)) return false;
    const absent = new Set([this.options.self]);
    for (const voter of all) {
      if (this.clusterNodes !== undefined && !this.clusterNodes.has(voter)) absent.add(voter);
      if (silent.has(voter)) absent.add(voter);
    }
    return !majorityWithout(voters, absent);
  }

  /**
   * The groups among `ids` that may still need this node:
   * - the management group while this node is a voter that leads it (it makes the change
   *   that replaces it) or whose vote it needs; as one follower among 3+ voters it is spare.
   * - an execution group unless it is no longer hosted here, or the removal is applied here
   *   (as the leader of its own removal, this node proposed it and saw it committed), or the
   *   management leader no longer lists the group (it was destroyed), or lists a configuration
   *   without this node reported at an index past what this replica held at the leave. A leader
   *   never sends the entry that removes a follower to that follower, so a follower learns of
   *   its removal through the management state.
   */
  private async groupsStillCounting(ids: readonly GroupId[]): Promise<GroupId[]> {
    // Asked at every poll, before anything is judged: nodes leave and come back while a leave
    // waits, and a stale list would count votes that are gone (or miss voters that are back).
    const status = ids.length === 0 ? undefined : await this.options.leaderStatus();
    this.managementFaultTolerance = status?.managementFaultTolerance ?? 0;
    const managementVoterIds = status?.managementVoterIds ?? [];
    this.managementVoters = managementVoterIds.length > 0 ? new Set(managementVoterIds) : undefined;
    if (status !== undefined) {
      this.clusterNodes = new Set(status.nodes.map((node) => node.nodeId));
      for (const group of status.groups) this.reportedVoters.set(group.groupId, group.voters);
    }
    const counting = this.countingHere(ids);
    if (status === undefined) return counting;
    const { self } = this.options;
    return counting.filter((id) => {
      if (id === MANAGEMENT_GROUP) return true;
      const group = status.groups.find((candidate) => candidate.groupId === id);
      if (group === undefined) return false;
      const isNews = group.configIndex > (this.heldAtLeave.get(id) ?? 0);
      const isOut = !group.voters.includes(self) && !group.learners.includes(self);
      return !(isNews && isOut);
    });
  }

  /** The groups among `ids` that still count on this node as its own replicas see them. */
  private countingHere(ids: readonly GroupId[]): GroupId[] {
    const { host, self } = this.options;
    return ids.filter((id) => {
      const status = host.inspect(id)?.status();
      if (status === undefined) return false;
      const applied = status.appliedConfState;
      const isVoter = applied.voters.includes(self) || applied.votersOutgoing.includes(self);
      if (id === MANAGEMENT_GROUP)
        return isVoter && (status.role === "leader" || this.isVoteNeeded(id));
      // A replica created for this node that has not received the group's configuration yet
      // is hosted because the group counts it as a member.
      return isVoter || applied.learners.includes(self) || knowsNoConfiguration(applied);
    });
  }
}

/** A replica that holds no configuration: it was created empty and has not caught up. */
function knowsNoConfiguration(conf: RaftStatus["confState"]): boolean {
  return conf.voters.length === 0 && conf.votersOutgoing.length === 0 && conf.learners.length === 0;
}

/** The cluster status as the management leader answers it, asking the given nodes in turn. */
export async function askLeaderForStatus(options: {
  readonly clients: PeerClients;
  readonly kind: TransportKind;
  readonly addresses: readonly string[];
  readonly logger: Logger;
}): Promise<ClusterStatus | undefined> {
  for (const address of options.addresses) {
    try {
      const status = await options.clients.call(options.kind, address, (client) =>
        client.clusterStatus({ timeoutMs: STATUS_CALL_TIMEOUT_MS }),
      );
      if (status.nodeId === status.managementLeaderNodeId) return status;
    } catch (error) {
      // Handled: a node that does not answer is skipped; the next poll asks again.
      options.logger.debug("No cluster status from a peer", {
        address,
        error: toError(error).message,
      });
    }
  }
  return undefined;
}

/** A node's own leave: its parts, and how it reaches the other nodes of its cluster. */
export function nodeLeave(deps: {
  readonly self: NodeId;
  readonly host: LeavingHost;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly tuning: { readonly proposalTimeoutMs: number; readonly probeTimeoutMs: number };
  readonly state: () => ManagementState;
  readonly clients: PeerClients;
  readonly kind: TransportKind;
  readonly storage: IdentityStore;
}): ClusterLeave {
  const { self, clients, kind, logger, clock, tuning } = deps;
  const others = () =>
    [...deps.state().nodes.values()].filter((node) => node.id !== self).map((node) => node.address);
  return new ClusterLeave({
    self,
    host: deps.host,
    clock,
    logger,
    proposalTimeoutMs: tuning.proposalTimeoutMs,
    isMember: () => deps.state().nodes.has(self),
    leaderStatus: () => askLeaderForStatus({ clients, kind, addresses: others(), logger }),
    probe: () =>
      probeNodes({ state: deps.state(), kind, clients, clock, timeoutMs: tuning.probeTimeoutMs }),
    markLeaving: async (isLeaving) => {
      const stored = await deps.storage.loadIdentity();
      if (stored === undefined) return;
      const { isLeaving: _was, ...identity } = stored;
      await deps.storage.saveIdentity({ ...identity, ...(isLeaving ? { isLeaving } : {}) });
    },
  });
}

/** The part of a node's storage that holds its identity. */
export type IdentityStore = Pick<LogStorage, "loadIdentity" | "saveIdentity">;
