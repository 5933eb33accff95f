// Public surface of src/storage: the LogStorage interface, its memory and SQLite
// implementations, the node directory layout, and the typed storage errors.

export {
  type GroupTombstone,
  type GroupWrite,
  type IncarnationClaim,
  type LogStorage,
  type NodeIdentity,
  type NodeTransport,
  READ_ENTRIES_MAX,
  type ReadEntriesRange,
  type StoredGroup,
  type WriteOptions,
} from "./log-storage.ts";
export { MemoryLogStorage, MemoryLogStore } from "./memory-storage.ts";
export {
  checkStoredIdentity,
  chooseNodeDirectory,
  DATABASE_FILE_NAME,
  databaseFilePath,
  listNodeIds,
  type NodeDirectoryChoice,
  nodeDirectoryPath,
  resolveNodeDirectory,
} from "./node-directory.ts";
export { type OpenedNodeStorage, openNodeStorage } from "./open-node-storage.ts";
export { SqliteLogCore, type SqliteLogCoreOptions } from "./sqlite-log-core.ts";
export { MIGRATIONS, type Migration, SCHEMA_VERSION } from "./sqlite-schema.ts";
export { SqliteLogStorage } from "./sqlite-storage.ts";
export {
  IdentityConflictError,
  StorageCorruptError,
  StorageError,
  type StorageErrorCode,
  StorageVersionError,
} from "./storage-error.ts";
export { LOCK_FILE_NAME, lockStoragePath, type StoragePathLock } from "./storage-path-lock.ts";
