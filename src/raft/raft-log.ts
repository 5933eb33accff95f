// One group's log as Raft sees it: a snapshot point, the entries after it (all held in
// memory), and the markers commit, applied and stable (persisted). Entries past `stableIndex`
// are handed to the host in the next Ready for persisting.
// Pure: no I/O, no timers, no await.

import {
  assert,
  assertionFailed,
  type LogIndex,
  logIndex,
  type Term,
  term as toTerm,
} from "../lib/index.ts";
import { CommittedEntryLostError } from "./lost-commit.ts";
import { type Membership, membershipFromConfState } from "./membership.ts";
import { MembershipHistory } from "./membership-history.ts";
import type { ConfState, Entry, Snapshot } from "./types.ts";

export interface LogInitialState {
  /** Membership as of the snapshot (or of an empty log). */
  readonly confState: ConfState;
  /** The latest snapshot, if any: the log starts right after it. */
  readonly snapshot?: Snapshot;
  /** Entries after the snapshot, contiguous, all already persisted. */
  readonly entries: readonly Entry[];
  readonly commit: LogIndex;
}

/** Bytes an entry costs toward message and Ready limits. */
export function entryBytes(entry: Entry): number {
  return entry.data.byteLength + 24;
}

export class RaftLog {
  // Invariant: snapshotIndex <= applied <= commit <= lastIndex()
  // Invariant: snapshotIndex <= stableIndex <= lastIndex()
  // Invariant: entries[k].index === snapshotIndex + 1 + k
  private snapshotIndex: LogIndex;
  private snapshotTerm: Term;
  private entries: Entry[];
  /** The latest snapshot, kept to send to followers whose next entry was compacted. */
  latestSnapshot: Snapshot | undefined;
  /** A snapshot received from the leader that the host has not yet persisted and applied. */
  pendingSnapshot: Snapshot | undefined;
  commit: LogIndex;
  applied: LogIndex;
  /** The last index known persisted by the host. */
  stableIndex: LogIndex;
  /** Configurations in the log; the latest one is in effect (thesis 4.1). */
  readonly membership: MembershipHistory;

  constructor(initial: LogInitialState) {
    const metadata = initial.snapshot?.metadata;
    this.snapshotIndex = metadata?.index ?? logIndex(0);
    this.snapshotTerm = metadata?.term ?? toTerm(0);
    this.latestSnapshot = initial.snapshot;
    this.pendingSnapshot = undefined;
    this.entries = [...initial.entries];
    this.entries.forEach((entry, k) => {
      assert(entry.index === this.snapshotIndex + 1 + k, "log: initial entries are not contiguous");
    });
    this.stableIndex = this.lastIndex();
    this.applied = this.snapshotIndex;
    this.membership = new MembershipHistory(
      membershipFromConfState(initial.confState),
      this.snapshotIndex,
      this.entries,
    );
    assert(initial.commit >= this.snapshotIndex, "log: commit is behind the snapshot");
    assert(initial.commit <= this.lastIndex(), "log: commit is past the last entry");
    this.commit = initial.commit;
  }

  /** Index of the first entry still held (the one after the snapshot). */
  firstIndex(): LogIndex {
    return logIndex(this.snapshotIndex + 1);
  }

  lastIndex(): LogIndex {
    return logIndex(this.snapshotIndex + this.entries.length);
  }

  lastTerm(): Term {
    return this.term(this.lastIndex()) ?? this.snapshotTerm;
  }

  /** The term of the entry at `index`; undefined if compacted away or not yet written. */
  term(index: number): Term | undefined {
    if (index === this.snapshotIndex) return this.snapshotTerm;
    if (index < this.snapshotIndex || index > this.lastIndex()) return undefined;
    return this.entries[index - this.snapshotIndex - 1]?.term;
  }

  /**
   * Throws CommittedEntryLostError if a leader's (index, term) contradicts an entry this log
   * committed; entries compacted away are not compared.
   */
  checkCommitted(claim: { readonly index: LogIndex; readonly term: Term }): void {
    if (claim.index > this.commit) return;
    const ourTerm = this.term(claim.index);
    if (ourTerm === undefined || ourTerm === claim.term) return;
    throw new CommittedEntryLostError({ ...claim, ourTerm, commit: this.commit });
  }

  matchTerm(index: number, term: Term): boolean {
    return this.term(index) === term;
  }

  /** The entry at `index`, if held. */
  entry(index: number): Entry | undefined {
    if (index <= this.snapshotIndex) return undefined;
    return this.entries[index - this.snapshotIndex - 1];
  }

  /**
   * Entries from `fromIndex` to `toIndexInclusive`, stopping once `bytesMax` is reached but
   * always returning at least one entry when the range is non-empty. Undefined when
   * `fromIndex` was compacted (the caller must send a snapshot instead).
   */
  slice(fromIndex: number, toIndexInclusive: number, bytesMax: number): Entry[] | undefined {
    if (fromIndex <= this.snapshotIndex) return undefined;
    const result: Entry[] = [];
    let bytes = 0;
    const last = Math.min(toIndexInclusive, this.lastIndex());
    for (let index = fromIndex; index <= last; index++) {
      const entry = this.entries[index - this.snapshotIndex - 1];
      if (entry === undefined) assertionFailed(`log: missing entry ${index}`);
      bytes += entryBytes(entry);
      if (result.length > 0 && bytes > bytesMax) break;
      result.push(entry);
    }
    return result;
  }

  /** §5.4.1: is a log ending at (lastIndex, lastTerm) at least as up-to-date as ours? */
  isUpToDate(lastIndex: LogIndex, lastTerm: Term): boolean {
    const ourTerm = this.lastTerm();
    return lastTerm > ourTerm || (lastTerm === ourTerm && lastIndex >= this.lastIndex());
  }

  /**
   * §5.3: appends `entries` if our log holds (prevIndex, prevTerm). Existing entries that
   * conflict are deleted with everything after them; entries we already hold are kept.
   * Returns the index of the last new entry, or undefined when the consistency check fails.
   */
  maybeAppend(
    prevIndex: LogIndex,
    prevTerm: Term,
    leaderCommit: LogIndex,
    entries: readonly Entry[],
  ): LogIndex | undefined {
    if (!this.matchTerm(prevIndex, prevTerm)) return undefined;
    const lastNew = logIndex(prevIndex + entries.length);
    const conflict = this.findConflict(entries);
    if (conflict !== 0) {
      assert(conflict > this.commit, `log: entry ${conflict} conflicts with a committed entry`);
      this.append(entries.slice(conflict - prevIndex - 1));
    }
    this.commitTo(logIndex(Math.min(leaderCommit, lastNew)));
    return lastNew;
  }

  /** The index of the first entry that is new or conflicts with ours; 0 if all are held. */
  private findConflict(entries: readonly Entry[]): number {
    for (const entry of entries) {
      if (!this.matchTerm(entry.index, entry.term)) return entry.index;
    }
    return 0;
  }

  /**
   * Fast back-off hint (§5.3, as in etcd): the largest index <= `index` whose term is
   * <= `term`, with that term. The leader can skip every entry in between at once.
   */
  findConflictByTerm(index: LogIndex, term: Term): { index: LogIndex; term: Term } {
    let probe = Math.min(index, this.lastIndex());
    for (; probe >= this.snapshotIndex; probe--) {
      const probeTerm = this.term(probe);
      if (probeTerm === undefined || probeTerm <= term) break;
    }
    return { index: logIndex(probe), term: this.term(probe) ?? toTerm(0) };
  }

  /** Appends entries starting at entries[0].index, replacing whatever was there. */
  append(entries: readonly Entry[]): LogIndex {
    const first = entries[0];
    if (first === undefined) return this.lastIndex();
    if (first.index <= this.commit) {
      assertionFailed(`log: append at ${first.index} would overwrite a commit`);
    }
    if (first.index > this.lastIndex() + 1) {
      assertionFailed(`log: append at ${first.index} leaves a gap`);
    }
    for (let k = 1; k < entries.length; k++) {
      assert(entries[k]?.index === first.index + k, "log: appended entries are not contiguous");
    }
    this.entries.length = first.index - this.snapshotIndex - 1;
    for (const entry of entries) this.entries.push(entry);
    this.membership.append(entries);
    this.stableIndex = logIndex(Math.min(this.stableIndex, first.index - 1));
    return this.lastIndex();
  }

  commitTo(index: LogIndex): void {
    if (index <= this.commit) return;
    if (index > this.lastIndex()) assertionFailed(`log: commit ${index} is past the last index`);
    this.commit = index;
  }

  /** Entries the host has not persisted yet. */
  unstableEntries(): Entry[] {
    return this.entries.slice(this.stableIndex - this.snapshotIndex);
  }

  /** The host persisted everything up to (index, term); ignored if the log changed since. */
  stableTo(index: LogIndex, term: Term): void {
    if (this.matchTerm(index, term) && index > this.stableIndex) this.stableIndex = index;
  }

  /**
   * Committed entries not yet handed out for applying: at most `countMax`, and up to about
   * `bytesMax` (at least one).
   */
  nextCommittedEntries(bytesMax: number, countMax: number): Entry[] {
    if (this.pendingSnapshot !== undefined || this.applied >= this.commit) return [];
    const last = Math.min(this.commit, this.applied + countMax);
    return this.slice(this.applied + 1, last, bytesMax) ?? [];
  }

  appliedTo(index: LogIndex): void {
    if (index > this.commit) assertionFailed(`log: applied ${index} is past commit ${this.commit}`);
    if (index < this.applied) {
      assertionFailed(`log: applied went back from ${this.applied} to ${index}`);
    }
    this.applied = index;
  }

  /** Replaces the whole log with a snapshot received from the leader (§7). */
  restore(snapshot: Snapshot): void {
    const { index, term } = snapshot.metadata;
    assert(index > this.commit, "log: restoring a snapshot that is not ahead of commit");
    this.snapshotIndex = index;
    this.snapshotTerm = term;
    this.entries = [];
    this.commit = index;
    this.stableIndex = index;
    this.pendingSnapshot = snapshot;
    this.latestSnapshot = snapshot;
    this.membership.reset(membershipFromConfState(snapshot.metadata.confState), index);
  }

  /** The host persisted and applied the pending snapshot. */
  snapshotApplied(index: LogIndex): void {
    assert(this.pendingSnapshot?.metadata.index === index, "log: no such pending snapshot");
    this.pendingSnapshot = undefined;
    this.applied = index;
  }

  /** Records a snapshot the application took at `snapshot.metadata.index` (<= applied). */
  setLatestSnapshot(snapshot: Snapshot): void {
    assert(snapshot.metadata.index <= this.applied, "log: snapshot of unapplied state");
    const current = this.latestSnapshot?.metadata.index ?? 0;
    assert(snapshot.metadata.index >= current, "log: snapshot older than the latest one");
    this.latestSnapshot = snapshot;
  }

  /** Discards entries up to `index`, which must be covered by the latest snapshot. */
  compact(index: LogIndex): void {
    if (index <= this.snapshotIndex) return;
    assert(index <= (this.latestSnapshot?.metadata.index ?? 0), "log: compact past the snapshot");
    assert(index <= this.stableIndex, "log: compact of unpersisted entries");
    const term = this.term(index);
    assert(term !== undefined, `log: no term for compaction index ${index}`);
    this.entries.splice(0, index - this.snapshotIndex);
    this.snapshotIndex = index;
    this.snapshotTerm = term;
    this.membership.compact(index);
  }

  /** The configuration in effect once everything up to `index` is applied. */
  membershipAt(index: number): Membership {
    return this.membership.at(index);
  }

  /** Checks the invariants above; O(1). */
  checkInvariants(): void {
    // A received snapshot moves the log past `applied` until the host has applied it.
    if (this.pendingSnapshot === undefined) {
      assert(this.snapshotIndex <= this.applied, "log invariant: snapshot <= applied");
    }
    assert(this.applied <= this.commit, "log invariant: applied <= commit");
    assert(this.commit <= this.lastIndex(), "log invariant: commit <= last");
    assert(this.stableIndex >= this.snapshotIndex, "log invariant: stable >= snapshot");
    assert(this.stableIndex <= this.lastIndex(), "log invariant: stable <= last");
  }
}
