import { Database } from "bun:sqlite";
import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteLogCore } from "./sqlite-log-core.ts";
import { MIGRATIONS, type Migration, migrate, SCHEMA_VERSION } from "./sqlite-schema.ts";
import { StorageCorruptError, StorageVersionError } from "./storage-error.ts";

let directory = "";
let file = "";

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), "raftoral-schema-"));
  file = join(directory, "raftoral.db");
});

afterEach(() => {
  rmSync(directory, { recursive: true, force: true });
});

function version(db: Database): number | undefined {
  return db.query<{ version: number }, []>("SELECT version FROM schema_version").get()?.version;
}

/** A migration from a future build. */
const NEXT: Migration = {
  version: SCHEMA_VERSION + 1,
  statements: ["CREATE TABLE workflow_state (id INTEGER PRIMARY KEY, data BLOB NOT NULL)"],
};

test("a new file gets every migration and records the version", () => {
  const db = new Database(file);
  migrate(db, file);
  expect(version(db)).toBe(SCHEMA_VERSION);
  expect(SCHEMA_VERSION).toBe(MIGRATIONS.length);
  db.close();
});

test("an older file runs only the missing migrations, once", () => {
  const db = new Database(file);
  migrate(db, file, MIGRATIONS.slice(0, 1));
  db.run("INSERT INTO raft_group VALUES (1, 2, 3, 4, 5)");
  // Running a migration twice would fail on CREATE TABLE: both calls must skip version 1.
  migrate(db, file, [...MIGRATIONS, NEXT]);
  migrate(db, file, [...MIGRATIONS, NEXT]);
  expect(version(db)).toBe(NEXT.version);
  expect(db.query("SELECT group_id FROM raft_group").all()).toEqual([{ group_id: 1 }]);
  expect(db.query("SELECT COUNT(*) AS n FROM group_tombstone").get()).toEqual({ n: 0 });
  expect(db.query("SELECT COUNT(*) AS n FROM workflow_state").get()).toEqual({ n: 0 });
  db.close();
});

test("snapshots of a file from before compression read as stored as they are", () => {
  const db = new Database(file);
  migrate(db, file, MIGRATIONS.slice(0, 3));
  db.run("INSERT INTO group_snapshot VALUES (1, 2, 1, '{}', x'0102', 7)");
  migrate(db, file);
  expect(db.query("SELECT encoding FROM group_snapshot").all()).toEqual([{ encoding: 0 }]);
  db.close();
});

test("identities of a file from before leaves read as of nodes that did not leave", () => {
  const db = new Database(file);
  migrate(db, file, MIGRATIONS.slice(0, 4));
  db.run("INSERT INTO node_identity VALUES (0, 3, 'c', '127.0.0.1:7003', 'grpc', 2, NULL, NULL)");
  migrate(db, file);
  expect(db.query("SELECT has_left FROM node_identity").all()).toEqual([{ has_left: 0 }]);
  db.close();
});

test("a newer file is refused and left untouched", () => {
  const db = new Database(file);
  migrate(db, file, [...MIGRATIONS, NEXT]);
  expect(() => migrate(db, file)).toThrow(StorageVersionError);
  expect(version(db)).toBe(NEXT.version);
  db.close();
});

test("a migration that fails leaves the file at its old version", () => {
  const db = new Database(file);
  migrate(db, file);
  const broken: Migration = { ...NEXT, statements: ["CREATE TABLE x (a)", "NOT SQL"] };
  expect(() => migrate(db, file, [...MIGRATIONS, broken])).toThrow();
  expect(version(db)).toBe(SCHEMA_VERSION);
  expect(db.query("SELECT name FROM sqlite_master WHERE name = 'x'").all()).toEqual([]);
  db.close();
});

test("a file that records an older version than its tables is refused as damaged", () => {
  // A flipped bit in schema_version (9 -> 1 or 5) passes SQLite's checks. The migrations it
  // then asks for find their tables and columns there: before, that was reported as a disk
  // failure (STORAGE_FAILED, exit 74, "restart the node"), which a restart only repeats.
  SqliteLogCore.open(file).close();
  for (const recorded of [1, 3, 4]) {
    const db = new Database(file);
    db.run("UPDATE schema_version SET version = ?", [recorded]);
    db.close();
    const error = thrownBy(() => SqliteLogCore.open(file));
    expect(error).toBeInstanceOf(StorageCorruptError);
    expect((error as Error).message).toStartWith(
      `${file} records schema version ${recorded}, but already holds what version ${recorded + 1} adds`,
    );
    expect((error as Error).message).toContain("move its directory aside");
  }
});

function thrownBy(action: () => void): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error("expected the action to throw");
}
