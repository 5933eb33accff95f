// A slice of src/storage's surface (index.ts has all of it): what a node's start uses. The
// SQLite code loads only once openNodeStorage is called (a node with --storage-path), so a
// node on memory storage does not load it, nor bun:sqlite (docs/performance.md, "Start-up").

export type { LogStorage, NodeIdentity } from "./log-storage.ts";
export { MemoryLogStorage } from "./memory-storage.ts";
export { nodeDirectoryPath, resolveNodeDirectory } from "./node-directory.ts";
export { type OpenedNodeStorage, openNodeStorage } from "./open-node-storage.ts";
export { StorageError } from "./storage-error.ts";
