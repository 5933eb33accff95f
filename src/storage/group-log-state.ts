// The shape of one group's stored log (snapshot index, entry range, term, commit) and the
// rules every write must follow. Both storage implementations plan each write here before
// touching their data, so a write that breaks a rule fails the same way everywhere, and
// before anything of its batch is stored. Pure: no I/O.

import {
  assert,
  assertionFailed,
  type GroupId,
  type LogIndex,
  logIndex,
  type Term,
  term,
} from "../lib/index.ts";
import type { Entry, HardState, Snapshot } from "../raft/index.ts";
import type { GroupWrite, ReadEntriesRange } from "./log-storage.ts";

/**
 * What storage tracks about one group to check writes cheaply.
 * Invariants: firstIndex <= snapshotIndex + 1; lastIndex >= snapshotIndex;
 * commit <= lastIndex; stored entries are exactly [firstIndex, lastIndex].
 */
export interface GroupLogState {
  readonly groupId: GroupId;
  readonly hasSnapshot: boolean;
  /** Index of the stored snapshot, 0 without one. */
  readonly snapshotIndex: LogIndex;
  /** Stored entries are [firstIndex, lastIndex]; none when lastIndex < firstIndex. */
  readonly firstIndex: LogIndex;
  readonly lastIndex: LogIndex;
  readonly term: Term;
  readonly commit: LogIndex;
}

/** What to do to the stored entries, besides inserting the write's new ones. */
export interface GroupWritePlan {
  /** The state after the write; undefined when the group was deleted. */
  readonly next: GroupLogState | undefined;
  /** Delete every entry of the group (received snapshot). */
  readonly isLogReplaced: boolean;
  /** Delete entries >= entries[0].index (they are overwritten). */
  readonly isSuffixOverwritten: boolean;
  /** Delete entries <= compactThrough. */
  readonly isCompacting: boolean;
}

export function emptyGroupLogState(groupId: GroupId): GroupLogState {
  return {
    groupId,
    hasSnapshot: false,
    snapshotIndex: logIndex(0),
    firstIndex: logIndex(1),
    lastIndex: logIndex(0),
    term: term(0),
    commit: logIndex(0),
  };
}

/** Checks `write` against `before` (undefined: nothing stored yet) and plans it. */
export function planGroupWrite(
  before: GroupLogState | undefined,
  write: GroupWrite,
): GroupWritePlan {
  if (write.tombstone !== undefined && write.deleteGroup !== true) {
    assertionFailed(`group ${write.groupId}: a tombstone comes only with deleteGroup`);
  }
  if (write.deleteGroup === true) {
    checkDeleteOnly(write);
    return {
      next: undefined,
      isLogReplaced: false,
      isSuffixOverwritten: false,
      isCompacting: false,
    };
  }
  const start = before ?? emptyGroupLogState(write.groupId);
  const withHardState =
    write.hardState === undefined ? start : stepHardState(start, write.hardState);
  const isLogReplaced = write.snapshotReplacesLog === true && start.lastIndex >= start.firstIndex;
  const withSnapshot = stepSnapshot(withHardState, write);
  const first = write.entries[0];
  const isSuffixOverwritten = first !== undefined && first.index <= withSnapshot.lastIndex;
  const withEntries = stepEntries(withSnapshot, write.entries, start.commit);
  const compactThrough = write.compactThrough;
  const isCompacting = compactThrough !== undefined && compactThrough >= withEntries.firstIndex;
  const next =
    compactThrough === undefined ? withEntries : stepCompaction(withEntries, compactThrough);
  if (next.commit > next.lastIndex) {
    assertionFailed(
      `group ${next.groupId}: commit ${next.commit} would be beyond the last stored index ${next.lastIndex}`,
    );
  }
  return { next, isLogReplaced, isSuffixOverwritten, isCompacting };
}

/** The plans of a whole batch, in order, and each group's state after it. */
export interface BatchPlan {
  readonly plans: readonly GroupWritePlan[];
  /** The state of every group the batch touches; undefined for a deleted group. */
  readonly states: ReadonlyMap<GroupId, GroupLogState | undefined>;
}

/**
 * Plans every write of a batch, in order (a group may appear more than once). Throws on the
 * first broken rule, before the caller has changed anything: batches are all or nothing.
 */
export function planBatch(
  stateOf: (groupId: GroupId) => GroupLogState | undefined,
  batch: readonly GroupWrite[],
): BatchPlan {
  const states = new Map<GroupId, GroupLogState | undefined>();
  const plans = batch.map((write) => {
    const before = states.has(write.groupId) ? states.get(write.groupId) : stateOf(write.groupId);
    const plan = planGroupWrite(before, write);
    states.set(write.groupId, plan.next);
    return plan;
  });
  return { plans, states };
}

function checkDeleteOnly(write: GroupWrite): void {
  const where = `group ${write.groupId}: deleteGroup`;
  assert(write.hardState === undefined, `${where} must not carry a hard state`);
  assert(write.snapshot === undefined, `${where} must not carry a snapshot`);
  assert(write.entries.length === 0, `${where} must not carry entries`);
  assert(write.compactThrough === undefined, `${where} must not carry compactThrough`);
}

function stepHardState(state: GroupLogState, hardState: HardState): GroupLogState {
  const { term, vote, commit } = hardState;
  // §5.1: a server's current term only increases. Commit never decreases either.
  const isSound =
    isCount(term) &&
    isCount(vote) &&
    isCount(commit) &&
    term >= state.term &&
    commit >= state.commit;
  // The messages are built only for a write that breaks a rule: this runs for every write.
  if (!isSound) {
    const where = `group ${state.groupId}: hard state`;
    checkInteger(term, `${where} term`);
    checkInteger(vote, `${where} vote`);
    checkInteger(commit, `${where} commit`);
    assert(term >= state.term, `${where} term went back from ${state.term} to ${term}`);
    assertionFailed(`${where} commit went back from ${state.commit} to ${commit}`);
  }
  return { ...state, term, commit };
}

function stepSnapshot(state: GroupLogState, write: GroupWrite): GroupLogState {
  const snapshot: Snapshot | undefined = write.snapshot;
  if (snapshot === undefined) {
    if (write.snapshotReplacesLog === true) {
      assertionFailed(`group ${state.groupId}: snapshotReplacesLog needs a snapshot`);
    }
    return state;
  }
  const where = `group ${state.groupId}: snapshot`;
  const index = snapshot.metadata.index;
  checkInteger(index, `${where} index`);
  checkInteger(snapshot.metadata.term, `${where} term`);
  assert(
    index >= state.snapshotIndex,
    `${where} ${index} is older than the stored ${state.snapshotIndex}`,
  );
  if (write.snapshotReplacesLog === true) {
    const after = logIndex(index + 1);
    return {
      ...state,
      hasSnapshot: true,
      snapshotIndex: index,
      firstIndex: after,
      lastIndex: index,
    };
  }
  // A local snapshot covers applied entries, so those are stored (or under an older snapshot).
  assert(
    index <= state.lastIndex,
    `${where} ${index} covers entries past the last stored ${state.lastIndex}`,
  );
  return { ...state, hasSnapshot: true, snapshotIndex: index };
}

function stepEntries(
  state: GroupLogState,
  entries: readonly Entry[],
  commitBefore: LogIndex,
): GroupLogState {
  const first = entries[0];
  const last = entries.at(-1);
  if (first === undefined || last === undefined) return state;
  checkContiguous(state.groupId, entries);
  // §5.4: committed entries are never overwritten, nor is anything a snapshot covers.
  const isSound =
    first.index >= 1 &&
    first.index > commitBefore &&
    first.index > state.snapshotIndex &&
    first.index <= state.lastIndex + 1;
  if (!isSound) {
    const where = `group ${state.groupId}: entries from ${first.index}`;
    assert(first.index >= 1, `${where}: the first log index is 1`);
    assert(
      first.index > commitBefore,
      `${where} would overwrite committed entries (commit ${commitBefore})`,
    );
    assert(
      first.index > state.snapshotIndex,
      `${where} would overwrite snapshot ${state.snapshotIndex}`,
    );
    assertionFailed(`${where} leave a gap after the last index ${state.lastIndex}`);
  }
  const hasStoredEntries = state.lastIndex >= state.firstIndex;
  return {
    ...state,
    firstIndex: hasStoredEntries ? state.firstIndex : first.index,
    lastIndex: last.index,
  };
}

function checkContiguous(groupId: GroupId, entries: readonly Entry[]): void {
  let previous: Entry | undefined;
  for (const entry of entries) {
    if (!isCount(entry.index) || !isCount(entry.term)) {
      checkInteger(entry.index, `group ${groupId}: entry index`);
      checkInteger(entry.term, `group ${groupId}: entry ${entry.index} term`);
    }
    // Terms never decrease along a Raft log (§5.3: a leader appends in its own term).
    if (
      previous !== undefined &&
      (entry.index !== previous.index + 1 || entry.term < previous.term)
    ) {
      const where = `group ${groupId}: entry ${entry.index} after ${previous.index}`;
      assert(entry.index === previous.index + 1, `${where}: entries must be contiguous`);
      assertionFailed(`${where}: term went back from ${previous.term}`);
    }
    previous = entry;
  }
}

function stepCompaction(state: GroupLogState, compactThrough: LogIndex): GroupLogState {
  const where = `group ${state.groupId}: compactThrough ${compactThrough}`;
  checkInteger(compactThrough, where);
  // Entries only a snapshot can replace: compacting past it would lose committed state.
  assert(state.hasSnapshot, `${where} without a stored snapshot`);
  assert(compactThrough <= state.snapshotIndex, `${where} is past snapshot ${state.snapshotIndex}`);
  if (compactThrough < state.firstIndex) return state;
  if (compactThrough >= state.lastIndex) {
    const after = logIndex(state.snapshotIndex + 1);
    return { ...state, firstIndex: after, lastIndex: state.snapshotIndex };
  }
  return { ...state, firstIndex: logIndex(compactThrough + 1) };
}

/** Whether `value` can be an index, a term or a node id: a safe integer, not negative. */
function isCount(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

function checkInteger(value: number, what: string): void {
  assert(Number.isSafeInteger(value), `${what} must be a safe integer, got ${value}`);
  assert(value >= 0, `${what} must not be negative, got ${value}`);
}

/** The first broken invariant of a state read back from disk, or undefined if it is sound. */
export function describeBrokenInvariant(state: GroupLogState): string | undefined {
  const hasEntries = state.lastIndex >= state.firstIndex;
  if (hasEntries && state.firstIndex > state.snapshotIndex + 1) {
    return `entries ${state.snapshotIndex + 1}..${state.firstIndex - 1} between snapshot ${state.snapshotIndex} and the first entry are missing`;
  }
  if (hasEntries && state.lastIndex < state.snapshotIndex) {
    return `the last entry ${state.lastIndex} is older than snapshot ${state.snapshotIndex}`;
  }
  if (state.commit > Math.max(state.lastIndex, state.snapshotIndex)) {
    return `commit ${state.commit} is beyond the last stored index ${state.lastIndex}`;
  }
  return undefined;
}

/** Checks that a read asks for stored entries only: reading outside them is a caller bug. */
export function checkReadRange(state: GroupLogState | undefined, range: ReadEntriesRange): void {
  const where = `group ${range.groupId}: readEntries ${range.fromIndex}..${range.toIndexInclusive}`;
  assert(state !== undefined, `${where}: the group has nothing stored`);
  assert(range.fromIndex <= range.toIndexInclusive, `${where}: empty range`);
  assert(
    range.fromIndex >= state.firstIndex,
    `${where}: entries before ${state.firstIndex} are compacted`,
  );
  assert(
    range.toIndexInclusive <= state.lastIndex,
    `${where}: the last stored index is ${state.lastIndex}`,
  );
  assert(range.bytesMax > 0, `${where}: bytesMax must be positive, got ${range.bytesMax}`);
}
