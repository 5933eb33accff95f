// One Raft group on this node: its RawNode, its state machine, and the callers waiting on
// it. The host's loop calls into it in a fixed order each turn; nothing here does I/O.

import { type GroupId, type Logger, NO_NODE, type NodeId } from "../lib/index.ts";
import {
  decodeConfChange,
  type Entry,
  type RawNode,
  type Ready,
  type Role,
} from "../raft/index.ts";
import type { GroupWrite } from "../storage/index.ts";
import { decodeEnvelope } from "./command-envelope.ts";
import { DedupeTable } from "./dedupe-table.ts";
import { ApplyError, proposalDropped, proposalTimedOut } from "./errors.ts";
import { decodeGroupSnapshot, encodeGroupSnapshot } from "./group-snapshot.ts";
import type { AppliedOutcome, PendingProposal, PendingRead } from "./pending.ts";
import { RecentOutcomes } from "./recent-outcomes.ts";
import { type SnapshotLimits, type SnapshotMark, SnapshotPolicy } from "./snapshot-policy.ts";
import type { StateMachine } from "./state-machine.ts";

/** Who this node is as an origin of commands (see command-envelope.ts). */
export interface Origin {
  readonly nodeId: NodeId;
  readonly incarnation: number;
  /** One of our own commands was applied (or skipped as a duplicate: `isDuplicate`). */
  readonly onApplied: (proposalId: number, outcome: AppliedOutcome) => void;
}

export class HostedGroup {
  readonly id: GroupId;
  readonly raw: RawNode;
  readonly stateMachine: StateMachine;
  role: Role = "follower";
  leaderId: NodeId = NO_NODE;
  /** The term of the leader noteLeaderTerm() last recorded. */
  private leaderTerm = 0;
  /** Accepted proposals by log index. */
  readonly accepted = new Map<number, PendingProposal>();
  /** Proposals waiting for a leader to be known. */
  waiting: PendingProposal[] = [];
  readonly reads = new Map<string, PendingRead>();
  /** Reads not yet sent as ReadIndex (no leader known, or lost and due for a retry). */
  readsToSend: PendingRead[] = [];
  /** The outcomes of the last entries applied (recentAppliedMax of them), by index. */
  private readonly recentApplied: RecentOutcomes<AppliedOutcome>;
  private dedupe = new DedupeTable();
  private readonly snapshots: SnapshotPolicy;
  /** A snapshot taken this turn, to persist with the next write. */
  private snapshotWrite: Pick<GroupWrite, "snapshot" | "compactThrough"> | undefined;

  private readonly logger: Logger;
  private readonly origin: Origin;

  constructor(options: {
    id: GroupId;
    raw: RawNode;
    stateMachine: StateMachine;
    lastSnapshot: SnapshotMark;
    snapshotLimits: SnapshotLimits;
    logger: Logger;
    recentAppliedMax: number;
    origin: Origin;
  }) {
    this.id = options.id;
    this.raw = options.raw;
    this.stateMachine = options.stateMachine;
    this.snapshots = new SnapshotPolicy(options.snapshotLimits, options.lastSnapshot);
    this.logger = options.logger;
    this.recentApplied = new RecentOutcomes(options.recentAppliedMax);
    this.origin = options.origin;
  }

  /** Loads the replicated state from a snapshot's data (at restart or from the leader). */
  restore(data: Uint8Array): void {
    const { table, state } = decodeGroupSnapshot(data);
    this.dedupe = table;
    this.stateMachine.restore(state);
  }

  /** The write this turn's Ready (and any pending snapshot) needs; undefined when none. */
  writeFor(ready: Ready | undefined): GroupWrite | undefined {
    if (ready === undefined && this.snapshotWrite === undefined) return undefined;
    const snapshot = ready?.snapshot;
    const entries = ready?.entries ?? [];
    const write: GroupWrite = {
      groupId: this.id,
      entries,
      ...(ready?.hardState === undefined ? {} : { hardState: ready.hardState }),
      ...(snapshot === undefined ? {} : { snapshot, snapshotReplacesLog: true }),
      ...(snapshot === undefined ? (this.snapshotWrite ?? {}) : {}),
    };
    this.snapshotWrite = undefined;
    const isEmpty =
      write.hardState === undefined &&
      write.snapshot === undefined &&
      write.entries.length === 0 &&
      write.compactThrough === undefined;
    return isEmpty ? undefined : write;
  }

  /** Applies the Ready's snapshot and committed entries, settling their proposals. */
  apply(ready: Ready): void {
    if (ready.snapshot !== undefined) {
      this.restore(ready.snapshot.data);
      this.snapshots.reset(ready.snapshot.metadata.index, ready.snapshot.data.byteLength);
      this.recentApplied.clear();
      for (const [index, proposal] of this.accepted) {
        if (index > ready.snapshot.metadata.index) continue;
        // The snapshot hides whether our entry or another one got this index.
        this.accepted.delete(index);
        proposal.reject(proposalTimedOut(this.id, true));
      }
    }
    for (const entry of ready.committedEntries) this.applyEntry(entry);
  }

  private applyEntry(entry: Entry): void {
    const envelope = entry.type === "normal" ? decodeEnvelope(entry.data) : undefined;
    let outcome: AppliedOutcome = {
      term: entry.term,
      isError: false,
      isDuplicate: false,
      result: undefined,
    };
    if (envelope !== undefined) {
      const isNew = this.dedupe.admit(
        envelope.origin,
        envelope.incarnation,
        envelope.proposalId,
        envelope.floor,
      );
      if (!isNew) outcome = { ...outcome, isDuplicate: true };
      else outcome = this.applyCommand(entry, envelope.command);
      const isOurs =
        envelope.origin === this.origin.nodeId && envelope.incarnation === this.origin.incarnation;
      if (isOurs) this.origin.onApplied(envelope.proposalId, outcome);
    } else if (entry.type === "normal" && entry.data.byteLength > 0) {
      outcome = this.applyCommand(entry, entry.data);
    }
    this.snapshots.noteApplied(entry.index, entry.data.byteLength);
    this.recentApplied.add(entry.index, outcome);
    this.settle(entry.index, outcome);
  }

  private applyCommand(entry: Entry, command: Uint8Array): AppliedOutcome {
    try {
      const result = this.stateMachine.apply(command, entry.index);
      return { term: entry.term, isError: false, isDuplicate: false, result };
    } catch (error) {
      // A deterministic failure of the command: every member records the same outcome.
      return {
        term: entry.term,
        isError: true,
        isDuplicate: false,
        result: new ApplyError(this.id, error),
      };
    }
  }

  /**
   * Records the term of the leader this replica now knows; true when it is a new one. A
   * leader is one per term: one seen again in the same term (after the replica lost sight of
   * it, or changed role) is not new.
   */
  noteLeaderTerm(): boolean {
    const term = this.raw.currentTerm();
    const isNew = term !== this.leaderTerm;
    this.leaderTerm = term;
    return isNew;
  }

  /**
   * Called after advance(): records role changes and serves reads. True when observers should
   * look again: the role or known leader changed, or a membership change was applied.
   */
  afterAdvance(ready: Ready): boolean {
    let isChanged = ready.committedEntries.some(
      (entry) => entry.type === "confChange" && decodeConfChange(entry.data) !== undefined,
    );
    if (ready.softState !== undefined) {
      this.role = ready.softState.role;
      this.leaderId = ready.softState.leaderId;
      isChanged = true;
    }
    for (const state of ready.readStates) {
      const read = this.reads.get(state.context);
      if (read !== undefined) read.index = state.index;
    }
    this.serveReads();
    return isChanged;
  }

  private serveReads(): void {
    if (this.reads.size === 0) return;
    const applied = this.raw.appliedIndex();
    for (const [context, read] of this.reads) {
      if (read.index === undefined || read.index > applied) continue;
      this.reads.delete(context);
      read.resolve();
    }
  }

  /** Settles the proposal accepted at `index`, if any, with the applied outcome. */
  private settle(index: number, outcome: AppliedOutcome): void {
    const proposal = this.accepted.get(index);
    if (proposal === undefined) return;
    this.accepted.delete(index);
    if (proposal.term !== outcome.term) proposal.reject(proposalDropped(this.id));
    else if (outcome.isError) proposal.reject(outcome.result as Error);
    else proposal.resolve(outcome.result);
  }

  /** Records that a proposal sits at (index, term); settles at once if already applied. */
  track(proposal: PendingProposal): void {
    const index = proposal.index;
    if (index === undefined) return;
    proposal.state = "accepted";
    const applied = this.raw.appliedIndex();
    if (index > applied) {
      this.accepted.set(index, proposal);
      return;
    }
    const outcome = this.recentApplied.get(index);
    if (outcome === undefined) {
      proposal.reject(proposalTimedOut(this.id, true));
      return;
    }
    this.accepted.set(index, proposal);
    this.settle(index, outcome);
  }

  /** Whether enough entries or bytes were applied since the last snapshot to take one (§7). */
  isSnapshotDue(): boolean {
    return this.snapshots.isSnapshotDue(this.raw.appliedIndex());
  }

  /** Takes a snapshot of everything applied and compacts the log behind it; its size. */
  takeSnapshot(): number {
    const applied = this.raw.appliedIndex();
    const snapshot = this.raw.createSnapshot(encodeGroupSnapshot(this.dedupe, this.stateMachine));
    const compactThrough = this.snapshots.compactionPoint(applied);
    this.raw.compact(compactThrough);
    this.snapshotWrite = { snapshot, compactThrough };
    this.snapshots.reset(applied, snapshot.data.byteLength);
    this.logger.debug("Snapshot taken", {
      group: this.id,
      index: applied,
      compact_through: compactThrough,
    });
    return snapshot.data.byteLength;
  }

  /**
   * Fails every caller waiting on this group (group removed, node stopping); `errorFor` learns
   * whether a proposal was sent to a leader, which leaves its outcome unknown.
   */
  failWaiters(errorFor: (wasSent: boolean) => Error): void {
    const proposals = [...this.waiting, ...this.accepted.values()];
    const reads = [...this.reads.values(), ...this.readsToSend];
    this.waiting = [];
    this.accepted.clear();
    this.reads.clear();
    this.readsToSend = [];
    for (const proposal of proposals) proposal.reject(errorFor(proposal.wasSent));
    for (const read of reads) read.reject(errorFor(false));
  }
}
