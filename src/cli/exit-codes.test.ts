// Which exit status each way of ending gets: what systemd and Docker act on.

import { expect, test } from "bun:test";
import { AssertionError, RaftoralError } from "../lib/index.ts";
import { StorageCorruptError, StorageError } from "../storage/index.ts";
import {
  EXIT_DATA_DAMAGED,
  EXIT_FAILED,
  EXIT_INTERNAL,
  EXIT_OK,
  EXIT_STALE_STATE,
  EXIT_STORAGE_FAILED,
  EXIT_USAGE,
  exitCodeOf,
} from "./exit-codes.ts";
import { SERVER_HELP } from "./server-help.ts";

test.each([
  ["a failed disk while running", 74, new StorageError("STORAGE_FAILED", "full"), "run"],
  ["a failed disk at start", 74, new StorageError("STORAGE_FAILED", "read-only"), "start"],
  ["a corrupt entry read while running", 74, new StorageCorruptError("bad"), "run"],
  ["a corrupt file at start", 65, new StorageCorruptError("bad"), "start"],
  ["a directory another process runs", 1, new StorageError("IDENTITY_CONFLICT", "in use"), "start"],
  ["a stale copy of the directory", 78, new RaftoralError("STALE_INCARNATION", "old"), "start"],
  ["a bad setting at start", 1, new RaftoralError("INVALID_ARGUMENT", "no"), "start"],
  ["a bug while running", 70, new AssertionError("broken"), "run"],
] as const)("%s exits %i", (_what, status, error, phase) => {
  expect(exitCodeOf(error, phase)).toBe(status);
});

test("the statuses are distinct", () => {
  const statuses = [
    EXIT_FAILED,
    EXIT_DATA_DAMAGED,
    EXIT_INTERNAL,
    EXIT_STALE_STATE,
    EXIT_STORAGE_FAILED,
  ];
  expect(new Set(statuses).size).toBe(statuses.length);
});

test("raftoral --help states every exit status a node can end with", () => {
  const line = SERVER_HELP.slice(SERVER_HELP.indexOf("Exit codes of a node"));
  const codes = [EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_DATA_DAMAGED, EXIT_INTERNAL];
  for (const code of [...codes, EXIT_STORAGE_FAILED]) {
    expect(line).toMatch(new RegExp(`\\s${code} (after|when|for)`));
  }
  expect(line).toMatch(new RegExp(`\\s${EXIT_STALE_STATE} when`));
});
