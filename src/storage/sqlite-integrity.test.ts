// What the SQLite store does with a damaged, foreign, newer or busy file: each case is a
// typed error naming the file (and the group and index of a bad entry), never bad data.

import { Database } from "bun:sqlite";
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  G1,
  hardState,
  makeEntries,
  makeEntry,
  makeSnapshot,
} from "../../test/contracts/log-storage-fixtures.ts";
import { logIndex, nodeId, term } from "../lib/index.ts";
import { SqliteLogCore } from "./sqlite-log-core.ts";
import { SCHEMA_VERSION } from "./sqlite-schema.ts";
import { StorageCorruptError, StorageError, StorageVersionError } from "./storage-error.ts";

let directory = "";
let file = "";

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), "raftoral-integrity-"));
  file = join(directory, "node_1", "raftoral.db");
});

afterEach(() => {
  rmSync(directory, { recursive: true, force: true });
});

/** Writes group 1 with entries 1..count (commit `commit`), then closes the file. */
function writeLog(count: number, options: { commit?: number; bytes?: number } = {}): void {
  const core = SqliteLogCore.open(file);
  const entries = makeEntries(1, count, 1, { bytes: options.bytes ?? 32 });
  core.write([{ groupId: G1, hardState: hardState(1, 1, options.commit ?? 0), entries }]);
  core.close();
}

/** Changes the file behind the store's back, as a disk or another program could. */
function tamper(sql: string, params: (number | Uint8Array)[] = []): void {
  const db = new Database(file);
  db.run(sql, params);
  db.close();
}

function readRange(core: SqliteLogCore, from: number, to: number) {
  return core.readEntries({
    groupId: G1,
    fromIndex: logIndex(from),
    toIndexInclusive: logIndex(to),
    bytesMax: 1 << 20,
  });
}

function thrown(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    // The error is the result under test.
    return error;
  }
  throw new Error("expected an error, none was thrown");
}

describe("a corrupt entry is reported with its file, group and index, never returned", () => {
  test("data changed under an unchanged checksum", () => {
    writeLog(5);
    tamper("UPDATE entry SET data = ? WHERE group_id = 1 AND entry_index = 3", [
      new Uint8Array(32),
    ]);
    const core = SqliteLogCore.open(file);
    expect(readRange(core, 1, 2).map((entry) => entry.index)).toEqual([logIndex(1), logIndex(2)]);
    const error = thrown(() => readRange(core, 1, 5));
    expect(error).toBeInstanceOf(StorageCorruptError);
    expect(error).toMatchObject({ code: "STORAGE_CORRUPT", file, groupId: G1, index: 3 });
    expect((error as Error).message).toContain(`${file}: group 1 entry 3 is corrupt (checksum`);
    core.close();
  });

  test("a byte flipped on disk inside an entry's data", () => {
    const marker = makeEntry(7, 1, { bytes: 200 }).data;
    writeLog(9, { bytes: 200 });
    const bytes = readFileSync(file);
    const offset = bytes.indexOf(marker);
    expect(offset).toBeGreaterThan(0);
    bytes[offset + 100] = (bytes[offset + 100] ?? 0) ^ 0x01;
    writeFileSync(file, bytes);
    const core = SqliteLogCore.open(file);
    expect(() => readRange(core, 1, 9)).toThrow(StorageCorruptError);
    expect(thrown(() => readRange(core, 6, 9))).toMatchObject({ index: 7 });
    core.close();
  });

  test("an entry missing from the middle of the log", () => {
    writeLog(10);
    tamper("DELETE FROM entry WHERE group_id = 1 AND entry_index = 5");
    const core = SqliteLogCore.open(file);
    const error = thrown(() => readRange(core, 1, 10));
    expect(error).toMatchObject({ code: "STORAGE_CORRUPT", index: 5 });
    expect((error as Error).message).toContain("entry 5 is corrupt (missing)");
    core.close();
  });

  test("a lost committed tail is found when opening", () => {
    writeLog(10, { commit: 10 });
    tamper("DELETE FROM entry WHERE group_id = 1 AND entry_index >= 9");
    const error = thrown(() => SqliteLogCore.open(file));
    expect(error).toBeInstanceOf(StorageCorruptError);
    expect((error as Error).message).toContain("commit 10 is beyond the last stored index 8");
  });

  test("a changed hard state is found when opening", () => {
    writeLog(3, { commit: 2 });
    tamper("UPDATE raft_group SET term = 9 WHERE group_id = 1");
    expect(thrown(() => SqliteLogCore.open(file))).toMatchObject({
      code: "STORAGE_CORRUPT",
      groupId: G1,
    });
  });

  test("a changed tombstone is found when it is loaded", () => {
    writeLog(3);
    const core = SqliteLogCore.open(file);
    const tombstone = { term: term(3), vote: nodeId(2), lastIndex: logIndex(3), lastTerm: term(1) };
    core.write([{ groupId: G1, deleteGroup: true, entries: [], tombstone }]);
    expect(core.loadTombstone(G1)).toEqual(tombstone);
    core.close();
    tamper("UPDATE group_tombstone SET term = 1 WHERE group_id = 1");
    const reopened = SqliteLogCore.open(file);
    expect(thrown(() => reopened.loadTombstone(G1))).toMatchObject({
      code: "STORAGE_CORRUPT",
      groupId: G1,
    });
    reopened.close();
  });

  test("a changed snapshot is found when it is loaded", () => {
    const core = SqliteLogCore.open(file);
    core.write([{ groupId: G1, hardState: hardState(1, 1, 2), entries: makeEntries(1, 2, 1) }]);
    core.write([{ groupId: G1, snapshot: makeSnapshot(2, 1, [1, 2]), entries: [] }]);
    core.close();
    tamper(`UPDATE group_snapshot SET conf_state = '{"voters":[1]}'`);
    const reopened = SqliteLogCore.open(file);
    expect(() => reopened.loadGroup(G1)).toThrow("unreadable snapshot metadata");
    reopened.close();
  });
});

describe("a group's hard state row lost from a damaged page", () => {
  // Before, such a group was taken for one this node never had: the node started, was given an
  // empty replica of it (a voter with no log), and stopped at its first append on the old rows.
  test("with entries left: found when opening", () => {
    writeLog(3, { commit: 2 });
    tamper("DELETE FROM raft_group WHERE group_id = 1");
    const error = thrown(() => SqliteLogCore.open(file));
    expect(error).toMatchObject({ code: "STORAGE_CORRUPT", groupId: G1 });
    expect((error as Error).message).toContain("group 1 is corrupt (it has entries, but no hard");
  });

  test("with only a snapshot left: found when opening", () => {
    const core = SqliteLogCore.open(file);
    core.write([{ groupId: G1, hardState: hardState(1, 1, 2), entries: makeEntries(1, 2, 1) }]);
    core.write([{ groupId: G1, snapshot: makeSnapshot(2, 1, [1, 2]), entries: [] }]);
    core.write([{ groupId: G1, entries: [], compactThrough: logIndex(2) }]);
    core.close();
    tamper("DELETE FROM raft_group WHERE group_id = 1");
    const error = thrown(() => SqliteLogCore.open(file));
    expect(error).toMatchObject({ code: "STORAGE_CORRUPT", groupId: G1 });
    expect((error as Error).message).toContain("(it has a snapshot, but no hard state)");
  });
});

describe("files that are not ours to use", () => {
  test("a file that is not a database", () => {
    writeLog(1);
    writeFileSync(file, "this is a text file, not a database ".repeat(200));
    const error = thrown(() => SqliteLogCore.open(file));
    expect(error).toBeInstanceOf(StorageCorruptError);
    expect((error as Error).message).toContain(file);
  });

  test("a database from a newer schema version", () => {
    writeLog(1);
    tamper("UPDATE schema_version SET version = 99");
    const error = thrown(() => SqliteLogCore.open(file));
    expect(error).toBeInstanceOf(StorageVersionError);
    expect((error as Error).message).toBe(
      `${file} was written by a newer Raftoral (schema version 99; this build knows up to ${SCHEMA_VERSION}). Run a newer raftoral binary on it, or move the directory aside to start this node empty.`,
    );
  });

  test("a file another process (or store) has open", () => {
    const first = SqliteLogCore.open(file);
    const error = thrown(() => SqliteLogCore.open(file));
    expect(error).toBeInstanceOf(StorageError);
    expect((error as Error).message).toContain("another process is using it");
    // Two processes as one node: a conflict of identity (exit 1), not a failed disk (74).
    expect((error as StorageError).code).toBe("IDENTITY_CONFLICT");
    first.close();
    SqliteLogCore.open(file).close();
  });
});

describe("a failed write", () => {
  test("stores nothing, and the store refuses everything after it", () => {
    writeLog(2);
    // A trigger stands in for a failing disk: the INSERT fails inside the transaction.
    tamper(
      "CREATE TRIGGER fail BEFORE INSERT ON entry BEGIN SELECT RAISE(FAIL, 'disk on fire'); END",
    );
    const core = SqliteLogCore.open(file);
    expect(() => core.write([{ groupId: G1, entries: makeEntries(3, 3, 1) }])).toThrow(
      "disk on fire",
    );
    expect(() => core.listGroups()).toThrow("failed earlier and accepts nothing more");
    core.close();
    tamper("DROP TRIGGER fail");
    const reopened = SqliteLogCore.open(file);
    expect(reopened.loadGroup(G1)?.lastIndex).toBe(logIndex(2));
    reopened.close();
  });
});
