// One process per --storage-path: the path's lock is refused while held, with the message of
// a node directory in use, and taken again once released.

import { afterAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LOCK_FILE_NAME, lockStoragePath } from "./storage-path-lock.ts";

const root = mkdtempSync(join(tmpdir(), "raftoral-path-lock-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

test("a storage path is locked by one holder at a time", () => {
  const path = join(root, "p");
  const first = lockStoragePath(path);
  expect(existsSync(join(path, LOCK_FILE_NAME))).toBe(true);
  expect(() => lockStoragePath(path)).toThrow(
    expect.objectContaining({
      code: "IDENTITY_CONFLICT",
      message: expect.stringContaining(
        "another process is using it. Stop the other raftoral node that uses this --storage-path, or give this one its own path.",
      ),
    }),
  );
  first.release();
  lockStoragePath(path).release();
});

test("a path that is a file is refused before anything is made", () => {
  const file = join(root, "a-file");
  writeFileSync(file, "not a directory");
  expect(() => lockStoragePath(file)).toThrow(
    expect.objectContaining({ code: "INVALID_ARGUMENT" }),
  );
});
