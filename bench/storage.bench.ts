// Durable-append throughput and latency of the storage, one JSON line per cell: batches of
// 1, 10, 100 and 1000 entries of 200 bytes per group, across 1 and 50 groups per write (one
// transaction, one fsync each), through SqliteLogStorage (what the node uses, on its own
// thread); a large snapshot's write; then the machine's raw fsync, measured the same way, for
// comparison.

import { Database } from "bun:sqlite";
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type GroupId, groupId, logIndex, NO_NODE, nodeId, term } from "../src/lib/index.ts";
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

/**
 * The JSON text of a workflow group's state holding `count` finished W2 workflows (ten steps,
 * each `{step, at, data}`, kept as checkpoints and again in the result): what a snapshot of
 * a large state writes, about 3 KB per workflow.
 */
function w2StateBytes(count: number): Uint8Array {
  const executions = Array.from({ length: count }, (_, i) => {
    const startedAtMs = 1_764_000_000_000 + i * 7;
    const steps = Array.from({ length: 10 }, (_, step) => ({
      step,
      at: startedAtMs + step * 0.731 + Math.random(),
      data: "abcdefghijklmnop",
    }));
    return {
      workflowId: crypto.randomUUID(),
      name: "ten_stamped_steps",
      version: 1,
      input: null,
      runtimeVersion: 1,
      seed: (i * 2_654_435_761) >>> 0,
      startedAtMs,
      owner: 1,
      ownerEpoch: 1,
      status: "Completed",
      checkpoints: steps.map((value, seq) => ({
        seq,
        kind: "step",
        name: `step-${seq}`,
        outcome: { ok: true, value },
        atMs: startedAtMs + seq,
        ownerEpoch: 1,
        stats: { attempts: 1, durationMs: 0.02 },
      })),
      output: { steps },
      finishedAtMs: startedAtMs + 12,
    };
  });
  return new TextEncoder().encode(JSON.stringify({ format: 1, executions }));
}

/**
 * A group's snapshot of 10,000 finished W2 workflows written as the node writes one: with
 * the log behind it compacted, in one transaction. What the write costs the thread that
 * makes it, and how many bytes reach the file.
 */
async function snapshotWriteCell(): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), "raftoral-bench-"));
  const file = join(directory, "raftoral.db");
  const storage = await SqliteLogStorage.open(file);
  const data = w2StateBytes(scaled(10_000));
  const group = groupId(1);
  const confState = {
    voters: [nodeId(1)],
    learners: [],
    votersOutgoing: [],
    learnersNext: [],
    autoLeave: false,
  };
  const samples: number[] = [];
  const entriesPerRound = 1_000;
  for (let round = 1; round <= 5; round++) {
    const [write] = nextBatch([group], entriesPerRound, (round - 1) * entriesPerRound + 1);
    if (write !== undefined) await storage.write([write]);
    const index = logIndex(round * entriesPerRound);
    const snapshot = { metadata: { index, term: term(1), confState }, data };
    const before = performance.now();
    await storage.write([{ groupId: group, entries: [], snapshot, compactThrough: index }]);
    samples.push(performance.now() - before);
  }
  await storage.close();
  const db = new Database(file, { readonly: true });
  const stored = db
    .query<{ bytes: number }, []>("SELECT length(data) AS bytes FROM group_snapshot")
    .get();
  db.close();
  rmSync(directory, { recursive: true, force: true });
  console.log(
    JSON.stringify({
      bench: "storage.snapshotWrite",
      snapshotMb: round(data.byteLength / 1e6, 2),
      storedMb: round((stored?.bytes ?? 0) / 1e6, 2),
      ...summarize(samples),
      ...machineLoad(),
    }),
  );
}

async function main(): Promise<void> {
  rawFsync();
  await snapshotWriteCell();
  for (const groupCount of [1, 50]) {
    for (const entriesPerGroup of [1, 10, 100, 1000]) {
      await appendCell(groupCount, entriesPerGroup);
    }
  }
  rawFsync();
}

await main();
