// Durable-append throughput and latency of the storage, one JSON line per cell: batches of
// 1, 10, 100 and 1000 entries of 200 bytes per group, across 1 and 50 groups per write (one
// transaction, one fsync each), through SqliteLogStorage (what the node uses, on its own
// thread). Then the machine's raw fsync, measured the same way, for comparison.

import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type GroupId, groupId, logIndex, NO_NODE, term } from "../src/lib/index.ts";
import type { Entry } from "../src/raft/index.ts";
import { type GroupWrite, SqliteLogStorage } from "../src/storage/index.ts";
import { machineLoad, round, scaled, summarize } from "./bench-stats.ts";

const ENTRY_BYTES = 200;
const CELL_MS = scaled(1500);
const CELL_WRITES_MAX = 5000;
const CELL_WRITES_MIN = 5;

const DATA = new Uint8Array(ENTRY_BYTES).fill(0x5a);

/** The next write: `entriesPerGroup` new entries and a hard state for each group. */
function nextBatch(
  groups: readonly GroupId[],
  entriesPerGroup: number,
  nextIndex: number,
): GroupWrite[] {
  return groups.map((id) => {
    const entries: Entry[] = [];
    for (let i = 0; i < entriesPerGroup; i++) {
      entries.push({ index: logIndex(nextIndex + i), term: term(1), type: "normal", data: DATA });
    }
    const last = nextIndex + entriesPerGroup - 1;
    return {
      groupId: id,
      hardState: { term: term(1), vote: NO_NODE, commit: logIndex(last) },
      entries,
    };
  });
}

async function appendCell(groupCount: number, entriesPerGroup: number): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), "raftoral-bench-"));
  const storage = await SqliteLogStorage.open(join(directory, "raftoral.db"));
  const groups = Array.from({ length: groupCount }, (_, id) => groupId(id));
  const samples: number[] = [];
  let nextIndex = 1;
  const started = performance.now();
  while (samples.length < CELL_WRITES_MIN || performance.now() - started < CELL_MS) {
    const batch = nextBatch(groups, entriesPerGroup, nextIndex);
    const before = performance.now();
    await storage.write(batch);
    samples.push(performance.now() - before);
    nextIndex += entriesPerGroup;
    if (samples.length >= CELL_WRITES_MAX) break;
  }
  const elapsedSeconds = (performance.now() - started) / 1000;
  await storage.close();
  rmSync(directory, { recursive: true, force: true });
  const entriesPerWrite = groupCount * entriesPerGroup;
  console.log(
    JSON.stringify({
      bench: "storage.durableAppend",
      groups: groupCount,
      entriesPerGroup,
      entriesPerWrite,
      entryBytes: ENTRY_BYTES,
      writesPerSecond: round(samples.length / elapsedSeconds, 1),
      entriesPerSecond: Math.round((samples.length * entriesPerWrite) / elapsedSeconds),
      ...summarize(samples),
      ...machineLoad(),
    }),
  );
}

/** 200 bytes appended and fdatasync'ed per operation: the floor under any durable write. */
function rawFsync(): void {
  const directory = mkdtempSync(join(tmpdir(), "raftoral-fsync-"));
  const descriptor = openSync(join(directory, "fsync.bin"), "w");
  const samples: number[] = [];
  const started = performance.now();
  while (performance.now() - started < CELL_MS && samples.length < CELL_WRITES_MAX) {
    const before = performance.now();
    writeSync(descriptor, DATA);
    fdatasyncSync(descriptor);
    samples.push(performance.now() - before);
  }
  const elapsedSeconds = (performance.now() - started) / 1000;
  closeSync(descriptor);
  rmSync(directory, { recursive: true, force: true });
  console.log(
    JSON.stringify({
      bench: "storage.rawFsync",
      bytes: ENTRY_BYTES,
      opsPerSecond: round(samples.length / elapsedSeconds, 1),
      ...summarize(samples),
      ...machineLoad(),
    }),
  );
}

async function main(): Promise<void> {
  rawFsync();
  for (const groupCount of [1, 50]) {
    for (const entriesPerGroup of [1, 10, 100, 1000]) {
      await appendCell(groupCount, entriesPerGroup);
    }
  }
  rawFsync();
}

await main();
