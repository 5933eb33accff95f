// Opens the durable storage of one node directory (the choice made by resolveNodeDirectory)
// in the storage Worker, and checks that the identity inside belongs to that directory.

import type { NodeId } from "../lib/index.ts";
import type { NodeIdentity } from "./log-storage.ts";
import { checkStoredIdentity, databaseFilePath } from "./node-directory.ts";
import { WorkerLogStorage, type WorkerLogStorageOptions } from "./worker-storage.ts";

export interface OpenedNodeStorage {
  readonly storage: WorkerLogStorage;
  /** The stored identity; undefined for a node that never saved one. */
  readonly identity: NodeIdentity | undefined;
}

/**
 * Opens `directory`'s database (creating both if needed). Throws an IdentityConflictError,
 * after closing the storage, if the identity stored there is another node's.
 */
export async function openNodeStorage(
  target: { readonly nodeId: NodeId; readonly directory: string },
  options: WorkerLogStorageOptions = {},
): Promise<OpenedNodeStorage> {
  const storage = await WorkerLogStorage.open(databaseFilePath(target.directory), options);
  try {
    const identity = await storage.loadIdentity();
    checkStoredIdentity({ directory: target.directory, nodeId: target.nodeId, identity });
    return { storage, identity };
  } catch (error) {
    // Rethrown: the storage is closed first so that a refused start leaves no Worker behind.
    await storage.close();
    throw error;
  }
}
