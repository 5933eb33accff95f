// Snapshots are stored compressed when that pays, and read back as the bytes Raft gave; a
// stored snapshot whose compressed bytes were damaged is reported, never returned.

import { Database } from "bun:sqlite";
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  G1,
  hardState,
  makeEntries,
  makeSnapshot,
} from "../../test/contracts/log-storage-fixtures.ts";
import { logIndex } from "../lib/index.ts";
import {
  decodeSnapshotData,
  encodeSnapshotData,
  SNAPSHOT_COMPRESS_MIN_BYTES,
  SNAPSHOT_ENCODING,
} from "./snapshot-encoding.ts";
import { SqliteLogCore } from "./sqlite-log-core.ts";
import { StorageCorruptError } from "./storage-error.ts";

/** JSON text as a workflow group's state holds it: repetitive, so it compresses well. */
function stateLikeBytes(records: number): Uint8Array {
  const executions = Array.from({ length: records }, (_, i) => ({
    workflowId: `wf-${i}`,
    status: "Completed",
    output: { steps: [{ step: i, at: 1_764_000_000_000 + i * 1.5, data: "abcdefghijklmnop" }] },
  }));
  return new TextEncoder().encode(JSON.stringify({ executions }));
}

describe("encoding", () => {
  test("a small snapshot is stored as it is", () => {
    const data = new Uint8Array(SNAPSHOT_COMPRESS_MIN_BYTES - 1).fill(7);
    expect(encodeSnapshotData(data)).toEqual({ encoding: SNAPSHOT_ENCODING.raw, bytes: data });
  });

  test("a large one is compressed and decodes to the same bytes", () => {
    const data = stateLikeBytes(5_000);
    const stored = encodeSnapshotData(data);
    expect(stored.encoding).toBe(SNAPSHOT_ENCODING.zstd);
    expect(stored.bytes.byteLength).toBeLessThan(data.byteLength / 5);
    const decoded = decodeSnapshotData(stored);
    expect(decoded.ok).toBe(true);
    expect(decoded.ok && Buffer.from(decoded.data).equals(data)).toBe(true);
  });

  test("bytes that do not compress are stored as they are", () => {
    const data = crypto.getRandomValues(new Uint8Array(SNAPSHOT_COMPRESS_MIN_BYTES * 2));
    expect(encodeSnapshotData(data).encoding).toBe(SNAPSHOT_ENCODING.raw);
  });

  test("an unknown encoding or damaged zstd bytes name the problem", () => {
    const bytes = new Uint8Array([1, 2, 3]);
    expect(decodeSnapshotData({ encoding: 9, bytes })).toEqual({
      ok: false,
      problem: "unknown encoding 9",
    });
    const damaged = decodeSnapshotData({ encoding: SNAPSHOT_ENCODING.zstd, bytes });
    expect(damaged.ok).toBe(false);
    expect(!damaged.ok && damaged.problem).toStartWith("zstd data does not decompress");
  });
});

describe("in the SQLite store", () => {
  let directory = "";
  let file = "";

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), "raftoral-snapshot-encoding-"));
    file = join(directory, "raftoral.db");
  });

  afterEach(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  /** Writes group 1 with two entries and a snapshot holding `data` at index 2. */
  function writeSnapshot(data: Uint8Array): void {
    const core = SqliteLogCore.open(file);
    core.write([{ groupId: G1, hardState: hardState(1, 1, 2), entries: makeEntries(1, 2, 1) }]);
    core.write([{ groupId: G1, snapshot: { ...makeSnapshot(2, 1, [1, 2]), data }, entries: [] }]);
    core.close();
  }

  function storedRow(): { encoding: number; bytes: number } {
    const db = new Database(file);
    const row = db
      .query<{ encoding: number; bytes: number }, []>(
        "SELECT encoding, length(data) AS bytes FROM group_snapshot WHERE group_id = 1",
      )
      .get();
    db.close();
    if (row === null) throw new Error("no snapshot row");
    return row;
  }

  test("a large snapshot is stored compressed and loaded as written", () => {
    const data = stateLikeBytes(5_000);
    writeSnapshot(data);
    const row = storedRow();
    expect(row.encoding).toBe(SNAPSHOT_ENCODING.zstd);
    expect(row.bytes).toBeLessThan(data.byteLength / 5);
    const core = SqliteLogCore.open(file);
    const loaded = core.loadGroup(G1)?.snapshot;
    expect(loaded?.metadata.index).toBe(logIndex(2));
    expect(Buffer.from(loaded?.data ?? new Uint8Array()).equals(data)).toBe(true);
    core.close();
  });

  test("damaged compressed bytes are reported as a corrupt snapshot", () => {
    writeSnapshot(stateLikeBytes(5_000));
    const db = new Database(file);
    // Keep the zstd frame header, so decompression runs and the checksum has the last word.
    db.run(
      "UPDATE group_snapshot SET data = substr(data, 1, 64) || zeroblob(length(data) - 64) WHERE group_id = 1",
    );
    db.close();
    const core = SqliteLogCore.open(file);
    let error: unknown;
    try {
      core.loadGroup(G1);
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(StorageCorruptError);
    expect(error).toMatchObject({ code: "STORAGE_CORRUPT", file, groupId: G1 });
    expect((error as Error).message).toContain("snapshot 2");
    core.close();
  });
});
