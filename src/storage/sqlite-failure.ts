// Turns whatever bun:sqlite throws into a StorageError that names the file and says what the
// operator can do. Errors that are already ours (typed storage errors, assertions) pass through.

import { SQLiteError } from "bun:sqlite";
import { AssertionError, RaftoralError } from "../lib/index.ts";
import { StorageCorruptError, StorageError } from "./storage-error.ts";

/** Converts `error`, thrown while doing `action` on `file`, into a typed error. */
export function toStorageError(error: unknown, options: { file: string; action: string }): Error {
  if (error instanceof RaftoralError || error instanceof AssertionError) return error;
  const { file, action } = options;
  if (!(error instanceof SQLiteError)) {
    return new StorageError("STORAGE_FAILED", `${action} ${file} failed: ${String(error)}`, {
      file,
      cause: error,
    });
  }
  const code = error.code ?? `SQLite error ${error.errno}`;
  const what = `${action} ${file} failed (${code}: ${error.message})`;
  const location = { file, cause: error };
  if (code.startsWith("SQLITE_CORRUPT") || code.startsWith("SQLITE_NOTADB")) {
    return new StorageCorruptError(
      `${what}: the file is damaged or not a Raftoral database. Stop this node, move its directory aside, and let it rejoin to catch up from the other replicas.`,
      location,
    );
  }
  if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")) {
    return new StorageError(
      "STORAGE_FAILED",
      `${what}: another process is using it. Stop the other raftoral node that uses this --storage-path, or give this one its own path.`,
      location,
    );
  }
  if (code.startsWith("SQLITE_FULL")) {
    return new StorageError(
      "STORAGE_FAILED",
      `${what}: the disk is full. Free space, then restart the node; everything acknowledged before is on disk.`,
      location,
    );
  }
  return new StorageError(
    "STORAGE_FAILED",
    `${what}. Check the disk and the file's permissions, then restart the node; everything acknowledged before is on disk.`,
    location,
  );
}
