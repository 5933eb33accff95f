// The durable mark: a database that lost writes it had synced (a WAL cut short, an older copy
// of the file) is refused at open, naming the group; the mark follows synced writes only, and
// leaves a group before the write that deletes it.

import { afterEach, beforeEach, expect, test } from "bun:test";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { G1, G2, hardState, makeEntries } from "../../test/contracts/log-storage-fixtures.ts";
import type { GroupId } from "../lib/index.ts";
import { DurableMarkWriter, durableMarkPath } from "./durable-mark.ts";
import type { GroupLogState } from "./group-log-state.ts";
import { SqliteLogCore } from "./sqlite-log-core.ts";

let directory = "";
let file = "";

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), "raftoral-mark-"));
  file = join(directory, "raftoral.db");
});

afterEach(() => {
  rmSync(directory, { recursive: true, force: true });
});

/** Writes group 1's entries first..last at term 1, committed through `commit`, synced or not. */
function write(core: SqliteLogCore, first: number, last: number, commit: number, sync = true) {
  core.write(
    [{ groupId: G1, hardState: hardState(1, 1, commit), entries: makeEntries(first, last, 1) }],
    { sync },
  );
}

function markedCommit(): number | undefined {
  const mark = JSON.parse(readFileSync(durableMarkPath(file), "utf8"));
  return mark.groups.find((group: number[]) => group[0] === G1)?.[2];
}

test("a database older than what this node had synced is refused at open, naming the group", () => {
  const first = SqliteLogCore.open(file);
  write(first, 1, 2, 1);
  first.close();
  // The file as it was then: what a WAL cut short (or an old copy) leaves.
  copyFileSync(file, join(directory, "older.db"));
  const second = SqliteLogCore.open(file);
  write(second, 3, 5, 4);
  second.close();
  expect(markedCommit()).toBe(4);
  copyFileSync(join(directory, "older.db"), file);
  let refused: unknown;
  try {
    SqliteLogCore.open(file).close();
  } catch (error) {
    refused = error;
  }
  expect(refused).toMatchObject({ code: "STALE_INCARNATION" });
  expect((refused as Error).message).toStartWith(
    `${file} lost writes it had synced: for group 1 it holds term 1, commit 1, where this node had already written term 1, commit 4`,
  );
});

test("the mark follows synced writes, at most once per interval, and a clean close exactly", () => {
  const core = SqliteLogCore.open(file, { markIntervalMs: 0 });
  write(core, 1, 2, 2);
  expect(markedCommit()).toBe(2);
  // Not synced yet: a crash now may lose it, so the mark must not claim it.
  write(core, 3, 4, 4, false);
  expect(markedCommit()).toBe(2);
  write(core, 5, 5, 5);
  expect(markedCommit()).toBe(5);
  core.close();
  const slow = SqliteLogCore.open(file, { markIntervalMs: 3_600_000 });
  write(slow, 6, 6, 6);
  expect(markedCommit()).toBe(6);
  write(slow, 7, 7, 7);
  expect(markedCommit()).toBe(6);
  slow.close();
  expect(markedCommit()).toBe(7);
});

test("a group a write deletes leaves the mark first; one missing otherwise is lost", () => {
  const core = SqliteLogCore.open(file, { markIntervalMs: 3_600_000 });
  write(core, 1, 3, 3);
  expect(markedCommit()).toBe(3);
  core.write([{ groupId: G1, deleteGroup: true, entries: [] }]);
  expect(markedCommit()).toBeUndefined();
  core.close();
  const state = { groupId: G2, term: 2, commit: 9 } as GroupLogState;
  new DurableMarkWriter(file, []).closed(new Map([[G2, state]]));
  expect(() => SqliteLogCore.open(file)).toThrow("for group 2 it holds no such group");
  rmSync(durableMarkPath(file));
  SqliteLogCore.open(file).close();
});

/** The files as a power loss now would leave them: the WAL only as far as its last fsync. */
function powerLossCopy(walSyncedBytes: number): string {
  const copy = join(directory, "after-power-loss");
  mkdirSync(copy);
  const copied = join(copy, "raftoral.db");
  copyFileSync(file, copied);
  copyFileSync(`${file}-wal`, `${copied}-wal`);
  truncateSync(`${copied}-wal`, walSyncedBytes);
  copyFileSync(durableMarkPath(file), durableMarkPath(copied));
  return copied;
}

test("a deletion takes its group out of the mark, and marks nothing that was not synced", () => {
  const core = SqliteLogCore.open(file, { markIntervalMs: 0 });
  core.write([
    { groupId: G1, hardState: hardState(1, 1, 2), entries: makeEntries(1, 2, 1) },
    { groupId: G2, hardState: hardState(1, 1, 2), entries: makeEntries(1, 5, 1) },
  ]);
  const walSyncedBytes = statSync(`${file}-wal`).size;
  // As the host writes them: a commit that moved, and a removal, neither synced.
  core.write([{ groupId: G2, hardState: hardState(1, 1, 5), entries: [] }], { sync: false });
  core.write([{ groupId: G1, deleteGroup: true, entries: [] }], { sync: false });
  expect(markedCommit()).toBeUndefined();
  // A power loss now drops both: nothing synced was lost, so the copy opens.
  const copied = powerLossCopy(walSyncedBytes);
  SqliteLogCore.open(copied).close();
  core.close();
});

test("a mark that is not one is refused as such, saying what deleting it would do", () => {
  SqliteLogCore.open(file).close();
  for (const text of ["{not json", '{"version":1,"groups":[[1,2]]}', '{"version":2,"groups":[]}']) {
    writeFileSync(durableMarkPath(file), text);
    expect(() => SqliteLogCore.open(file)).toThrow(`${durableMarkPath(file)} is not readable (`);
  }
  expect(() => SqliteLogCore.open(file)).toThrow("deleting it lets the node start");
});

test("what a burst of writes left unmarked is marked once the interval has passed", () => {
  const state = (commit: number): [GroupId, GroupLogState] => [
    G1,
    { groupId: G1, term: 1, commit } as GroupLogState,
  ];
  const writer = new DurableMarkWriter(file, [], 1_000);
  writer.synced(new Map([state(1)]), 0);
  expect(markedCommit()).toBe(1);
  writer.synced(new Map([state(2)]), 10);
  writer.catchUp(500);
  expect(markedCommit()).toBe(1);
  // An idle node's next look at its files, a second on: the last synced write is marked.
  writer.catchUp(1_010);
  expect(markedCommit()).toBe(2);
  // A group deleted meanwhile is not brought back by a mark still due.
  writer.synced(new Map([state(3)]), 1_020);
  writer.forget(new Set([G1]));
  writer.catchUp(2_100);
  expect(markedCommit()).toBeUndefined();
});

test("a mark this process cannot read for want of file descriptors is not called damaged", async () => {
  // Out of descriptors (a low ulimit -n) the mark's read fails with EMFILE: called damaged,
  // the node exited 65, which its systemd unit never restarts, saying to delete the mark.
  writeFileSync(durableMarkPath(file), '{"version":1,"groups":[]}');
  const script = join(directory, "read-mark.ts");
  writeFileSync(
    script,
    `import { openSync } from "node:fs";
import { checkDurableMark } from ${JSON.stringify(join(import.meta.dir, "durable-mark.ts"))};
const held = [];
try { for (;;) held.push(openSync("/dev/null", "r")); } catch {}
try { checkDurableMark({ databaseFile: ${JSON.stringify(file)}, states: new Map() }); console.log("read"); }
catch (error) { console.log(error.code, error.message); }`,
  );
  const child = Bun.spawn(["sh", "-c", `ulimit -n 256 && exec "${process.execPath}" "${script}"`], {
    stdout: "pipe",
    stderr: "pipe",
  });
  const said = (await new Response(child.stdout).text()).trim();
  expect(await child.exited).toBe(0);
  expect(said).toStartWith("STORAGE_FAILED ");
  expect(said).toContain("EMFILE");
  expect(said).toContain("ulimit -n");
  expect(said).not.toContain("deleting it");
});
