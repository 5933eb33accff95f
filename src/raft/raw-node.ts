// The interface a host drives: tick/step/propose in, Ready batches out (etcd's RawNode).
//
// Ready contract (docs/raft.md, "The Ready contract"): for each Ready the host
//   1. persists hardState, snapshot and entries (fsync when mustSync),
//   2. sends messages,
//   3. applies the snapshot, then committedEntries, in order,
//   4. calls advance(ready).
// A leader may do 1 and 2 in parallel for messages where leavesBeforePersist() holds.
// Pure: no I/O, no timers, no await.

import {
  assert,
  assertionFailed,
  type LogIndex,
  NO_NODE,
  type NodeId,
  type Random,
  type Term,
  term,
} from "../lib/index.ts";
import { encodeConfChange } from "./conf-change-codec.ts";
import type { RaftConfig } from "./config.ts";
import { confStateOf } from "./membership.ts";
import { canSendBeforePersist, type RaftMessage } from "./messages.ts";
import {
  type ProposeResult,
  Raft,
  type RaftInitialState,
  type RaftMutations,
  type ReadState,
  type Role,
} from "./raft.ts";
import { broadcastAppend, isCommitNoticeOnly, sendHeartbeat } from "./replication.ts";
import { step, tick } from "./step.ts";
import {
  maybeStepDownAfterRemoval,
  releaseReadsAwaitingCommit,
  requestRead,
  transferLeadership,
} from "./step-leader.ts";
import type { ConfChange, ConfState, Entry, HardState, Snapshot } from "./types.ts";

export interface SoftState {
  readonly leaderId: NodeId;
  readonly role: Role;
}

export interface Ready {
  /** Set when the role or known leader changed. Not persisted. */
  readonly softState?: SoftState;
  /** Set when term, vote or commit changed: persist it. */
  readonly hardState?: HardState;
  /** A snapshot received from the leader: persist it (it replaces the log), then restore from it. */
  readonly snapshot?: Snapshot;
  /** Entries to append to stable storage, replacing any stored from entries[0].index on. */
  readonly entries: readonly Entry[];
  /** Entries to apply, in order, after the snapshot if any. */
  readonly committedEntries: readonly Entry[];
  /** Messages to send once the writes above are durable. */
  readonly messages: readonly RaftMessage[];
  /** Reads that may be served once the given index is applied. */
  readonly readStates: readonly ReadState[];
  /** Whether the writes must be fsynced before messages leave (§5.2, §5.3). */
  readonly mustSync: boolean;
  /** Whether `hardState` holds a term or vote not yet on disk: every message waits for it. */
  readonly isTermOrVoteNew: boolean;
}

/**
 * Whether `message` may leave while `ready`'s writes are in flight (thesis 10.2.1): a
 * leader's replication traffic may, unless the same Ready takes a new term or vote. A sole
 * voter elects itself and appends in one Ready; had its entries reached a learner before the
 * term was on disk, a crash there would let the restarted node win the same term again and
 * append other entries at the same indexes, which the learner would take for the ones it has.
 */
export function leavesBeforePersist(ready: Ready, message: RaftMessage): boolean {
  return !ready.isTermOrVoteNew && canSendBeforePersist(message);
}

export type ReadRequestResult =
  | { readonly accepted: true }
  | { readonly accepted: false; readonly reason: "no-leader" };

export interface RaftStatus {
  readonly id: NodeId;
  readonly term: Term;
  readonly vote: NodeId;
  readonly role: Role;
  readonly leaderId: NodeId;
  readonly commit: LogIndex;
  readonly applied: LogIndex;
  readonly lastIndex: LogIndex;
  /** The configuration in effect: the latest in the log, committed or not (thesis 4.1). */
  readonly confState: ConfState;
  /** The configuration as of the applied index: what the application has seen committed. */
  readonly appliedConfState: ConfState;
  readonly leadTransferee: NodeId;
  /**
   * Ticks since this node last heard from its leader (0 on the leader itself). Also reset
   * when it grants a vote or starts an election. A follower removed from the group keeps a
   * stale leaderId; this count is how it can tell that nobody talks to it any more.
   */
  readonly ticksSinceLeaderContact: number;
}

export class RawNode {
  private readonly raft: Raft;
  private previousSoft: SoftState;
  private previousHard: HardState;
  private outstanding: Ready | undefined;
  /** The last Ready held the commit notices back; this one sends them (isCommitNoticeOnly). */
  private isNoticeHeld = false;

  constructor(options: {
    config: RaftConfig;
    random: Random;
    initial: RaftInitialState;
    mutations?: RaftMutations;
  }) {
    this.raft = new Raft(options);
    this.previousSoft = this.softState();
    this.previousHard = options.initial.hardState;
  }

  tick(): void {
    tick(this.raft);
  }

  step(message: RaftMessage): void {
    if (message.to !== this.raft.id) {
      assertionFailed(`raw node ${this.raft.id}: message for ${message.to}`);
    }
    step(this.raft, message);
    maybeStepDownAfterRemoval(this.raft);
  }

  /** Starts an election now (used by tests and single-node bootstrap). */
  campaign(): void {
    this.raft.campaign(false);
  }

  propose(data: Uint8Array): ProposeResult {
    return this.raft.propose("normal", data);
  }

  proposeConfChange(change: ConfChange): ProposeResult {
    return this.raft.proposeConfChange(change, encodeConfChange(change));
  }

  /** Thesis 3.10: hand leadership to `transferee` (forwarded to the leader if we are not it). */
  transferLeader(transferee: NodeId): void {
    const r = this.raft;
    if (r.role === "leader") {
      transferLeadership(r, transferee);
    } else if (r.leaderId !== 0) {
      r.send({ type: "TransferLeader", from: r.id, to: r.leaderId, term: term(0), transferee });
    }
  }

  /** Thesis 6.4: asks for a linearizable read; the answer arrives as a ReadState. */
  readIndex(context: string): ReadRequestResult {
    const r = this.raft;
    if (r.role === "leader") {
      requestRead(r, context, r.id);
      return { accepted: true };
    }
    if (r.leaderId === 0) return { accepted: false, reason: "no-leader" };
    r.send({ type: "ReadIndex", from: r.id, to: r.leaderId, term: term(0), context });
    return { accepted: true };
  }

  /**
   * Operator recovery of a group that lost its majority for good, deliberately outside Raft's
   * rules (as etcd's --force-new-cluster): this replica becomes leader of a new term without
   * votes and appends a forced configuration in which it is the only voter, which commits at
   * once, and with it every entry of its log, committed before or not. Entries that only the
   * lost voters held are gone. The caller must be sure they never come back with their logs.
   */
  forceSoleVoter(): { readonly ok: true } | { readonly ok: false; readonly reason: string } {
    const r = this.raft;
    if (r.role === "leader") return { ok: false, reason: "this replica leads the group already" };
    if (!r.tracker.progress.has(r.id)) {
      return { ok: false, reason: "this replica is not a member of the group's configuration" };
    }
    if (r.log.pendingSnapshot !== undefined || r.incomingSnapshot !== undefined) {
      return { ok: false, reason: "this replica is receiving a snapshot; try again shortly" };
    }
    const change: ConfChange = {
      transition: "force",
      changes: [{ type: "addVoter", nodeId: r.id }],
      context: new Uint8Array(),
    };
    if (r.role !== "follower") r.becomeFollower(r.term, NO_NODE);
    r.becomeCandidate();
    r.becomeLeader();
    const isAppended = r.appendEntries([{ type: "confChange", data: encodeConfChange(change) }]);
    assert(isAppended, "raw node: a forced configuration could not be appended");
    r.pendingConfIndex = r.log.lastIndex();
    assert(r.tracker.isSingleton(r.id), "raw node: a forced configuration left other voters");
    return { ok: true };
  }

  /** The transport could not reach `id`: stop streaming to it until it answers again. */
  reportUnreachable(id: NodeId): void {
    const progress = this.raft.tracker.progress.get(id);
    if (this.raft.role !== "leader" || progress === undefined) return;
    if (progress.state === "replicate" || progress.state === "snapshot") progress.becomeProbe();
  }

  /**
   * A leader heartbeats `id` now, out of its tick's rhythm: a member that just came back learns
   * who leads at once, not at the next heartbeat. Like any heartbeat it carries the newest
   * pending read's context, and its answer counts for that read only because it was sent after
   * the read began. Nothing when this replica does not lead or `id` is not a member.
   */
  heartbeatTo(id: NodeId): void {
    const r = this.raft;
    if (r.role !== "leader" || id === r.id) return;
    sendHeartbeat(r, id, r.readOnly.lastContext());
  }

  /** Records a snapshot of the application state at the applied index (§7). */
  createSnapshot(data: Uint8Array): Snapshot {
    const r = this.raft;
    const index = r.log.applied;
    const term = r.log.term(index);
    assert(term !== undefined, `raw node: no term for applied index ${index}`);
    const snapshot: Snapshot = {
      metadata: { index, term, confState: confStateOf(r.log.membershipAt(index)) },
      data,
    };
    r.log.setLatestSnapshot(snapshot);
    return snapshot;
  }

  /** Discards log entries up to `index`, which the latest snapshot must cover (§7). */
  compact(index: LogIndex): void {
    this.raft.log.compact(index);
  }

  status(): RaftStatus {
    const r = this.raft;
    return {
      id: r.id,
      term: r.term,
      vote: r.vote,
      role: r.role,
      leaderId: r.leaderId,
      commit: r.log.commit,
      applied: r.log.applied,
      lastIndex: r.log.lastIndex(),
      confState: confStateOf(r.tracker.membership),
      // While a received snapshot waits to be applied, its configuration is the one to report.
      appliedConfState: confStateOf(
        r.log.membershipAt(Math.max(r.log.applied, r.log.firstIndex() - 1)),
      ),
      leadTransferee: r.leadTransferee,
      ticksSinceLeaderContact: r.role === "leader" ? 0 : r.electionElapsed,
    };
  }

  /** The last applied index; cheaper than status() for checks in every turn. */
  appliedIndex(): LogIndex {
    return this.raft.log.applied;
  }

  /**
   * Committed entries this replica has yet to apply, counting those a leader told it are
   * committed but it does not hold yet (Raft.heardCommit); cheaper than status().
   */
  unappliedCommits(): number {
    const r = this.raft;
    return Math.max(r.log.commit, r.heardCommit) - r.log.applied;
  }

  /**
   * Whether this replica knows how far its group has committed: it leads, or a leader told it
   * (an append, a snapshot, or a heartbeat to a follower that holds the whole commit). Until
   * then, as after a restart, unappliedCommits() counts only its own log.
   */
  hasHeardGroupCommit(): boolean {
    return this.raft.role === "leader" || this.raft.hasHeardCommit;
  }

  /** The leader this replica knows of (NO_NODE if none); cheaper than status(). */
  leaderId(): NodeId {
    return this.raft.leaderId;
  }

  /** Whether this replica leads, or heard its leader within an election timeout. */
  hearsLeader(): boolean {
    const r = this.raft;
    return r.leaderId !== NO_NODE && r.electionElapsed < r.config.electionTicks;
  }

  /** The current term; cheaper than status() for checks on every message. */
  currentTerm(): Term {
    return this.raft.term;
  }

  /**
   * Whether `id` is a voter (incoming or outgoing) or learner of the configuration in effect
   * (the latest in the log). Cheaper than status() for checks on every message.
   */
  isMember(id: NodeId): boolean {
    const membership = this.raft.log.membership.latest();
    return (
      membership.voters.incoming.has(id) ||
      membership.voters.outgoing.has(id) ||
      membership.learners.has(id) ||
      membership.learnersNext.has(id)
    );
  }

  /** As leader: how far `id`'s log is known to match ours (undefined if not a member). */
  matchOf(id: NodeId): LogIndex | undefined {
    if (this.raft.role !== "leader") return undefined;
    return this.raft.tracker.progress.get(id)?.match;
  }

  /**
   * As leader: whether `id` answered within the last election timeout (the liveness that
   * check-quorum uses). A new leader counts everyone as active for its first timeout.
   */
  isRecentlyActive(id: NodeId): boolean {
    const r = this.raft;
    if (r.role !== "leader") return false;
    if (id === r.id) return true;
    const progress = r.tracker.progress.get(id);
    return progress !== undefined && r.tickCount - progress.lastActiveTick < r.config.electionTicks;
  }

  /**
   * As leader: whether `id` answered it within the last election timeout. Unlike
   * isRecentlyActive, a voter this leader has not heard from yet does not count, so a new
   * leader does not report voters that are gone as healthy.
   */
  hasAnsweredRecently(id: NodeId): boolean {
    if (id === this.raft.id) return this.raft.role === "leader";
    const progress = this.raft.tracker.progress.get(id);
    return this.isRecentlyActive(id) && progress?.hasAnswered === true;
  }

  /** Whether a membership change is still in flight (joint, or not yet applied). */
  isChangingMembership(): boolean {
    const r = this.raft;
    return r.tracker.membership.voters.outgoing.size > 0 || r.pendingConfIndex > r.log.applied;
  }

  /** See Raft.voteFloorNow: what a tombstone of this replica must keep. */
  voteFloor(): { readonly index: LogIndex; readonly term: Term } {
    return this.raft.voteFloorNow();
  }

  /** The term of the entry at `index`, if the log still holds it. */
  termAt(index: LogIndex): Term | undefined {
    return this.raft.log.term(index);
  }

  hasReady(): boolean {
    const r = this.raft;
    if (r.isBroadcastPending || r.outbox.length > 0 || r.readStates.length > 0) return true;
    if (r.log.pendingSnapshot !== undefined || r.log.lastIndex() > r.log.stableIndex) return true;
    if (r.log.applied < r.log.commit) return true;
    // Asked of every group in every turn: compare fields rather than build the states.
    const soft = this.previousSoft;
    const hard = this.previousHard;
    if (r.leaderId !== soft.leaderId || r.role !== soft.role) return true;
    return r.term !== hard.term || r.vote !== hard.vote || r.log.commit !== hard.commit;
  }

  ready(): Ready {
    assert(this.outstanding === undefined, "raw node: ready() again before advance()");
    const r = this.raft;
    // A turn whose broadcast would only tell the commit holds it for one Ready: the answer to
    // a proposal often makes the next proposal by then, and its append carries the commit.
    if (r.isBroadcastPending && !this.isNoticeHeld && isCommitNoticeOnly(r)) {
      this.isNoticeHeld = true;
    } else {
      if (r.isBroadcastPending && r.role === "leader") broadcastAppend(r);
      r.isBroadcastPending = false;
      this.isNoticeHeld = false;
    }
    const soft = this.softState();
    const hard = r.hardState();
    const entries = r.log.unstableEntries();
    const snapshot = r.log.pendingSnapshot;
    const isHardChanged = !sameHard(hard, this.previousHard);
    const isTermOrVoteNew =
      hard.term !== this.previousHard.term || hard.vote !== this.previousHard.vote;
    const ready: Ready = {
      ...(sameSoft(soft, this.previousSoft) ? {} : { softState: soft }),
      ...(isHardChanged ? { hardState: hard } : {}),
      ...(snapshot === undefined ? {} : { snapshot }),
      entries,
      committedEntries: r.log.nextCommittedEntries(
        r.config.committedBytesPerReadyMax,
        r.config.committedEntriesPerReadyMax,
      ),
      messages: r.outbox,
      readStates: r.readStates,
      mustSync: entries.length > 0 || snapshot !== undefined || isTermOrVoteNew,
      isTermOrVoteNew,
    };
    r.outbox = [];
    r.readStates = [];
    this.outstanding = ready;
    return ready;
  }

  /** The host finished everything in `ready` (persisted, sent, applied). */
  advance(ready: Ready): void {
    assert(this.outstanding === ready, "raw node: advance() with a Ready it did not hand out");
    this.outstanding = undefined;
    const r = this.raft;
    if (ready.softState !== undefined) this.previousSoft = ready.softState;
    if (ready.hardState !== undefined) this.previousHard = ready.hardState;
    if (ready.snapshot !== undefined) r.log.snapshotApplied(ready.snapshot.metadata.index);
    const lastEntry = ready.entries.at(-1);
    if (lastEntry !== undefined) {
      r.log.stableTo(lastEntry.index, lastEntry.term);
      if (r.selfPersisted()) releaseReadsAwaitingCommit(r);
    }
    r.appliedEntries(ready.committedEntries);
    maybeStepDownAfterRemoval(r);
  }

  /** Checks every internal invariant; O(n). Called by tests and the simulator. */
  checkInvariants(): void {
    this.raft.log.checkInvariants();
    this.raft.tracker.checkInvariants();
  }

  private softState(): SoftState {
    return { leaderId: this.raft.leaderId, role: this.raft.role };
  }
}

function sameSoft(a: SoftState, b: SoftState): boolean {
  return a.leaderId === b.leaderId && a.role === b.role;
}

function sameHard(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}
