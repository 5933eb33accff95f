// Creating directories so that they survive a crash: a new file or directory is only durable
// once the directory that lists it has been fsynced too (POSIX keeps names in the parent).
// Directories we create are 0700: they hold the cluster's workflow inputs and results.

import { closeSync, existsSync, fsyncSync, mkdirSync, openSync } from "node:fs";
import { dirname, resolve } from "node:path";

/** fsyncs the directory itself, making the names it lists durable. */
export function syncDirectory(directory: string): void {
  const descriptor = openSync(directory, "r");
  try {
    fsyncSync(descriptor);
  } finally {
    closeSync(descriptor);
  }
}

/** Mode of the directories we create: the node's user only. */
export const DIRECTORY_MODE = 0o700;

/**
 * Creates `directory` and any missing parents (mode DIRECTORY_MODE), then fsyncs each new one
 * and the parent that lists it. Does nothing (and syncs nothing) if it already exists.
 */
export function makeDurableDirectory(directory: string): void {
  const missing: string[] = [];
  for (let current = resolve(directory); !existsSync(current); current = dirname(current)) {
    missing.push(current);
    if (dirname(current) === current) break;
  }
  if (missing.length === 0) return;
  mkdirSync(directory, { recursive: true, mode: DIRECTORY_MODE });
  // Innermost first, then each parent: every new name ends up in a synced directory.
  for (const created of missing) syncDirectory(created);
  syncDirectory(dirname(missing.at(-1) ?? directory));
}
