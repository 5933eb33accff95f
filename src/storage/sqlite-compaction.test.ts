// The file must not grow without bound under a steady append-and-compact workload, and the
// space a burst used is given back once it is compacted.

import { afterEach, beforeEach, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  G1,
  hardState,
  makeEntries,
  makeSnapshot,
} from "../../test/contracts/log-storage-fixtures.ts";
import { logIndex } from "../lib/index.ts";
import { SqliteLogCore, type SqliteLogCoreOptions } from "./sqlite-log-core.ts";

const ENTRY_BYTES = 1000;
const ENTRIES_PER_ROUND = 100;
/** Entries the host keeps behind each snapshot for slow followers. */
const TRAILING_MARGIN = 500;

let directory = "";
let file = "";

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), "raftoral-compaction-"));
  file = join(directory, "raftoral.db");
});

afterEach(() => {
  rmSync(directory, { recursive: true, force: true });
});

/** Bytes on disk, database plus WAL. */
function bytesOnDisk(): number {
  const wal = `${file}-wal`;
  return statSync(file).size + (existsSync(wal) ? statSync(wal).size : 0);
}

/**
 * Appends `rounds` rounds of entries to group 1; each round snapshots at its last index and
 * compacts all but the trailing margin, like the host does. Returns the next index.
 */
function appendAndCompact(core: SqliteLogCore, options: { from: number; rounds: number }): number {
  let next = options.from;
  for (let round = 0; round < options.rounds; round++) {
    const last = next + ENTRIES_PER_ROUND - 1;
    const entries = makeEntries(next, last, 1, { bytes: ENTRY_BYTES });
    core.write([{ groupId: G1, hardState: hardState(1, 1, last), entries }]);
    core.write([
      {
        groupId: G1,
        snapshot: makeSnapshot(last, 1, [1]),
        entries: [],
        compactThrough: logIndex(Math.max(0, last - TRAILING_MARGIN)),
      },
    ]);
    next = last + 1;
  }
  return next;
}

test("steady append and compaction reuses pages: the file stops growing", () => {
  let core = SqliteLogCore.open(file);
  let next = appendAndCompact(core, { from: 1, rounds: 40 });
  core.close();
  const warm = bytesOnDisk();
  core = SqliteLogCore.open(file);
  // Five times as much again: 20 MB appended in all, about 0.6 MB live at any time.
  next = appendAndCompact(core, { from: next, rounds: 200 });
  core.close();
  const after = bytesOnDisk();
  expect(next).toBe(24_001);
  expect(after).toBeLessThan(warm * 1.25);
  expect(after).toBeLessThan(4 * 1024 * 1024);
});

test("the space of a compacted burst is given back, a bounded amount per write", () => {
  const options: SqliteLogCoreOptions = { freePagesKept: 64, vacuumPagesPerWriteMax: 256 };
  let core = SqliteLogCore.open(file, options);
  const burst = makeEntries(1, 10_000, 1, { bytes: ENTRY_BYTES });
  core.write([{ groupId: G1, hardState: hardState(1, 1, 10_000), entries: burst }]);
  core.close();
  const big = bytesOnDisk();
  expect(big).toBeGreaterThan(10_000 * ENTRY_BYTES);
  core = SqliteLogCore.open(file, options);
  appendAndCompact(core, { from: 10_001, rounds: 1 });
  core.close();
  const afterOneWrite = bytesOnDisk();
  // One compacting write frees about 2,500 pages but gives back only 256 of them.
  expect(afterOneWrite).toBeLessThan(big);
  expect(afterOneWrite).toBeGreaterThan(big / 2);
  core = SqliteLogCore.open(file, options);
  appendAndCompact(core, { from: 10_101, rounds: 20 });
  core.close();
  expect(bytesOnDisk()).toBeLessThan(big / 5);
});
