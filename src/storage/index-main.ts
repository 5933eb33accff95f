// A slice of src/storage's surface (index.ts has all of it): what a node's main thread uses.
// With --storage-path the SQLite code runs only in the storage Worker (worker-storage.ts), so
// the main thread need not load it, nor bun:sqlite: 6-8 ms of every start of the compiled
// binary (docs/performance.md, "Start-up").

export type { LogStorage, NodeIdentity } from "./log-storage.ts";
export { MemoryLogStorage } from "./memory-storage.ts";
export { nodeDirectoryPath, resolveNodeDirectory } from "./node-directory.ts";
export { type OpenedNodeStorage, openNodeStorage } from "./open-node-storage.ts";
export { StorageError } from "./storage-error.ts";
export { prestartStorageWorker } from "./worker-storage.ts";
