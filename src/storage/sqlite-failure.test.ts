// What an operator reads when SQLite fails: each kind of failure names the file and the cause,
// from real SQLite errors (a full database, a read-only file) and a file deleted under it.

import { Database } from "bun:sqlite";
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, truncateSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { groupId, logIndex, term } from "../lib/index.ts";
import { toStorageError, unwritableReason } from "./sqlite-failure.ts";
import { SqliteLogCore } from "./sqlite-log-core.ts";
import { StorageError } from "./storage-error.ts";

const directory = mkdtempSync(join(tmpdir(), "raftoral-sqlite-failure-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function thrownBy(action: () => void): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error("expected the action to throw");
}

test("a full database: STORAGE_FAILED that says the disk is full", () => {
  const file = join(directory, "full.db");
  const db = new Database(file, { create: true });
  db.run("CREATE TABLE t (x BLOB)");
  db.run("PRAGMA max_page_count = 3");
  const error = toStorageError(
    thrownBy(() => {
      for (let k = 0; k < 100; k++) db.run("INSERT INTO t VALUES (?)", [new Uint8Array(4096)]);
    }),
    { file, action: "writing" },
  );
  db.close();
  expect(error).toBeInstanceOf(StorageError);
  expect((error as StorageError).code).toBe("STORAGE_FAILED");
  expect(error.message).toStartWith(`writing ${file} failed (SQLITE_FULL`);
  expect(error.message).toContain("the disk is full");
});

test("a read-only file: STORAGE_FAILED that says so", () => {
  const file = join(directory, "readonly.db");
  const writer = new Database(file, { create: true });
  writer.run("CREATE TABLE t (x INTEGER)");
  writer.close();
  const db = new Database(file, { readonly: true });
  const error = toStorageError(
    thrownBy(() => db.run("INSERT INTO t VALUES (1)")),
    { file, action: "writing" },
  );
  db.close();
  expect((error as StorageError).code).toBe("STORAGE_FAILED");
  expect(error.message).toContain("SQLITE_READONLY");
  expect(error.message).toContain("read-only");
});

test("an idle node's check finds its database file deleted, and takes no write after", () => {
  const file = join(directory, "deleted-idle", "raftoral.db");
  const storage = SqliteLogCore.open(file, { presenceIntervalMs: 0 });
  storage.checkFile();
  rmSync(file);
  const error = thrownBy(() => storage.checkFile());
  expect((error as Error).message).toStartWith(`${file} was deleted while the node ran`);
  expect(thrownBy(() => storage.listGroups())).toMatchObject({ code: "STORAGE_FAILED" });
  storage.close();
});

test("a WAL deleted while the node runs stops it as the database's deletion does", () => {
  const file = join(directory, "deleted-wal", "raftoral.db");
  const storage = SqliteLogCore.open(file, { presenceIntervalMs: 0 });
  storage.checkFile();
  rmSync(`${file}-wal`);
  const error = thrownBy(() => storage.checkFile());
  expect(error).toMatchObject({ code: "STORAGE_FAILED" });
  expect((error as Error).message).toStartWith(`${file}-wal was deleted while the node ran`);
  storage.close();
});

test("a WAL emptied in place stops the node; the WAL's own resets and cuts do not", () => {
  const file = join(directory, "emptied-wal", "raftoral.db");
  const storage = SqliteLogCore.open(file, { presenceIntervalMs: 0 });
  // Enough writes for SQLite to checkpoint and start its WAL over, each write looking.
  const data = new Uint8Array(4_000);
  for (let index = 1; index <= 3_000; index++) {
    const entry = { index: logIndex(index), term: term(1), type: "normal" as const, data };
    storage.write([{ groupId: groupId(1), entries: [entry] }]);
  }
  storage.checkFile();
  truncateSync(`${file}-wal`, 0);
  const error = thrownBy(() => storage.checkFile());
  expect(error).toMatchObject({ code: "STORAGE_FAILED" });
  expect((error as Error).message).toStartWith(
    `${file}-wal was emptied or overwritten while the node ran`,
  );
  storage.close();
});

test("a database file deleted while the node runs stops the next write, naming the file", async () => {
  const file = join(directory, "deleted", "raftoral.db");
  const storage = SqliteLogCore.open(file, { presenceIntervalMs: 0 });
  const write = (index: number) =>
    storage.write([
      {
        groupId: groupId(1),
        entries: [
          { index: logIndex(index), term: term(1), type: "normal", data: new Uint8Array(1) },
        ],
      },
    ]);
  write(1);
  rmSync(file);
  const error = thrownBy(() => write(2));
  expect(error).toMatchObject({ code: "STORAGE_FAILED" });
  expect((error as Error).message).toStartWith(`${file} was deleted while the node ran`);
  // And everything after: the node stops instead of going on unpersisted.
  expect(thrownBy(() => storage.listGroups())).toMatchObject({ code: "STORAGE_FAILED" });
  storage.close();
});

test("a database file or WAL that this user may not write is named, not only its directory", () => {
  const file = "/data/node_2/raftoral.db";
  const deny = (denied: string) => (path: string) => {
    if (path === denied) throw Object.assign(new Error("denied"), { code: "EACCES" });
  };
  expect(unwritableReason(file, deny(file))).toBe(`${file} is not writable by this user (EACCES)`);
  expect(unwritableReason(file, deny(`${file}-wal`))).toBe(
    `${file}-wal is not writable by this user (EACCES)`,
  );
  expect(unwritableReason(file, deny("/data/node_2"))).toBe(
    "/data/node_2 is not writable by this user (EACCES)",
  );
  expect(unwritableReason(file, () => undefined)).toBeUndefined();
});

test("a file with an immutable attribute is named, not taken for a failing disk", () => {
  // chattr +i on the database stops even root; SQLite then fails with SQLITE_IOERR_LOCK, which
  // was reported as "a failing disk, or a file size limit".
  const file = "/data/node_2/raftoral.db";
  const immutable = (path: string) => {
    if (path === file) throw Object.assign(new Error("not permitted"), { code: "EPERM" });
  };
  expect(unwritableReason(file, immutable)).toBe(
    `${file} may not be written (EPERM: an immutable or append-only attribute? lsattr shows it)`,
  );
});

test("a file system call's error says what to do, as SQLite's do", () => {
  const file = "/data/node_2/raftoral.db";
  const failed = (code: string, message: string) =>
    toStorageError(Object.assign(new Error(`${code}: ${message}`), { code }), {
      file,
      action: "opening",
    });
  const full = failed("ENOSPC", "no space left on device, write");
  expect((full as StorageError).code).toBe("STORAGE_FAILED");
  expect(full.message).toStartWith(`opening ${file} failed: Error: ENOSPC`);
  expect(full.message).toContain("the disk is full. Free space, then restart the node");
  expect(failed("EROFS", "read-only file system, mkdir").message).toContain(
    "read-only file system (EROFS). Check the disk and the mount",
  );
  expect(failed("EACCES", "permission denied, mkdir '/data/node_2'").message).toContain(
    "not writable by this user (EACCES). Fix the permissions",
  );
  expect(failed("ENOENT", "no such file or directory, mkdir '/proc/x'").message).toContain(
    "cannot be created there (ENOENT: a file system such as /proc takes no new directories). " +
      "Give a --storage-path on a writable disk",
  );
  // An error without advice keeps its own words.
  expect(failed("ENOTDIR", "not a directory, mkdir").message).toEndWith("not a directory, mkdir");
});
