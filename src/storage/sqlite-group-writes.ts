// Carries out one planned GroupWrite as SQL, inside the batch's transaction. The plan (from
// group-log-state.ts) has already checked every rule; this only turns it into row changes.

import { type GroupId, logIndex, NO_NODE, term } from "../lib/index.ts";
import type { HardState } from "../raft/index.ts";
import type { GroupWritePlan } from "./group-log-state.ts";
import type { GroupWrite } from "./log-storage.ts";
import {
  encodeConfState,
  entryChecksum,
  entryTypeCode,
  hardStateChecksum,
  snapshotChecksum,
  tombstoneChecksum,
} from "./record-encoding.ts";
import { encodeSnapshotData } from "./snapshot-encoding.ts";
import type { SqliteStatements } from "./sqlite-statements.ts";

/** What a group that never wrote a hard state has: term 0, no vote, nothing committed. */
export const ZERO_HARD_STATE: HardState = { term: term(0), vote: NO_NODE, commit: logIndex(0) };

/** Applies `write` as planned. Returns true if it freed pages (deleted anything). */
export function writeGroupRows(
  statements: SqliteStatements,
  write: GroupWrite,
  plan: GroupWritePlan,
): boolean {
  const id = write.groupId;
  if (plan.next === undefined) {
    statements.deleteEntries.run(id);
    statements.deleteSnapshot.run(id);
    statements.deleteGroup.run(id);
    const tombstone = write.tombstone;
    if (tombstone !== undefined) {
      const { term, vote, lastIndex, lastTerm } = tombstone;
      const checksum = tombstoneChecksum(id, tombstone);
      statements.upsertTombstone.run(id, term, vote, lastIndex, lastTerm, checksum);
    }
    return true;
  }
  if (write.hardState === undefined) {
    statements.insertGroup.run(id, zeroHardStateChecksum(id));
  } else {
    const hardState = write.hardState;
    const checksum = hardStateChecksum(id, hardState);
    statements.upsertHardState.run(id, hardState.term, hardState.vote, hardState.commit, checksum);
  }
  if (write.snapshot !== undefined) {
    const { metadata, data } = write.snapshot;
    const confStateJson = encodeConfState(metadata.confState);
    // The checksum covers the snapshot's own bytes, so it also vouches for the decompression.
    const checksum = snapshotChecksum({ groupId: id, metadata, confStateJson, data });
    const stored = encodeSnapshotData(data);
    statements.upsertSnapshot.run(
      id,
      metadata.index,
      metadata.term,
      confStateJson,
      stored.bytes,
      stored.encoding,
      checksum,
    );
  }
  if (plan.isLogReplaced) statements.deleteEntries.run(id);
  const first = write.entries[0];
  if (plan.isSuffixOverwritten && first !== undefined) {
    statements.deleteEntriesFrom.run(id, first.index);
  }
  for (const entry of write.entries) {
    const checksum = entryChecksum(id, entry);
    const type = entryTypeCode(entry.type);
    statements.insertEntry.run(id, entry.index, entry.term, type, entry.data, checksum);
  }
  if (plan.isCompacting && write.compactThrough !== undefined) {
    statements.deleteEntriesThrough.run(id, write.compactThrough);
  }
  return plan.isLogReplaced || plan.isSuffixOverwritten || plan.isCompacting;
}

function zeroHardStateChecksum(groupId: GroupId): number {
  return hardStateChecksum(groupId, ZERO_HARD_STATE);
}
