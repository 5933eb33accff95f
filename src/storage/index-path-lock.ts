// A slice of src/storage's surface (index.ts has all of it): the lock a node process takes on
// its --storage-path, in a slice of its own so that bun:sqlite loads only when it is taken.

export { lockStoragePath, type StoragePathLock } from "./storage-path-lock.ts";
