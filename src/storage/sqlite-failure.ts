// Turns whatever bun:sqlite throws into a StorageError that names the file and says what the
// operator can do. Errors that are already ours (typed storage errors, assertions) pass through.

import { SQLiteError } from "bun:sqlite";
import { accessSync, constants } from "node:fs";
import { dirname } from "node:path";
import { AssertionError, RaftoralError } from "../lib/index.ts";
import { StorageCorruptError, StorageError } from "./storage-error.ts";

const RESTART = "then restart the node; everything acknowledged before is on disk.";

/**
 * What the operator can do about a file system call's error (creating the directory, writing
 * durable-mark.json), as the SQLite errors below say it: the raw errno names no remedy.
 */
const FILE_SYSTEM_ADVICE: Readonly<Record<string, string>> = {
  ENOSPC: `: the disk is full. Free space, ${RESTART}`,
  EDQUOT: `: the disk quota is used up. Free space or raise the quota, ${RESTART}`,
  EROFS: `: read-only file system (EROFS). Check the disk and the mount, ${RESTART}`,
  EACCES: `: not writable by this user (EACCES). Fix the permissions of the --storage-path directory (or run the node as its owner), ${RESTART}`,
  EPERM: `: not permitted for this user (EPERM). Fix the permissions of the --storage-path directory (or run the node as its owner), ${RESTART}`,
  EIO: `: the operating system refused the I/O (a failing disk). Check the kernel log and the disk, ${RESTART}`,
  ENOENT:
    ": the directory cannot be created there (ENOENT: a file system such as /proc takes no new directories). Give a --storage-path on a writable disk",
};

/** Converts `error`, thrown while doing `action` on `file`, into a typed error. */
export function toStorageError(error: unknown, options: { file: string; action: string }): Error {
  if (error instanceof RaftoralError || error instanceof AssertionError) return error;
  const { file, action } = options;
  const unwritable = unwritableReason(file);
  if (unwritable !== undefined) {
    return new StorageError(
      "STORAGE_FAILED",
      `${action} ${file} failed (${describe(error)}): ${unwritable}. Make it writable (check the mount and the permissions), then restart the node; everything acknowledged before is on disk.`,
      { file, cause: error },
    );
  }
  if (!(error instanceof SQLiteError)) {
    const advice = FILE_SYSTEM_ADVICE[(error as NodeJS.ErrnoException).code ?? ""] ?? "";
    return new StorageError(
      "STORAGE_FAILED",
      `${action} ${file} failed: ${String(error)}${advice}`,
      { file, cause: error },
    );
  }
  const code = error.code ?? `SQLite error ${error.errno}`;
  const what = `${action} ${file} failed (${describe(error)})`;
  const location = { file, cause: error };
  if (code.startsWith("SQLITE_CORRUPT") || code.startsWith("SQLITE_NOTADB")) {
    return new StorageCorruptError(
      `${what}: the file is damaged or not a Raftoral database. Stop this node, move its directory aside, and let it rejoin to catch up from the other replicas.`,
      location,
    );
  }
  if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")) {
    // Another process runs this node: who this node is is in question, not the disk (exit 1).
    return new StorageError(
      "IDENTITY_CONFLICT",
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
  if (code.startsWith("SQLITE_READONLY")) {
    return new StorageError(
      "STORAGE_FAILED",
      `${what}: the file or its file system is read-only (a file system remounts read-only after disk errors). Check the disk and the mount, then restart the node; everything acknowledged before is on disk.`,
      location,
    );
  }
  if (code.startsWith("SQLITE_IOERR")) {
    return new StorageError(
      "STORAGE_FAILED",
      `${what}: the operating system refused the I/O (a failing disk, or a file size limit such as ulimit -f). Check the kernel log and the disk, then restart the node; everything acknowledged before is on disk.`,
      location,
    );
  }
  return new StorageError(
    "STORAGE_FAILED",
    `${what}. Check the disk and the file's permissions, then restart the node; everything acknowledged before is on disk.`,
    location,
  );
}

function describe(error: unknown): string {
  if (error instanceof SQLiteError)
    return `${error.code ?? `SQLite error ${error.errno}`}: ${error.message}`;
  return String(error);
}

/**
 * Why the database `file` cannot be written, if it cannot: its directory, the file or its
 * WAL. SQLite reports that only as a generic I/O or lock error, while access(2) names it
 * (EROFS, EACCES, EPERM). `access` is access(2) (replaced in tests: root may write anything).
 */
export function unwritableReason(
  file: string,
  access: (path: string, mode: number) => void = accessSync,
): string | undefined {
  // SQLite writes the directory (its journal files), the database and its WAL.
  for (const path of [dirname(file), file, `${file}-wal`]) {
    try {
      access(path, constants.W_OK);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EROFS") return `${path} is on a read-only file system (EROFS)`;
      if (code === "EACCES") return `${path} is not writable by this user (EACCES)`;
      // Even root: an immutable or append-only attribute (chattr +i / +a; lsattr shows it).
      if (code === "EPERM") {
        return `${path} may not be written (EPERM: an immutable or append-only attribute? lsattr shows it)`;
      }
      // Handled: a path that is missing or cannot be checked says nothing about writability.
    }
  }
  return undefined;
}
