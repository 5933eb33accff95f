// Rebuilds a group's Raft state from storage at restart: hard state, latest snapshot, and
// the entries after it, read in bounded batches so a long log never needs one huge read.
// Both a restored replica and a new one also carry what an earlier, deleted replica of the
// group on this node left behind (its tombstone).

import { type GroupId, logIndex } from "../lib/index.ts";
import { EMPTY_CONF_STATE, type Entry, emptyState, type RaftInitialState } from "../raft/index.ts";
import type { GroupTombstone, LogStorage } from "../storage/index.ts";

const READ_BATCH_BYTES = 4 * 1024 * 1024;

export async function loadGroupState(
  storage: LogStorage,
  groupId: GroupId,
): Promise<RaftInitialState | undefined> {
  const stored = await storage.loadGroup(groupId);
  if (stored === undefined) return undefined;
  const { snapshot } = stored;
  const snapshotIndex = snapshot?.metadata.index ?? 0;
  const entries: Entry[] = [];
  // Entries kept before the snapshot (the compaction margin) are not needed to restart.
  let next = Math.max(stored.firstIndex, snapshotIndex + 1);
  while (next <= stored.lastIndex) {
    const batch = await storage.readEntries({
      groupId,
      fromIndex: logIndex(next),
      toIndexInclusive: stored.lastIndex,
      bytesMax: READ_BATCH_BYTES,
    });
    entries.push(...batch);
    next += batch.length;
  }
  const initial: RaftInitialState = {
    hardState: stored.hardState,
    confState: snapshot?.metadata.confState ?? EMPTY_CONF_STATE,
    log: {
      ...(snapshot === undefined ? {} : { snapshot }),
      entries,
      commit: logIndex(Math.max(stored.hardState.commit, snapshotIndex)),
    },
  };
  return withTombstone(initial, await storage.loadTombstone(groupId));
}

/**
 * A replica that follows a deleted one on this node: it starts no earlier than that one's term
 * and vote (a node votes once per term, whichever replica it has), and votes only for
 * candidates whose log is at least as up to date as that one's was.
 */
export function withTombstone(
  initial: RaftInitialState,
  tombstone: GroupTombstone | undefined,
): RaftInitialState {
  if (tombstone === undefined) return initial;
  const { hardState } = initial;
  const isBehind = hardState.term < tombstone.term;
  return {
    ...initial,
    hardState: isBehind ? { ...hardState, term: tombstone.term, vote: tombstone.vote } : hardState,
    voteFloor: { index: tombstone.lastIndex, term: tombstone.lastTerm },
  };
}

/** Where a replica joining a group starts: an empty log, with what an earlier replica left. */
export async function joiningState(
  storage: LogStorage,
  groupId: GroupId,
): Promise<RaftInitialState> {
  return withTombstone(emptyState(), await storage.loadTombstone(groupId));
}
