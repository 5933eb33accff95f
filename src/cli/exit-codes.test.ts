// Which exit status each way of ending gets: what systemd and Docker act on.

import { expect, test } from "bun:test";
import { AssertionError, RaftoralError } from "../lib/index.ts";
import { StorageCorruptError, StorageError } from "../storage/index.ts";
import {
  EXIT_FAILED,
  EXIT_INTERNAL,
  EXIT_STALE_STATE,
  EXIT_STORAGE_FAILED,
  exitCodeOf,
} from "./exit-codes.ts";

test.each([
  ["a failed disk while running", 74, new StorageError("STORAGE_FAILED", "full"), "run"],
  ["a failed disk at start", 74, new StorageError("STORAGE_FAILED", "read-only"), "start"],
  ["a corrupt entry read while running", 74, new StorageCorruptError("bad"), "run"],
  ["a corrupt file at start", 1, new StorageCorruptError("bad"), "start"],
  ["a stale copy of the directory", 78, new RaftoralError("STALE_INCARNATION", "old"), "start"],
  ["a bad setting at start", 1, new RaftoralError("INVALID_ARGUMENT", "no"), "start"],
  ["a bug while running", 70, new AssertionError("broken"), "run"],
] as const)("%s exits %i", (_what, status, error, phase) => {
  expect(exitCodeOf(error, phase)).toBe(status);
});

test("the statuses are distinct", () => {
  const statuses = [EXIT_FAILED, EXIT_INTERNAL, EXIT_STALE_STATE, EXIT_STORAGE_FAILED];
  expect(new Set(statuses).size).toBe(statuses.length);
});
