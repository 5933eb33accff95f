// How much does storage hold up the event loop? A 10 ms interval timer (a Raft tick) runs on
// the main thread while a writer commits one batch per loop turn, as the node's host does:
// "steady" is one 200-byte entry for each of 50 groups, "burst" is 100 entries each (a
// catch-up). We report the gaps between ticks. Modes: no writer (baseline), and
// SqliteLogStorage on the main thread, as the node runs it (docs/storage.md, "Which thread").

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { groupId, logIndex, NO_NODE, term } from "../src/lib/index.ts";
import { type GroupWrite, type LogStorage, SqliteLogStorage } from "../src/storage/index.ts";
import { machineLoad, round, scaled, summarize } from "./bench-stats.ts";

const TICK_MS = 10;
const RUN_MS = scaled(3000);
const GROUPS = 50;
const DATA = new Uint8Array(200).fill(0x33);
type Mode = "idle" | "thread";
const WORKLOADS = { steady: 1, burst: 100 } as const;
type Workload = keyof typeof WORKLOADS;
/** idle: the timer alone, the baseline. */
const CELLS: ReadonlyArray<readonly [Mode, Workload]> = [
  ["idle", "steady"],
  ["thread", "steady"],
  ["thread", "burst"],
];

/** Write number `write` (from 0): `perGroup` new entries and a hard state for every group. */
function batch(write: number, perGroup: number): GroupWrite[] {
  const first = write * perGroup + 1;
  return Array.from({ length: GROUPS }, (_, id) => ({
    groupId: groupId(id),
    hardState: { term: term(1), vote: NO_NODE, commit: logIndex(first + perGroup - 1) },
    entries: Array.from({ length: perGroup }, (_, offset) => ({
      index: logIndex(first + offset),
      term: term(1),
      type: "normal" as const,
      data: DATA,
    })),
  }));
}

/** Yields to the macrotask queue, like the end of one host loop turn. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

async function openStorage(mode: Mode, file: string): Promise<LogStorage | undefined> {
  return mode === "thread" ? SqliteLogStorage.open(file) : undefined;
}

async function measure(mode: Mode, workload: Workload): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), "raftoral-jitter-"));
  const storage = await openStorage(mode, join(directory, "raftoral.db"));
  const gaps: number[] = [];
  let last = performance.now();
  const ticker = setInterval(() => {
    const now = performance.now();
    gaps.push(now - last);
    last = now;
  }, TICK_MS);
  const started = performance.now();
  let writes = 0;
  if (storage === undefined) await Bun.sleep(RUN_MS);
  // Runs until RUN_MS have passed; each iteration is one loop turn's group commit.
  while (storage !== undefined && performance.now() - started < RUN_MS) {
    await storage.write(batch(writes, WORKLOADS[workload]));
    writes++;
    await nextTurn();
  }
  clearInterval(ticker);
  await storage?.close();
  rmSync(directory, { recursive: true, force: true });
  const { p50Ms, p99Ms, maxMs, count } = summarize(gaps);
  console.log(
    JSON.stringify({
      bench: "storage.tickJitter",
      mode,
      workload: mode === "idle" ? "none" : workload,
      tickMs: TICK_MS,
      groupsPerWrite: GROUPS,
      entriesPerGroup: mode === "idle" ? 0 : WORKLOADS[workload],
      writesPerSecond: round(writes / (RUN_MS / 1000), 1),
      ticks: count,
      tickGapP50Ms: p50Ms,
      tickGapP99Ms: p99Ms,
      tickGapMaxMs: maxMs,
      ticksOver20Ms: gaps.filter((gap) => gap > 2 * TICK_MS).length,
      ...machineLoad(),
    }),
  );
}

for (const [mode, workload] of CELLS) await measure(mode, workload);
