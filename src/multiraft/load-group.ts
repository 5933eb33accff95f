// Rebuilds a group's Raft state from storage at restart: hard state, latest snapshot, and
// the entries after it, read in bounded batches so a long log never needs one huge read.

import { type GroupId, logIndex } from "../lib/index.ts";
import { EMPTY_CONF_STATE, type Entry, type RaftInitialState } from "../raft/index.ts";
import type { LogStorage } from "../storage/index.ts";

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
  return {
    hardState: stored.hardState,
    confState: snapshot?.metadata.confState ?? EMPTY_CONF_STATE,
    log: {
      ...(snapshot === undefined ? {} : { snapshot }),
      entries,
      commit: logIndex(Math.max(stored.hardState.commit, snapshotIndex)),
    },
  };
}
