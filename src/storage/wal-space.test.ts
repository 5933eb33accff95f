import { afterEach, beforeEach, expect, test } from "bun:test";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { G1, hardState, makeEntries } from "../../test/contracts/log-storage-fixtures.ts";
import { logIndex } from "../lib/index.ts";
import { SqliteLogCore } from "./sqlite-log-core.ts";
import { StorageError } from "./storage-error.ts";
import { reserveWalSpace, WAL_SPACE_BYTES } from "./wal-space.ts";

let directory = "";
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), "raftoral-wal-space-"));
});
afterEach(() => {
  rmSync(directory, { recursive: true, force: true });
});

test("the room is zeros past the file's end; what the file held stays as it was", async () => {
  const file = join(directory, "log-wal");
  writeFileSync(file, "frames SQLite wrote");
  expect(await reserveWalSpace(file, 3 * 1024 * 1024 + 5)).toBe(true);
  const bytes = readFileSync(file);
  expect(bytes.byteLength).toBe(3 * 1024 * 1024 + 5);
  expect(bytes.subarray(0, 19).toString()).toBe("frames SQLite wrote");
  expect(bytes.subarray(19).every((byte) => byte === 0)).toBe(true);
  expect(await reserveWalSpace(file, 1024)).toBe(true);
  expect(statSync(file).size).toBe(3 * 1024 * 1024 + 5);
});

test("without room on the disk, nothing is reserved and the file is as it was", async () => {
  const file = join(directory, "log-wal");
  writeFileSync(file, "frames");
  // A file size limit of 1 MiB (in KiB blocks) stands in for a full disk: writes past it
  // fail with EFBIG once SIGXFSZ is ignored.
  const script = `import { reserveWalSpace } from ${JSON.stringify(join(import.meta.dir, "wal-space.ts"))};
console.log(await reserveWalSpace(${JSON.stringify(file)}, 4 * 1024 * 1024));`;
  const child = Bun.spawn(
    ["sh", "-c", 'trap "" XFSZ; ulimit -f 1024 && exec "$@"', "sh", process.execPath, "-e", script],
    { stdout: "pipe", stderr: "pipe" },
  );
  const [output, code] = await Promise.all([new Response(child.stdout).text(), child.exited]);
  expect({ output: output.trim(), code }).toEqual({ output: "false", code: 0 });
  expect(readFileSync(file).toString()).toBe("frames");
});

let crashes = 0;

/** Opens a copy of the files as they are now, as a crash would leave them, and reads it. */
function lastEntryAfterCrash(file: string): { lastIndex: number; data: Uint8Array } {
  const copy = join(directory, `crash-${++crashes}.db`);
  copyFileSync(file, copy);
  copyFileSync(`${file}-wal`, `${copy}-wal`);
  const core = SqliteLogCore.open(copy);
  try {
    const lastIndex = core.loadGroup(G1)?.lastIndex ?? 0;
    const [entry] = core.readEntries({
      groupId: G1,
      fromIndex: logIndex(lastIndex),
      toIndexInclusive: logIndex(lastIndex),
      bytesMax: Number.MAX_SAFE_INTEGER,
    });
    return { lastIndex, data: entry?.data ?? new Uint8Array() };
  } finally {
    core.close();
  }
}

test("the WAL gets its room after the open, and commits survive a crash across checkpoints", async () => {
  const file = join(directory, "raftoral.db");
  const core = SqliteLogCore.open(file);
  try {
    // The open leaves it to the caller (a node reserves once it is ready).
    expect(statSync(`${file}-wal`).size).toBeLessThan(WAL_SPACE_BYTES);
    core.write([{ groupId: G1, hardState: hardState(1, 1, 0), entries: [] }]);
    expect(await core.reserveWalSpace()).toBe(true);
    expect(statSync(`${file}-wal`).size).toBeGreaterThanOrEqual(WAL_SPACE_BYTES);
    // 4 KB entries, 100 per commit: 3,000 entries pass SQLite's checkpoint (1,000 pages)
    // several times, so the WAL is written again from the top over what it held.
    for (let first = 1; first <= 3_000; first += 100) {
      const entries = makeEntries(first, first + 99, 1, { bytes: 4_000 });
      core.write([{ groupId: G1, hardState: hardState(1, 1, first + 99), entries }]);
      if ((first + 99) % 1_000 === 0 || first === 1) {
        const crashed = lastEntryAfterCrash(file);
        expect(crashed.lastIndex).toBe(first + 99);
        expect(crashed.data).toEqual(entries.at(-1)?.data as Uint8Array);
      }
    }
    // 12 MB went through it: the checkpoints let SQLite write it again inside its room.
    expect(statSync(`${file}-wal`).size).toBe(WAL_SPACE_BYTES);
  } finally {
    core.close();
  }
});

test("a reservation that fails is the storage's failure: the writes after it are refused", async () => {
  const file = join(directory, "raftoral.db");
  const core = SqliteLogCore.open(file);
  try {
    // Stands in for a disk that fails under the reservation (the WAL is gone from its path).
    rmSync(`${file}-wal`);
    const failure = await core.reserveWalSpace().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(StorageError);
    expect((failure as StorageError).code).toBe("STORAGE_FAILED");
    expect((failure as StorageError).message).toContain(`${file}-wal`);
    expect(() => core.write([{ groupId: G1, hardState: hardState(1, 1, 0), entries: [] }])).toThrow(
      StorageError,
    );
  } finally {
    core.close();
  }
});
