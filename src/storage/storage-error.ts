// Typed storage errors. Every message names the file (and the group and index for a corrupt
// entry) and says what the operator can do.

import { type GroupId, type LogIndex, type NodeId, RaftoralError } from "../lib/index.ts";

export type StorageErrorCode =
  | "STORAGE_FAILED"
  | "STORAGE_CORRUPT"
  | "STORAGE_VERSION"
  | "IDENTITY_CONFLICT"
  /** The database is an older copy of this node: it lost writes it had synced. */
  | "STALE_INCARNATION";

/** Where a storage error happened; every field that is known is set. */
export interface StorageErrorLocation {
  /** The database file or storage directory concerned. */
  readonly file?: string;
  readonly groupId?: GroupId;
  readonly index?: LogIndex;
}

/**
 * Storage could not do what was asked (disk full, I/O error, file locked, closed...). The node
 * must stop; what is on disk stays valid up to the last write that resolved.
 */
export class StorageError extends RaftoralError {
  readonly file: string | undefined;
  readonly groupId: GroupId | undefined;
  readonly index: LogIndex | undefined;

  constructor(
    code: StorageErrorCode,
    message: string,
    options: StorageErrorLocation & { cause?: unknown } = {},
  ) {
    super(code, message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "StorageError";
    this.file = options.file;
    this.groupId = options.groupId;
    this.index = options.index;
  }
}

/** The file holds data that fails its checksum or breaks the log's structure. */
export class StorageCorruptError extends StorageError {
  constructor(message: string, options: StorageErrorLocation & { cause?: unknown } = {}) {
    super("STORAGE_CORRUPT", message, options);
    this.name = "StorageCorruptError";
  }
}

/** The file was written by a newer schema version than this build understands. */
export class StorageVersionError extends StorageError {
  constructor(message: string, options: StorageErrorLocation & { cause?: unknown } = {}) {
    super("STORAGE_VERSION", message, options);
    this.name = "StorageVersionError";
  }
}

/** The stored identity and the command line disagree about who this node is. */
export class IdentityConflictError extends StorageError {
  readonly storedNodeIds: readonly NodeId[];
  readonly requestedNodeId: NodeId | undefined;

  constructor(
    message: string,
    options: { file: string; storedNodeIds: readonly NodeId[]; requestedNodeId?: NodeId },
  ) {
    super("IDENTITY_CONFLICT", message, { file: options.file });
    this.name = "IdentityConflictError";
    this.storedNodeIds = options.storedNodeIds;
    this.requestedNodeId = options.requestedNodeId;
  }
}
