// One process per --storage-path. Each node's database is locked while it runs, but a node
// that joins learns its id, and so its directory P/node_<N>, only from the cluster: two
// processes started at once on an empty P each joined as a node of its own, and every later
// start on P then found two nodes there and refused. So a process locks P itself first, with
// an exclusive SQLite transaction on P/raftoral.lock that it never ends: the lock goes with
// the process, however it ends, and the next start takes it.

import { Database } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { listNodeIds } from "./node-directory.ts";
import { toStorageError } from "./sqlite-failure.ts";

export const LOCK_FILE_NAME = "raftoral.lock";

/** The locks' connections: collected, one would close and let go of its lock. */
const held = new Set<Database>();

/** Held until release(), or the end of the process. */
export interface StoragePathLock {
  release(): void;
}

/**
 * Locks `storagePath` (creating it), after checking it is a directory a node can use
 * (listNodeIds). IDENTITY_CONFLICT, "another process is using it", when another process
 * holds the lock.
 */
export function lockStoragePath(storagePath: string): StoragePathLock {
  listNodeIds(storagePath);
  const file = join(storagePath, LOCK_FILE_NAME);
  let db: Database | undefined;
  try {
    mkdirSync(storagePath, { recursive: true });
    db = new Database(file, { create: true });
    db.run("PRAGMA busy_timeout = 0");
    db.run("BEGIN EXCLUSIVE");
  } catch (error) {
    db?.close();
    throw toStorageError(error, { file, action: "locking" });
  }
  const connection = db;
  held.add(connection);
  return {
    release: () => {
      held.delete(connection);
      connection.close();
    },
  };
}
