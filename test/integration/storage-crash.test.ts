// Crash safety with a real process: a child writes batches through SqliteLogStorage and
// reports each one once durable; we SIGKILL it at a random moment, reopen the file, and check
// that it holds exactly the first B batches, where B is the last batch reported or the one in
// flight (its commit may have finished before the kill): every reported batch present and
// intact, nothing partial. Several crashes hit the same file, so recovery is tested too.
// SIGKILL tests atomicity and that nothing is reported before SQLite's commit returns; it
// cannot cut power, so the fsync itself is trusted to synchronous=FULL (docs/storage.md).

import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type GroupId, logIndex, seededRandom } from "../../src/lib/index.ts";
import { type LogStorage, MemoryLogStorage, SqliteLogStorage } from "../../src/storage/index.ts";
import { CrashWorkload } from "./storage-crash-workload.ts";

const CHILD = join(import.meta.dir, "fixtures", "storage-crash-child.ts");
/** Files, each crashed CRASHES_PER_FILE times; STORAGE_CRASH_FILES=N runs a longer campaign. */
const FILES = Number(process.env.STORAGE_CRASH_FILES ?? 12);
const CRASHES_PER_FILE = 4;
const ROOT_SEED = Number(process.env.STORAGE_CRASH_SEED ?? 20_251_126);

const children = new Set<Bun.Subprocess>();
const directories: string[] = [];

afterAll(() => {
  for (const child of children) child.kill("SIGKILL");
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});

/** Runs the child from `firstBatch` and kills it after `killAfter` reports; returns the last. */
async function runAndKill(options: {
  file: string;
  seed: number;
  firstBatch: number;
  killAfter: number;
  delayMs: number;
}): Promise<number> {
  const { file, seed, firstBatch } = options;
  const child = Bun.spawn([process.execPath, CHILD, file, String(seed), String(firstBatch)], {
    stdout: "pipe",
    stderr: "pipe",
  });
  children.add(child);
  const reader = child.stdout.getReader();
  const decoder = new TextDecoder();
  let pending = "";
  let reported = firstBatch - 1;
  let isKilled = false;
  // Reads until the pipe closes: lines the child wrote before it died still count.
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
    pending += decoder.decode(chunk.value, { stream: true });
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) {
      const batch = Number(/^durable (\d+)$/.exec(line)?.[1]);
      expect(batch).toBe(reported + 1);
      reported = batch;
    }
    if (!isKilled && reported - firstBatch + 1 >= options.killAfter) {
      isKilled = true;
      // A random moment inside the following writes: between them, inside SQLite's commit,
      // or before the child's report of it is out.
      await Bun.sleep(options.delayMs);
      child.kill("SIGKILL");
    }
  }
  await child.exited;
  children.delete(child);
  if (!isKilled) throw new Error(`the child ended by itself: ${await child.stderr.text()}`);
  expect(child.signalCode).toBe("SIGKILL");
  return reported;
}

/** The stored state as comparable text; entries read back (and checksummed) in batches. */
async function describeState(storage: LogStorage): Promise<string> {
  const lines: string[] = [];
  for (const groupId of await storage.listGroups()) {
    const stored = await storage.loadGroup(groupId);
    const snapshot = stored?.snapshot;
    lines.push(
      JSON.stringify({
        groupId,
        hardState: stored?.hardState,
        first: stored?.firstIndex,
        last: stored?.lastIndex,
        snapshot: snapshot && { ...snapshot.metadata, data: Bun.hash.crc32(snapshot.data) },
      }),
    );
    if (stored !== undefined && stored.lastIndex >= stored.firstIndex) {
      lines.push(await describeEntries(storage, groupId, stored.firstIndex, stored.lastIndex));
    }
  }
  return lines.join("\n");
}

async function describeEntries(
  storage: LogStorage,
  groupId: GroupId,
  first: number,
  last: number,
): Promise<string> {
  const parts: string[] = [];
  for (let next = first; next <= last; ) {
    const range = { groupId, fromIndex: logIndex(next), toIndexInclusive: logIndex(last) };
    const entries = await storage.readEntries({ ...range, bytesMax: 64 * 1024 });
    for (const entry of entries) {
      parts.push(`${entry.index}/${entry.term}/${entry.type}/${Bun.hash.crc32(entry.data)}`);
    }
    next += entries.length;
  }
  return parts.join(" ");
}

/** Which prefix of the workload the file holds: `reported` or `reported + 1` batches. */
async function recoveredBatches(options: { file: string; seed: number; reported: number }) {
  const actual = await SqliteLogStorage.open(options.file);
  const found = await describeState(actual);
  await actual.close();
  const model = new MemoryLogStorage();
  const workload = new CrashWorkload(options.seed);
  for (let batch = 1; batch <= options.reported; batch++) await model.write(workload.next());
  const afterReported = await describeState(model);
  if (found === afterReported) return options.reported;
  await model.write(workload.next());
  const afterInFlight = await describeState(model);
  expect(found).toBe(afterInFlight);
  return options.reported + 1;
}

test("every batch reported durable survives SIGKILL, and no partial batch is ever visible", async () => {
  const random = seededRandom(ROOT_SEED);
  let inFlightCommitted = 0;
  for (let fileNumber = 0; fileNumber < FILES; fileNumber++) {
    const directory = mkdtempSync(join(tmpdir(), "raftoral-crash-"));
    directories.push(directory);
    const file = join(directory, "node_1", "raftoral.db");
    const seed = random.nextU32();
    let onDisk = 0;
    for (let crash = 0; crash < CRASHES_PER_FILE; crash++) {
      const killAfter = random.int(1, 30);
      const delayMs = random.int(0, 4);
      const run = { file, seed, firstBatch: onDisk + 1, killAfter, delayMs };
      const reported = await runAndKill(run);
      const recovered = await recoveredBatches({ file, seed, reported });
      if (recovered > reported) inFlightCommitted++;
      onDisk = recovered;
    }
    rmSync(directory, { recursive: true, force: true });
  }
  // Informative only: how often the kill landed after a commit but before its report.
  console.log(
    `storage crash test: ${FILES * CRASHES_PER_FILE} kills (root seed ${ROOT_SEED}), ${inFlightCommitted} after an unreported commit`,
  );
}, 120_000);
