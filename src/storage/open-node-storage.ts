// Opens the durable storage of one node directory (the choice made by resolveNodeDirectory)
// and checks that the identity inside belongs to that directory. SQLite runs on the node's
// own thread (docs/storage.md, "Which thread"); its code loads only when a node has storage.

import type { NodeId } from "../lib/index.ts";
import type { LogStorage, NodeIdentity } from "./log-storage.ts";
import { checkStoredIdentity, databaseFilePath } from "./node-directory.ts";

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
