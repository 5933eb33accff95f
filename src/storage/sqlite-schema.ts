// The SQLite schema and its migrations. The schema_version table holds the version a file was
// last migrated to; opening runs the missing migrations in one transaction and refuses a file
// written by a newer version. Migrations are append-only: never edit one that has shipped.

import type { Database } from "bun:sqlite";
import { assert } from "../lib/index.ts";
import { StorageCorruptError, StorageVersionError } from "./storage-error.ts";

export interface Migration {
  /** The version the file has after this migration ran; 1, 2, 3... without gaps. */
  readonly version: number;
  readonly statements: readonly string[];
}

/**
 * Version 1. Entries live in a rowid table, found through a unique (group_id, entry_index)
 * index. Measured against a WITHOUT ROWID table keyed by (group_id, entry_index): appends of
 * 50 interleaved groups ran 6x faster (the table only grows at its end), and 1 KB entries took
 * 1.04x their size on disk instead of 4.7x (WITHOUT ROWID rows over ~1/4 page spill). Hard
 * state lives in raft_group (one small row rewritten every turn) and the possibly large
 * snapshot in its own table, so hard-state updates never rewrite it.
 */
const VERSION_1: Migration = {
  version: 1,
  statements: [
    `CREATE TABLE node_identity (
      id INTEGER PRIMARY KEY CHECK (id = 0),
      node_id INTEGER NOT NULL,
      cluster_id TEXT NOT NULL,
      advertise_address TEXT NOT NULL,
      transport TEXT NOT NULL
    )`,
    `CREATE TABLE raft_group (
      group_id INTEGER PRIMARY KEY,
      term INTEGER NOT NULL,
      vote INTEGER NOT NULL,
      commit_index INTEGER NOT NULL,
      checksum INTEGER NOT NULL
    )`,
    `CREATE TABLE group_snapshot (
      group_id INTEGER PRIMARY KEY,
      snapshot_index INTEGER NOT NULL,
      term INTEGER NOT NULL,
      conf_state TEXT NOT NULL,
      data BLOB NOT NULL,
      checksum INTEGER NOT NULL
    )`,
    `CREATE TABLE entry (
      id INTEGER PRIMARY KEY,
      group_id INTEGER NOT NULL,
      entry_index INTEGER NOT NULL,
      term INTEGER NOT NULL,
      type INTEGER NOT NULL,
      data BLOB NOT NULL,
      checksum INTEGER NOT NULL
    )`,
    "CREATE UNIQUE INDEX entry_position ON entry (group_id, entry_index)",
  ],
};

/**
 * Version 2. What a deleted replica leaves behind (GroupTombstone): its last term, vote and
 * entry, so that a replica created again later does not vote as if it had never been there.
 */
const VERSION_2: Migration = {
  version: 2,
  statements: [
    `CREATE TABLE group_tombstone (
      group_id INTEGER PRIMARY KEY,
      term INTEGER NOT NULL,
      vote INTEGER NOT NULL,
      last_index INTEGER NOT NULL,
      last_term INTEGER NOT NULL,
      checksum INTEGER NOT NULL
    )`,
  ],
};

/**
 * Version 3. The node's incarnation (src/management/incarnation.ts): the last start of this
 * storage the cluster accepted, and the claim of a start not yet answered.
 */
const VERSION_3: Migration = {
  version: 3,
  statements: [
    "ALTER TABLE node_identity ADD COLUMN incarnation INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE node_identity ADD COLUMN claim_incarnation INTEGER",
    "ALTER TABLE node_identity ADD COLUMN claim_nonce TEXT",
  ],
};

/**
 * Version 4. A snapshot may be stored compressed (snapshot-encoding.ts); the snapshots of
 * older files are stored as they are (encoding 0).
 */
const VERSION_4: Migration = {
  version: 4,
  statements: ["ALTER TABLE group_snapshot ADD COLUMN encoding INTEGER NOT NULL DEFAULT 0"],
};

/**
 * Version 5. Whether the node left the cluster for good (NodeIdentity.hasLeft): `has_left` is
 * LEFT. Since stop 66 it is LEAVING once a leave began (NodeIdentity.isLeaving), without a new
 * version: only a node stopped during its leave has that mark, and a build before stop 66
 * refuses its file as an unreadable identity rather than resume it as a member.
 */
const VERSION_5: Migration = {
  version: 5,
  statements: ["ALTER TABLE node_identity ADD COLUMN has_left INTEGER NOT NULL DEFAULT 0"],
};

/**
 * Version 6, no change to the tables: the logs may hold waits whose halves other records come
 * between (src/workflow/wait-pairs.ts), which builds of version 5 apply otherwise. Such a build
 * refuses the file now instead of going on with a replica that differs from the others.
 */
const VERSION_6: Migration = { version: 6, statements: [] };

/**
 * Version 7, no change to the tables: the node keeps durable-mark.json beside the database
 * (durable-mark.ts), which a build of version 6 would not keep up to date; a group it deleted
 * and made again would then sit below the mark, and the file be refused as one that lost
 * writes once a newer build opened it again.
 */
const VERSION_7: Migration = { version: 7, statements: [] };

/**
 * Version 8, no change to the tables: the management log may hold releases of one starter's
 * part of a claim on a caller-chosen id (management rules 3), which a build of version 7 would
 * apply as releases of the whole claim, its replica then differing from the others.
 */
const VERSION_8: Migration = { version: 8, statements: [] };

/**
 * Version 9, no change to the tables: the management log may hold a forced recovery's report
 * of a group's configuration (management rules 4), which a build of version 8 would pass over
 * when the survivor's log ended before the group's last report, its replica then differing.
 */
const VERSION_9: Migration = { version: 9, statements: [] };

/** `node_identity.has_left`: the node left for good; a leave began. */
export const LEFT = 1;
export const LEAVING = 2;

/** Every migration, in order. The last one's version is what this build writes. */
export const MIGRATIONS: readonly Migration[] = [
  VERSION_1,
  VERSION_2,
  VERSION_3,
  VERSION_4,
  VERSION_5,
  VERSION_6,
  VERSION_7,
  VERSION_8,
  VERSION_9,
];

MIGRATIONS.forEach((migration, position) => {
  assert(
    migration.version === position + 1,
    `migration ${position} must have version ${position + 1}`,
  );
});

/** The schema version this build writes. */
export const SCHEMA_VERSION = MIGRATIONS.at(-1)?.version ?? 0;

/**
 * Brings the file at `file` (open as `db`) to the newest version in `migrations`. Throws a
 * StorageVersionError if the file is newer than this build, a StorageCorruptError if it
 * already holds tables of a version later than the one it records.
 */
export function migrate(
  db: Database,
  file: string,
  migrations: readonly Migration[] = MIGRATIONS,
): void {
  const latest = migrations.at(-1)?.version ?? 0;
  db.transaction(() => {
    db.run(
      "CREATE TABLE IF NOT EXISTS schema_version (id INTEGER PRIMARY KEY CHECK (id = 0), version INTEGER NOT NULL)",
    );
    const row = db.query<{ version: number }, []>("SELECT version FROM schema_version").get();
    const current = row?.version ?? 0;
    if (current > latest) {
      throw new StorageVersionError(
        `${file} was written by a newer Raftoral (schema version ${current}; this build knows up to ${latest}). Run a newer raftoral binary on it, or move the directory aside to start this node empty.`,
        { file },
      );
    }
    for (const migration of migrations) {
      if (migration.version <= current) continue;
      runMigration({ db, file, current, migration });
    }
    db.run("INSERT OR REPLACE INTO schema_version (id, version) VALUES (0, ?)", [latest]);
  }).immediate();
}

/**
 * Runs `migration` on a file that records version `current`. A table or column the migration
 * adds that is already there means the recorded version is wrong (a damaged schema_version
 * row): the file is refused as damaged, not reported as a disk failure to restart from.
 */
function runMigration(options: {
  readonly db: Database;
  readonly file: string;
  readonly current: number;
  readonly migration: Migration;
}): void {
  const { db, file, current, migration } = options;
  for (const statement of migration.statements) {
    try {
      db.run(statement);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (!/already exists|duplicate column name/.test(message)) throw error;
      throw new StorageCorruptError(
        `${file} records schema version ${current}, but already holds what version ${migration.version} adds (${message}): the file is damaged. Stop this node, move its directory aside, and let it rejoin to catch up from the other replicas.`,
        { file, cause: error },
      );
    }
  }
}
