// Opens the durable storage of one node directory (the choice made by resolveNodeDirectory)
// and checks that the identity inside belongs to that directory. SQLite runs on the node's
// own thread (docs/storage.md, "Which thread"); its code loads only when a node has storage.

import { existsSync, readdirSync, statSync } from "node:fs";
import type { NodeId } from "../lib/index.ts";
import type { LogStorage, NodeIdentity } from "./log-storage.ts";
import { checkStoredIdentity, databaseFilePath } from "./node-directory.ts";
import { StorageCorruptError } from "./storage-error.ts";

export interface OpenedNodeStorage {
  readonly storage: LogStorage;
  /** The stored identity; undefined for a node that never saved one. */
  readonly identity: NodeIdentity | undefined;
}

/**
 * Opens `directory`'s database (creating both if needed). Throws an IdentityConflictError,
 * after closing the storage, if the identity stored there is another node's.
 */
export async function openNodeStorage(target: {
  readonly nodeId: NodeId;
  readonly directory: string;
}): Promise<OpenedNodeStorage> {
  checkDatabaseKept(target.directory);
  const { SqliteLogStorage } = await import("./sqlite-storage.ts");
  const storage = await SqliteLogStorage.open(databaseFilePath(target.directory));
  try {
    const identity = await storage.loadIdentity();
    checkStoredIdentity({ directory: target.directory, nodeId: target.nodeId, identity });
    return { storage, identity };
  } catch (error) {
    // Rethrown: the storage is closed first so that a refused start leaves the file unlocked.
    await storage.close();
    throw error;
  }
}

/**
 * STORAGE_CORRUPT when `directory` holds files but its database is missing or empty: SQLite
 * would open that as a new, empty database, which a start would take for a join that stopped
 * before it saved an identity (and remove), where it is a damaged or deleted node. Only a
 * directory with nothing in it is new. (A crash in the moment between SQLite creating the
 * file and writing its first page is refused too: the safe side.)
 */
function checkDatabaseKept(directory: string): void {
  const file = databaseFilePath(directory);
  const entries = existsSync(directory) ? readdirSync(directory).sort() : [];
  if (entries.length === 0) return;
  const size = statSync(file, { throwIfNoEntry: false })?.size;
  if (size !== undefined && size > 0) return;
  throw new StorageCorruptError(
    `${file} is ${size === undefined ? "missing" : "empty"} while ${directory} holds ${entries.join(", ")}: this node's storage was damaged or deleted, and it cannot resume from it. Move the directory aside (keep it to find out what happened), then start the node with an empty --storage-path and --peers naming running nodes: it joins as a new node and copies everything from the others.`,
    { file },
  );
}
