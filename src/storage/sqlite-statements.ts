// Every SQL statement the SQLite core runs, prepared once per open database. Keeping them in
// one place shows the whole access pattern: every lookup goes through a primary key or index.

import type { Database, Statement } from "bun:sqlite";
import type {
  EntryRow,
  HardStateRow,
  IdentityRow,
  SnapshotRow,
  TombstoneRow,
} from "./sqlite-rows.ts";

type Value = number | string | Uint8Array;

export interface SqliteStatements {
  readonly selectGroups: Statement<HardStateRow, []>;
  readonly selectHardState: Statement<HardStateRow, [number]>;
  readonly selectSnapshot: Statement<SnapshotRow, [number]>;
  readonly selectSnapshotIndex: Statement<{ snapshot_index: number }, [number]>;
  readonly selectFirstIndex: Statement<{ value: number | null }, [number]>;
  readonly selectLastIndex: Statement<{ value: number | null }, [number]>;
  /** The lowest group with entries above the given group id (one index seek). */
  readonly selectNextEntryGroup: Statement<{ value: number | null }, [number]>;
  /** A group with a snapshot but no hard state row, if any. */
  readonly selectSnapshotWithoutGroup: Statement<{ group_id: number }, []>;
  /** group, from, to, limit. */
  readonly selectEntries: Statement<EntryRow, [number, number, number, number]>;
  readonly selectIdentity: Statement<IdentityRow, []>;
  readonly selectTombstone: Statement<TombstoneRow, [number]>;
  readonly upsertTombstone: Statement<unknown, Value[]>;
  readonly insertGroup: Statement<unknown, [number, number]>;
  readonly upsertHardState: Statement<unknown, Value[]>;
  readonly upsertSnapshot: Statement<unknown, Value[]>;
  readonly insertEntry: Statement<unknown, Value[]>;
  readonly deleteEntries: Statement<unknown, [number]>;
  readonly deleteEntriesFrom: Statement<unknown, [number, number]>;
  readonly deleteEntriesThrough: Statement<unknown, [number, number]>;
  readonly deleteSnapshot: Statement<unknown, [number]>;
  readonly deleteGroup: Statement<unknown, [number]>;
  readonly upsertIdentity: Statement<unknown, (Value | null)[]>;
  readonly freePages: Statement<{ freelist_count: number }, []>;
}

export function prepareStatements(db: Database): SqliteStatements {
  return {
    selectGroups: db.query(
      "SELECT group_id, term, vote, commit_index, checksum FROM raft_group ORDER BY group_id",
    ),
    selectHardState: db.query(
      "SELECT group_id, term, vote, commit_index, checksum FROM raft_group WHERE group_id = ?",
    ),
    selectSnapshot: db.query(
      "SELECT snapshot_index, term, conf_state, data, encoding, checksum FROM group_snapshot WHERE group_id = ?",
    ),
    selectSnapshotIndex: db.query("SELECT snapshot_index FROM group_snapshot WHERE group_id = ?"),
    // Two queries, not one: SQLite answers a lone MIN or MAX with a single B-tree seek.
    selectFirstIndex: db.query("SELECT MIN(entry_index) AS value FROM entry WHERE group_id = ?"),
    selectLastIndex: db.query("SELECT MAX(entry_index) AS value FROM entry WHERE group_id = ?"),
    selectNextEntryGroup: db.query("SELECT MIN(group_id) AS value FROM entry WHERE group_id > ?"),
    selectSnapshotWithoutGroup: db.query(
      "SELECT group_id FROM group_snapshot WHERE group_id NOT IN (SELECT group_id FROM raft_group) LIMIT 1",
    ),
    selectEntries: db.query(
      `SELECT entry_index, term, type, data, checksum FROM entry
       WHERE group_id = ? AND entry_index >= ? AND entry_index <= ?
       ORDER BY entry_index LIMIT ?`,
    ),
    selectIdentity: db.query(
      `SELECT node_id, cluster_id, advertise_address, transport, incarnation, claim_incarnation,
       claim_nonce, has_left FROM node_identity WHERE id = 0`,
    ),
    selectTombstone: db.query(
      "SELECT term, vote, last_index, last_term, checksum FROM group_tombstone WHERE group_id = ?",
    ),
    upsertTombstone: db.query(
      `INSERT OR REPLACE INTO group_tombstone
       (group_id, term, vote, last_index, last_term, checksum) VALUES (?, ?, ?, ?, ?, ?)`,
    ),
    insertGroup: db.query(
      `INSERT INTO raft_group (group_id, term, vote, commit_index, checksum)
       VALUES (?, 0, 0, 0, ?) ON CONFLICT (group_id) DO NOTHING`,
    ),
    upsertHardState: db.query(
      `INSERT INTO raft_group (group_id, term, vote, commit_index, checksum) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (group_id) DO UPDATE SET term = excluded.term, vote = excluded.vote,
       commit_index = excluded.commit_index, checksum = excluded.checksum`,
    ),
    upsertSnapshot: db.query(
      `INSERT OR REPLACE INTO group_snapshot
       (group_id, snapshot_index, term, conf_state, data, encoding, checksum)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ),
    insertEntry: db.query(
      "INSERT INTO entry (group_id, entry_index, term, type, data, checksum) VALUES (?, ?, ?, ?, ?, ?)",
    ),
    deleteEntries: db.query("DELETE FROM entry WHERE group_id = ?"),
    deleteEntriesFrom: db.query("DELETE FROM entry WHERE group_id = ? AND entry_index >= ?"),
    deleteEntriesThrough: db.query("DELETE FROM entry WHERE group_id = ? AND entry_index <= ?"),
    deleteSnapshot: db.query("DELETE FROM group_snapshot WHERE group_id = ?"),
    deleteGroup: db.query("DELETE FROM raft_group WHERE group_id = ?"),
    upsertIdentity: db.query(
      `INSERT OR REPLACE INTO node_identity (id, node_id, cluster_id, advertise_address, transport,
       incarnation, claim_incarnation, claim_nonce, has_left) VALUES (0, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    freePages: db.query("PRAGMA freelist_count"),
  };
}
