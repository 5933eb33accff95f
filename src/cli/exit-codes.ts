// How `raftoral --listen ...` ends, as its exit status. Supervisors act on these: systemd's
// Restart=on-failure and Docker's on-failure restart any non-zero status, and the units list
// EXIT_DATA_DAMAGED and EXIT_STALE_STATE in RestartPreventExitStatus= because restarting cannot
// fix them.

import { RaftoralError } from "../lib/index.ts";

/** Stopped by a signal or after leaving the cluster. */
export const EXIT_OK = 0;
/** Could not start (a bad setting, a port in use, an identity conflict...) or stop cleanly. */
export const EXIT_FAILED = 1;
/** A usage error on the command line. */
export const EXIT_USAGE = 2;
/**
 * The node's stored data is damaged (a record that fails its checksum, a page SQLite finds
 * malformed, a group with rows missing, a durable mark that is not one): it did not start from it.
 * Restarting cannot help; see docs/storage.md, "Integrity". (EX_DATAERR)
 */
export const EXIT_DATA_DAMAGED = 65;
/** A bug (a broken invariant) stopped the node; its log has the details. (EX_SOFTWARE) */
export const EXIT_INTERNAL = 70;
/**
 * The node could not read or write its storage (disk full, I/O error, read-only file system),
 * at start or while running; it stopped rather than go on unpersisted. (EX_IOERR)
 */
export const EXIT_STORAGE_FAILED = 74;
/**
 * The storage directory is an old copy of this node (a restored backup, a clone that ran
 * elsewhere, or a database that lost writes it had synced), that of a voter a forced recovery
 * left behind, or that of a node that left the cluster: it does not start again.
 * Restarting cannot help; see docs/storage.md and docs/availability.md. (EX_CONFIG)
 */
export const EXIT_STALE_STATE = 78;

/**
 * The exit status for the error a node started or stopped with. While running, every storage
 * error (a corrupt entry read back too) is a storage failure; at start, a damaged file is
 * EXIT_DATA_DAMAGED, and a newer one a problem to fix before starting, like a bad setting.
 */
export function exitCodeOf(error: Error, phase: "start" | "run"): number {
  const code = error instanceof RaftoralError ? error.code : "INTERNAL";
  if (code === "STORAGE_FAILED") return EXIT_STORAGE_FAILED;
  if (phase === "run" && code.startsWith("STORAGE_")) return EXIT_STORAGE_FAILED;
  if (code === "STALE_INCARNATION") return EXIT_STALE_STATE;
  if (code === "STORAGE_CORRUPT") return EXIT_DATA_DAMAGED;
  return phase === "start" ? EXIT_FAILED : EXIT_INTERNAL;
}
