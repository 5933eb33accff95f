// The Raft state machine of one node in one group: roles, terms, elections and the common
// part of message handling. Role-specific handling lives in step-leader.ts and
// step-follower.ts, replication in replication.ts. Input is step()/tick()/propose(); output
// accumulates in `outbox` and `readStates`, collected by RawNode into a Ready.
// Pure: no I/O, no timers, no await.

import {
  assert,
  assertionFailed,
  type LogIndex,
  logIndex,
  NO_NODE,
  type NodeId,
  type Random,
  type Term,
  term as toTerm,
} from "../lib/index.ts";
import { encodeConfChange } from "./conf-change-codec.ts";
import { type RaftConfig, validateRaftConfig } from "./config.ts";
import { checkProposable } from "./membership.ts";
import type { RaftMessage, VoteRequest } from "./messages.ts";
import { type LogInitialState, RaftLog } from "./raft-log.ts";
import { ReadOnlyQueue } from "./read-only.ts";
import { broadcastAppend } from "./replication.ts";
import type { IncomingSnapshot } from "./snapshot-receiver.ts";
import { ProgressTracker } from "./tracker.ts";
import type { ConfChange, ConfState, Entry, EntryType, HardState } from "./types.ts";

export type Role = "follower" | "preCandidate" | "candidate" | "leader";

/** Why a leader (or a follower) refuses a proposal; the wire parser accepts exactly these. */
export const PROPOSAL_REFUSALS = [
  "not-leader",
  "transfer-in-progress",
  "uncommitted-limit",
  "conf-change-pending",
  "invalid-conf-change",
] as const;

export type ProposalRefusal = (typeof PROPOSAL_REFUSALS)[number];

export type ProposeResult =
  | { readonly accepted: true; readonly index: LogIndex; readonly term: Term }
  | {
      readonly accepted: false;
      readonly reason: ProposalRefusal;
      readonly leaderHint: NodeId;
      readonly detail: string;
    };

/** A linearizable read that may be served once `index` is applied (thesis 6.4). */
export interface ReadState {
  readonly index: LogIndex;
  readonly context: string;
}

export interface RaftInitialState {
  readonly hardState: HardState;
  /** Membership as of the snapshot (or empty for a new member); later changes come from the log. */
  readonly confState: ConfState;
  readonly log: Omit<LogInitialState, "confState">;
  /**
   * The last entry an earlier replica of this group on this node held, when it was deleted
   * (the node left the group) and this one starts empty. Raft assumes a server never loses
   * its log: a member removed long ago, still counting this node in an old configuration,
   * must not win its vote just because the new replica is empty. Votes go only to candidates
   * at least this up to date, until the replica's own log gets there.
   */
  readonly voteFloor?: { readonly index: LogIndex; readonly term: Term };
  /**
   * Ticks the host counted before this replica started (0 by default). A leader heartbeats
   * in the ticks that are multiples of heartbeatTicks, so the groups of one host, started
   * from its count, heartbeat in the same ticks and their heartbeats to a peer leave in one
   * batch instead of one per phase. Not persisted: only the phase depends on it.
   */
  readonly ticks?: number;
}

/** Bugs a test can plant to prove the simulator catches them; never set in production. */
export interface RaftMutations {
  /** Grant votes without the §5.4.1 up-to-date check. */
  readonly skipVoteLogCheck?: boolean;
}

export class Raft {
  readonly id: NodeId;
  readonly config: RaftConfig;
  readonly log: RaftLog;
  readonly tracker: ProgressTracker;
  readonly readOnly = new ReadOnlyQueue();
  readonly mutations: RaftMutations;
  term: Term;
  vote: NodeId;
  leaderId: NodeId = NO_NODE;
  /**
   * The highest commit index a leader has told this replica of (an append's leaderCommit, a
   * snapshot's index, a heartbeat's marked whole), entries it holds or not: how far the group
   * is ahead of this replica.
   */
  heardCommit: LogIndex = logIndex(0);
  /** Whether a leader has told this replica how far the group committed (see heardCommit). */
  hasHeardCommit = false;
  /** Ticks this follower has known a leader without hasHeardCommit (UNHEARD_ELECTION_TIMEOUTS). */
  ticksUnheard = 0;
  role: Role = "follower";
  outbox: RaftMessage[] = [];
  readStates: ReadState[] = [];
  /** See RaftInitialState.voteFloor. */
  private readonly voteFloor: RaftInitialState["voteFloor"];
  /** Ticks since the last valid leader contact (follower) or the last quorum check window. */
  electionElapsed = 0;
  randomizedElectionTimeout = 0;
  /**
   * Ticks counted on the host's clock (see RaftInitialState.ticks); used to know when
   * followers were last heard from, and a leader heartbeats at every multiple of heartbeatTicks.
   */
  tickCount: number;
  leadTransferee: NodeId = NO_NODE;
  /** No new ConfChange may be proposed until this index is applied (thesis 4.1). */
  pendingConfIndex: LogIndex = logIndex(0);
  uncommittedBytes = 0;
  /** Reads that arrived before this leader committed an entry of its own term. */
  readsAwaitingCommit: { context: string; requester: NodeId }[] = [];
  /** A snapshot being received from the leader, chunk by chunk. */
  incomingSnapshot: IncomingSnapshot | undefined;
  /** The MembershipHistory version the tracker was last synced with. */
  private membershipVersion: number;
  /** Set when new entries should go out to followers in the next Ready. */
  isBroadcastPending = false;
  private readonly random: Random;

  constructor(options: {
    config: RaftConfig;
    random: Random;
    initial: RaftInitialState;
    mutations?: RaftMutations;
  }) {
    validateRaftConfig(options.config);
    this.id = options.config.id;
    this.config = options.config;
    this.random = options.random;
    this.mutations = options.mutations ?? {};
    this.tickCount = options.initial.ticks ?? 0;
    this.log = new RaftLog({ ...options.initial.log, confState: options.initial.confState });
    this.term = options.initial.hardState.term;
    this.vote = options.initial.hardState.vote;
    this.tracker = new ProgressTracker(this.log.membership.latest(), {
      inflightAppendsMax: this.config.inflightAppendsMax,
      inflightBytesMax: this.config.inflightBytesMax,
    });
    this.tracker.setMembership(this.tracker.membership, this.nextIndex(), this.tickCount);
    this.membershipVersion = this.log.membership.version;
    this.voteFloor = options.initial.voteFloor;
    this.becomeFollower(this.term, NO_NODE);
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.commit };
  }

  nextIndex(): LogIndex {
    return logIndex(this.log.lastIndex() + 1);
  }

  /**
   * Whether this node may campaign: it votes in its latest configuration, or that
   * configuration is not committed yet and it voted in the committed one. The second case
   * matters when a leader removed itself and lost leadership before the removal committed:
   * only it may hold the change, and the others cannot win without its vote. Campaigning
   * is safe for any node, since a candidate needs a quorum of its latest configuration.
   */
  isPromotable(): boolean {
    if (this.log.pendingSnapshot !== undefined) return false;
    if (this.tracker.isVoter(this.id)) return true;
    if (this.log.commit >= this.log.membership.latestChangeIndex()) return false;
    const committed = this.log.membershipAt(this.log.commit).voters;
    return committed.incoming.has(this.id) || committed.outgoing.has(this.id);
  }

  send(message: RaftMessage): void {
    if (message.to === this.id || message.to === NO_NODE) {
      assertionFailed(`raft ${this.id}: message for ${message.to}, itself or nobody`);
    }
    this.outbox.push(message);
  }

  // ---- roles ---------------------------------------------------------------------------

  private reset(term: Term): void {
    if (this.term !== term) {
      this.term = term;
      this.vote = NO_NODE;
    }
    this.leaderId = NO_NODE;
    this.electionElapsed = 0;
    this.randomizedElectionTimeout =
      this.config.electionTicks + this.random.int(0, this.config.electionTicks);
    this.leadTransferee = NO_NODE;
    this.tracker.resetVotes();
    this.tracker.resetProgress(this.nextIndex(), this.tickCount);
    const self = this.tracker.progress.get(this.id);
    if (self !== undefined) self.match = this.log.stableIndex;
    this.pendingConfIndex = logIndex(0);
    this.uncommittedBytes = 0;
    this.readOnly.clear();
    this.readsAwaitingCommit = [];
    this.isBroadcastPending = false;
  }

  becomeFollower(term: Term, leaderId: NodeId): void {
    this.reset(term);
    this.role = "follower";
    this.leaderId = leaderId;
  }

  /** Thesis 9.6: a pre-candidate changes neither its term nor its vote. */
  private becomePreCandidate(): void {
    assert(this.role !== "leader", "raft: leader cannot become pre-candidate");
    this.tracker.resetVotes();
    this.role = "preCandidate";
    this.leaderId = NO_NODE;
  }

  /** §5.2: increment the term and vote for ourselves. */
  becomeCandidate(): void {
    assert(this.role !== "leader", "raft: leader cannot become candidate");
    this.reset(toTerm(this.term + 1));
    this.vote = this.id;
    this.role = "candidate";
  }

  becomeLeader(): void {
    assert(this.role === "candidate", "raft: only a candidate can become leader");
    this.reset(this.term);
    this.role = "leader";
    this.leaderId = this.id;
    this.tracker.progress.get(this.id)?.becomeReplicate();
    // §5.4.2 / thesis 3.6.2: commit a no-op of our term so earlier entries commit with it.
    const isAppended = this.appendEntries([{ type: "normal", data: new Uint8Array() }]);
    assert(isAppended, "raft: a new leader could not append its no-op");
    // Thesis 4.1 (and Ongaro's 2015 correction): no ConfChange until an entry of this term,
    // the no-op, is committed and applied; otherwise two configurations can both decide.
    this.pendingConfIndex = this.log.lastIndex();
  }

  // ---- elections -----------------------------------------------------------------------

  /** Starts an election if allowed (§5.2), with a pre-vote round first (thesis 9.6). */
  campaign(isLeaderTransfer: boolean): void {
    if (this.role === "leader" || !this.isPromotable()) return;
    if (this.config.preVote && !isLeaderTransfer) this.startElection("RequestPreVote", false);
    else this.startElection("RequestVote", isLeaderTransfer);
  }

  private startElection(type: VoteRequest["type"], isLeaderTransfer: boolean): void {
    let voteTerm: Term;
    if (type === "RequestPreVote") {
      this.becomePreCandidate();
      voteTerm = toTerm(this.term + 1);
    } else {
      this.becomeCandidate();
      voteTerm = this.term;
    }
    if (this.tracker.recordVote(this.id, true) === "won") {
      this.onElectionWon();
      return;
    }
    const lastLogIndex = this.log.lastIndex();
    const lastLogTerm = this.log.lastTerm();
    for (const id of [...this.tracker.progress.keys()].sort((a, b) => a - b)) {
      if (id === this.id || !this.tracker.isVoter(id)) continue;
      this.send({
        type,
        from: this.id,
        to: id,
        term: voteTerm,
        lastLogIndex,
        lastLogTerm,
        isLeaderTransfer,
      });
    }
  }

  onElectionWon(): void {
    if (this.role === "preCandidate") this.startElection("RequestVote", false);
    else this.becomeLeader();
  }

  /** §5.2, §5.4.1 and thesis 9.6: decide whether to grant a (pre-)vote. */
  handleVoteRequest(message: VoteRequest): void {
    const isPreVote = message.type === "RequestPreVote";
    const canVote =
      this.vote === message.from ||
      (this.vote === NO_NODE && this.leaderId === NO_NODE) ||
      (isPreVote && message.term > this.term);
    const isUpToDate =
      this.mutations.skipVoteLogCheck === true ||
      (this.log.isUpToDate(message.lastLogIndex, message.lastLogTerm) &&
        isAtLeast(message.lastLogIndex, message.lastLogTerm, this.voteFloor));
    const type = isPreVote ? "RequestPreVoteResponse" : "RequestVoteResponse";
    if (canVote && isUpToDate) {
      // A granted pre-vote carries the term asked for, so the pre-candidate counts it.
      this.send({ type, from: this.id, to: message.from, term: message.term, voteGranted: true });
      if (!isPreVote) {
        this.electionElapsed = 0;
        this.vote = message.from;
      }
    } else {
      this.send({ type, from: this.id, to: message.from, term: this.term, voteGranted: false });
    }
  }

  /**
   * The log a candidate must be at least as up to date as to get this replica's vote: its own
   * last entry, or the floor it inherited if that is later. A deleted replica's tombstone
   * keeps this, so a replica created, deleted again before it caught up, and created once
   * more still remembers what the first one held.
   */
  voteFloorNow(): { readonly index: LogIndex; readonly term: Term } {
    const own = { index: this.log.lastIndex(), term: this.log.lastTerm() };
    const floor = this.voteFloor;
    return floor === undefined || isAtLeast(own.index, own.term, floor) ? own : floor;
  }

  /** Whether a vote request must be ignored because we heard from a live leader (thesis 4.2.3). */
  isInLease(message: VoteRequest): boolean {
    return (
      this.config.checkQuorum &&
      !message.isLeaderTransfer &&
      this.leaderId !== NO_NODE &&
      this.electionElapsed < this.config.electionTicks
    );
  }

  // ---- proposals -----------------------------------------------------------------------

  /** Appends entries as leader; false when the uncommitted-bytes limit refuses them. */
  appendEntries(items: readonly { type: EntryType; data: Uint8Array }[]): boolean {
    const first = this.log.lastIndex() + 1;
    const entries: Entry[] = items.map((item, k) => ({
      term: this.term,
      index: logIndex(first + k),
      type: item.type,
      data: item.data,
    }));
    const bytes = entries.reduce((sum, entry) => sum + entry.data.byteLength, 0);
    if (bytes > 0 && this.uncommittedBytes + bytes > this.config.uncommittedBytesMax) return false;
    this.uncommittedBytes += bytes;
    // A configuration change takes effect once appended and may drop a peer from the tracker.
    // A commit notice held back for the next Ready (RawNode.ready) leaves first, or that peer
    // would never hear of the commit (it may be its own request to leave).
    if (this.isBroadcastPending && entries.some((entry) => entry.type === "confChange")) {
      broadcastAppend(this);
    }
    this.log.append(entries);
    this.syncMembership();
    // The leader counts these entries for itself once its host persisted them
    // (selfPersisted): a commit they carried could otherwise reach a learner or follower
    // before the leader's write, and be lost with it (thesis 10.2.1; see docs/raft.md).
    this.isBroadcastPending = true;
    return true;
  }

  refusal(reason: ProposalRefusal, detail: string): ProposeResult {
    const leaderHint = reason === "transfer-in-progress" ? this.leadTransferee : this.leaderId;
    return { accepted: false, reason, leaderHint, detail };
  }

  propose(type: EntryType, data: Uint8Array): ProposeResult {
    if (this.role !== "leader") return this.refusal("not-leader", "this node is not the leader");
    if (this.leadTransferee !== NO_NODE) {
      return this.refusal("transfer-in-progress", "leadership is being transferred");
    }
    if (!this.appendEntries([{ type, data }])) {
      return this.refusal("uncommitted-limit", "too many uncommitted bytes; retry later");
    }
    return { accepted: true, index: this.log.lastIndex(), term: this.term };
  }

  proposeConfChange(change: ConfChange, data: Uint8Array): ProposeResult {
    if (this.role === "leader" && this.pendingConfIndex > this.log.applied) {
      return this.refusal("conf-change-pending", "a configuration change is still in progress");
    }
    const problem = checkProposable(this.tracker.membership, change);
    if (problem !== undefined) return this.refusal("invalid-conf-change", problem);
    const result = this.propose("confChange", data);
    if (result.accepted) this.pendingConfIndex = result.index;
    return result;
  }

  /**
   * The host persisted this leader's log through `log.stableIndex`: count it for itself, and
   * tell the others of a commit that follows (a single voter's own entries commit here).
   * Returns whether the commit index moved.
   */
  selfPersisted(): boolean {
    const self = this.tracker.progress.get(this.id);
    if (this.role !== "leader" || self === undefined) return false;
    self.maybeUpdate(this.log.stableIndex);
    if (!this.maybeCommit()) return false;
    this.isBroadcastPending = true;
    return true;
  }

  /** §5.4.2: commit by counting replicas only for an entry of the current term. */
  maybeCommit(): boolean {
    const candidate = this.tracker.committedIndex();
    if (!Number.isFinite(candidate) || candidate <= this.log.commit) return false;
    if (this.log.term(candidate) !== this.term) return false;
    this.log.commitTo(logIndex(candidate));
    return true;
  }

  // ---- applying ------------------------------------------------------------------------

  /** The host applied these committed entries: release limits, maybe leave joint. */
  appliedEntries(entries: readonly Entry[]): void {
    for (const entry of entries) {
      this.log.appliedTo(entry.index);
      if (this.role === "leader") {
        this.uncommittedBytes = Math.max(0, this.uncommittedBytes - entry.data.byteLength);
      }
    }
    this.maybeAutoLeaveJoint();
  }

  /**
   * Thesis 4.1: a configuration takes effect as soon as its entry is in the log, and is
   * undone if the entry is truncated. Called after every change to the log.
   */
  syncMembership(): void {
    if (this.membershipVersion === this.log.membership.version) return;
    this.membershipVersion = this.log.membership.version;
    this.tracker.setMembership(this.log.membership.latest(), this.nextIndex(), this.tickCount);
    if (this.role !== "leader") return;
    if (this.leadTransferee !== NO_NODE && !this.tracker.isVoter(this.leadTransferee)) {
      this.leadTransferee = NO_NODE;
    }
    const self = this.tracker.progress.get(this.id);
    if (self !== undefined) self.match = this.log.stableIndex;
    this.isBroadcastPending = true;
  }

  /** etcd's auto-leave: once the joint configuration is applied, the leader leaves it. */
  private maybeAutoLeaveJoint(): void {
    const { membership } = this.tracker;
    if (this.role !== "leader" || !membership.autoLeave) return;
    if (this.log.applied < this.pendingConfIndex) return;
    this.proposeAutoLeave();
  }

  private proposeAutoLeave(): void {
    const leave: ConfChange = { transition: "auto", changes: [], context: new Uint8Array() };
    const result = this.proposeConfChange(leave, encodeConfChange(leave));
    assert(result.accepted || result.reason !== "invalid-conf-change", "raft: auto-leave refused");
  }
}

/** §5.4.1's comparison against a vote floor: later term, or same term and as long. */
function isAtLeast(index: LogIndex, term: Term, floor: RaftInitialState["voteFloor"]): boolean {
  return floor === undefined || term > floor.term || (term === floor.term && index >= floor.index);
}
