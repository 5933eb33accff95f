// The behaviour every LogStorage must have, run against each implementation (memory, and
// SQLite on the caller's thread). The rules for bad writes are in
// log-storage-rules.contract.ts, called from here.

import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { groupId, logIndex, nodeId, term } from "../../src/lib/index.ts";
import { type LogStorage, READ_ENTRIES_MAX, StorageError } from "../../src/storage/index.ts";
import {
  G1,
  G2,
  G3,
  hardState,
  indexes,
  type LogStorageSubject,
  makeEntries,
  makeEntry,
  makeSnapshot,
  plain,
  readAll,
  rejectionOf,
  storedGroup,
} from "./log-storage-fixtures.ts";
import { runLogStorageRules } from "./log-storage-rules.contract.ts";

export type { LogStorageSubject } from "./log-storage-fixtures.ts";

const IDENTITY = {
  nodeId: nodeId(3),
  clusterId: "c-8f2e",
  advertiseAddress: "10.0.0.3:7001",
  transport: "grpc",
} as const;

/** The storage a contract test works on; `storage` changes when a test reopens it. */
interface StorageUnderTest {
  readonly storage: LogStorage;
  reopen(): Promise<LogStorage>;
  /** After a test closed the storage itself: opens it again for the cleanup. */
  reopenClosed(): Promise<void>;
}

export function runLogStorageContract(
  name: string,
  makeSubject: () => Promise<LogStorageSubject>,
): void {
  describe(`LogStorage contract: ${name}`, () => {
    let subject: LogStorageSubject;
    let storage: LogStorage;
    const t: StorageUnderTest = {
      get storage() {
        return storage;
      },
      async reopen() {
        await storage.close();
        storage = await subject.open();
        return storage;
      },
      async reopenClosed() {
        storage = await subject.open();
      },
    };

    beforeEach(async () => {
      subject = await makeSubject();
      storage = await subject.open();
    });

    afterEach(async () => {
      await storage.close();
      await subject.destroy();
    });

    writeCases(t);
    logShapeCases(t);
    snapshotCases(t);
    readCases(t);
    lifecycleCases(t);
    runLogStorageRules(() => storage);
  });
}

/** What is written comes back, across batches, groups and reopens. */
function writeCases(t: StorageUnderTest): void {
  test("a new storage is empty", async () => {
    expect(await t.storage.listGroups()).toEqual([]);
    expect(await t.storage.loadGroup(G1)).toBeUndefined();
    expect(await t.storage.loadIdentity()).toBeUndefined();
  });

  test("an empty batch resolves and stores nothing", async () => {
    await t.storage.write([]);
    expect(await t.storage.listGroups()).toEqual([]);
  });

  test("entries and hard state come back exactly, in every type and size", async () => {
    const entries = [
      makeEntry(1, 1, { type: "confChange", bytes: 40 }),
      makeEntry(2, 1, { bytes: 0 }),
      makeEntry(3, 2, { bytes: 256 }),
      makeEntry(4, 2, { bytes: 70_000 }),
    ];
    await t.storage.write([{ groupId: G1, hardState: hardState(2, 3, 3), entries }]);
    const stored = await t.storage.loadGroup(G1);
    expect(stored).toEqual(storedGroup(hardState(2, 3, 3), 1, 4));
    expect(plain(await readAll(t.storage, { groupId: G1, from: 1, to: 4 }))).toEqual(
      plain(entries),
    );
  });

  test("one batch writes many groups; listGroups is ascending", async () => {
    await t.storage.write([
      { groupId: G3, entries: makeEntries(1, 2, 1, { group: 3 }) },
      { groupId: groupId(0), hardState: hardState(1, 1, 0), entries: [] },
      { groupId: G2, entries: makeEntries(1, 5, 1, { group: 2 }) },
    ]);
    expect(await t.storage.listGroups()).toEqual([groupId(0), G2, G3]);
    const management = await t.storage.loadGroup(groupId(0));
    expect(management).toEqual(storedGroup(hardState(1, 1, 0), 1, 0));
    expect((await t.storage.loadGroup(G2))?.lastIndex).toBe(logIndex(5));
    const group3 = await readAll(t.storage, { groupId: G3, from: 1, to: 2 });
    expect(plain(group3)).toEqual(plain(makeEntries(1, 2, 1, { group: 3 })));
  });

  test("everything written survives close and open", async () => {
    await t.storage.write([
      { groupId: G1, hardState: hardState(4, 2, 6), entries: makeEntries(1, 8, 4) },
      { groupId: G2, hardState: hardState(1, 1, 1), entries: makeEntries(1, 1, 1, { group: 2 }) },
    ]);
    await t.storage.write([{ groupId: G1, snapshot: makeSnapshot(6, 4, [1, 2, 3]), entries: [] }]);
    await t.storage.write([{ groupId: G1, entries: [], compactThrough: logIndex(4) }]);
    await t.storage.saveIdentity(IDENTITY);
    const reopened = await t.reopen();
    expect(await reopened.listGroups()).toEqual([G1, G2]);
    expect(await reopened.loadGroup(G1)).toEqual({
      hardState: hardState(4, 2, 6),
      snapshot: makeSnapshot(6, 4, [1, 2, 3]),
      firstIndex: logIndex(5),
      lastIndex: logIndex(8),
    });
    const rest = await readAll(reopened, { groupId: G1, from: 5, to: 8 });
    expect(plain(rest)).toEqual(plain(makeEntries(5, 8, 4)));
    expect(await reopened.loadIdentity()).toEqual(IDENTITY);
  });
}

/** How writes reshape a group's log: suffix replacement, deletion, tombstones. */
function logShapeCases(t: StorageUnderTest): void {
  test("entries from inside the log replace the uncommitted suffix (§5.3)", async () => {
    await t.storage.write([
      { groupId: G1, hardState: hardState(1, 1, 2), entries: makeEntries(1, 6, 1) },
    ]);
    const newer = makeEntries(4, 5, 2, { group: 9 });
    await t.storage.write([{ groupId: G1, hardState: hardState(2, 0, 2), entries: newer }]);
    expect((await t.storage.loadGroup(G1))?.lastIndex).toBe(logIndex(5));
    const log = await readAll(t.storage, { groupId: G1, from: 1, to: 5 });
    expect(plain(log)).toEqual(plain([...makeEntries(1, 3, 1), ...newer]));
  });

  test("deleteGroup removes every trace, and the id can start afresh", async () => {
    await t.storage.write([
      { groupId: G1, hardState: hardState(2, 1, 3), entries: makeEntries(1, 3, 2) },
      { groupId: G2, entries: makeEntries(1, 1, 1) },
    ]);
    await t.storage.write([{ groupId: G1, snapshot: makeSnapshot(3, 2, [1]), entries: [] }]);
    await t.storage.write([{ groupId: G1, deleteGroup: true, entries: [] }]);
    expect(await t.storage.listGroups()).toEqual([G2]);
    expect(await t.storage.loadGroup(G1)).toBeUndefined();
    await t.storage.write([
      { groupId: G1, hardState: hardState(1, 0, 0), entries: makeEntries(1, 1, 1) },
    ]);
    expect(await t.reopen().then((s) => s.loadGroup(G1))).toEqual(
      storedGroup(hardState(1, 0, 0), 1, 1),
    );
  });

  test("a deleted group's tombstone outlives it, a reopen and a new replica", async () => {
    expect(await t.storage.loadTombstone(G1)).toBeUndefined();
    await t.storage.write([
      { groupId: G1, hardState: hardState(4, 2, 3), entries: makeEntries(1, 3, 4) },
    ]);
    const first = { term: term(4), vote: nodeId(2), lastIndex: logIndex(3), lastTerm: term(4) };
    await t.storage.write([{ groupId: G1, deleteGroup: true, entries: [], tombstone: first }]);
    expect(await t.storage.loadTombstone(G1)).toEqual(first);
    expect(await t.storage.loadTombstone(G2)).toBeUndefined();
    await t.storage.write([
      { groupId: G1, hardState: hardState(4, 2, 0), entries: makeEntries(1, 1, 4) },
    ]);
    expect(await t.reopen().then((s) => s.loadTombstone(G1))).toEqual(first);
    const second = { term: term(7), vote: nodeId(0), lastIndex: logIndex(9), lastTerm: term(6) };
    await t.storage.write([{ groupId: G1, deleteGroup: true, entries: [], tombstone: second }]);
    expect(await t.reopen().then((s) => s.loadTombstone(G1))).toEqual(second);
    expect(await t.storage.listGroups()).toEqual([]);
  });

  test("a group written twice in one batch ends as the second write says", async () => {
    await t.storage.write([
      { groupId: G1, entries: makeEntries(1, 3, 1) },
      { groupId: G1, hardState: hardState(2, 0, 1), entries: makeEntries(2, 2, 2, { group: 5 }) },
    ]);
    expect(await t.storage.loadGroup(G1)).toMatchObject({ firstIndex: 1, lastIndex: 2 });
    const log = await readAll(t.storage, { groupId: G1, from: 1, to: 2 });
    expect(plain(log)).toEqual(plain([makeEntry(1, 1), makeEntry(2, 2, { group: 5 })]));
  });
}

/** Snapshots taken here or sent by a leader, and the compaction they allow. */
function snapshotCases(t: StorageUnderTest): void {
  test("a local snapshot keeps the entries; compactThrough removes those up to it", async () => {
    await t.storage.write([
      { groupId: G1, hardState: hardState(1, 1, 8), entries: makeEntries(1, 10, 1) },
    ]);
    await t.storage.write([{ groupId: G1, snapshot: makeSnapshot(8, 1, [1]), entries: [] }]);
    expect(await t.storage.loadGroup(G1)).toMatchObject({ firstIndex: 1, lastIndex: 10 });
    // The host keeps a trailing margin of 3 entries for slow followers.
    await t.storage.write([
      { groupId: G1, entries: makeEntries(11, 12, 1), compactThrough: logIndex(5) },
    ]);
    expect(await t.storage.loadGroup(G1)).toMatchObject({ firstIndex: 6, lastIndex: 12 });
    expect(indexes(await readAll(t.storage, { groupId: G1, from: 6, to: 12 }))).toEqual([
      6, 7, 8, 9, 10, 11, 12,
    ]);
    await t.storage.write([{ groupId: G1, entries: [], compactThrough: logIndex(8) }]);
    expect(await t.storage.loadGroup(G1)).toMatchObject({ firstIndex: 9, lastIndex: 12 });
  });

  test("compacting everything a snapshot covers leaves an empty range after it", async () => {
    await t.storage.write([
      { groupId: G1, hardState: hardState(1, 1, 4), entries: makeEntries(1, 4, 1) },
    ]);
    await t.storage.write([
      {
        groupId: G1,
        snapshot: makeSnapshot(4, 1, [1]),
        entries: [],
        compactThrough: logIndex(4),
      },
    ]);
    expect(await t.storage.loadGroup(G1)).toMatchObject({ firstIndex: 5, lastIndex: 4 });
    await t.storage.write([{ groupId: G1, entries: makeEntries(5, 6, 1) }]);
    expect(await t.storage.loadGroup(G1)).toMatchObject({ firstIndex: 5, lastIndex: 6 });
  });

  test("a snapshot from the leader replaces the whole log", async () => {
    await t.storage.write([
      { groupId: G1, hardState: hardState(1, 1, 2), entries: makeEntries(1, 5, 1) },
    ]);
    await t.storage.write([
      {
        groupId: G1,
        hardState: hardState(3, 0, 20),
        snapshot: makeSnapshot(20, 3, [1, 2]),
        snapshotReplacesLog: true,
        entries: makeEntries(21, 22, 3),
      },
    ]);
    const stored = await t.storage.loadGroup(G1);
    expect(stored).toMatchObject({
      firstIndex: 21,
      lastIndex: 22,
      hardState: hardState(3, 0, 20),
    });
    expect(stored?.snapshot?.metadata.index).toBe(logIndex(20));
    expect(indexes(await readAll(t.storage, { groupId: G1, from: 21, to: 22 }))).toEqual([21, 22]);
  });
}

/** Bounded reads, and stored data independent of the caller's buffers. */
function readCases(t: StorageUnderTest): void {
  test("readEntries returns bounded batches that together cover the range", async () => {
    await t.storage.write([{ groupId: G1, entries: makeEntries(1, 50, 1, { bytes: 100 }) }]);
    const first = await t.storage.readEntries({
      groupId: G1,
      fromIndex: logIndex(1),
      toIndexInclusive: logIndex(50),
      bytesMax: 1000,
    });
    expect(indexes(first)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const all = await readAll(t.storage, { groupId: G1, from: 3, to: 47, bytesMax: 350 });
    expect(plain(all)).toEqual(plain(makeEntries(3, 47, 1, { bytes: 100 })));
  });

  test("readEntries returns one entry even when it alone is over bytesMax", async () => {
    await t.storage.write([{ groupId: G1, entries: makeEntries(1, 3, 1, { bytes: 5000 }) }]);
    const batch = await t.storage.readEntries({
      groupId: G1,
      fromIndex: logIndex(2),
      toIndexInclusive: logIndex(3),
      bytesMax: 10,
    });
    expect(indexes(batch)).toEqual([2]);
  });

  test("readEntries returns at most READ_ENTRIES_MAX entries", async () => {
    const last = READ_ENTRIES_MAX + 5;
    await t.storage.write([{ groupId: G1, entries: makeEntries(1, last, 1, { bytes: 1 }) }]);
    const batch = await t.storage.readEntries({
      groupId: G1,
      fromIndex: logIndex(1),
      toIndexInclusive: logIndex(last),
      bytesMax: 1024 * 1024 * 1024,
    });
    expect(batch).toHaveLength(READ_ENTRIES_MAX);
    expect(batch.at(-1)?.index).toBe(logIndex(READ_ENTRIES_MAX));
  });

  test("what is stored does not change when the caller reuses its buffers", async () => {
    const entry = makeEntry(1, 1);
    const expected = plain([entry]);
    const snapshot = makeSnapshot(1, 1, [1]);
    await t.storage.write([{ groupId: G1, hardState: hardState(1, 1, 1), entries: [entry] }]);
    await t.storage.write([{ groupId: G1, snapshot, entries: [] }]);
    entry.data.fill(0);
    snapshot.data.fill(0);
    const log = await readAll(t.storage, { groupId: G1, from: 1, to: 1 });
    expect(plain(log)).toEqual(expected);
    expect((await t.storage.loadGroup(G1))?.snapshot).toEqual(makeSnapshot(1, 1, [1]));
  });
}

/** The node's identity, and a closed storage. */
function lifecycleCases(t: StorageUnderTest): void {
  test("the identity is saved, replaced, and survives close and open", async () => {
    await t.storage.saveIdentity(IDENTITY);
    expect(await t.storage.loadIdentity()).toEqual(IDENTITY);
    const moved = { ...IDENTITY, advertiseAddress: "10.0.0.9:7001", transport: "http" } as const;
    await t.storage.saveIdentity(moved);
    expect(await (await t.reopen()).loadIdentity()).toEqual(moved);
  });

  test("the incarnation and an open claim are kept with the identity", async () => {
    const claimed = { ...IDENTITY, incarnation: 4, claim: { incarnation: 5, nonce: "n-1" } };
    await t.storage.saveIdentity(claimed);
    expect(await (await t.reopen()).loadIdentity()).toEqual(claimed);
    const accepted = { ...IDENTITY, incarnation: 5 };
    await t.storage.saveIdentity(accepted);
    expect(await (await t.reopen()).loadIdentity()).toEqual(accepted);
  });

  test("a node that left is remembered as such, and so is one whose leave began", async () => {
    const leaving = { ...IDENTITY, incarnation: 2, isLeaving: true };
    await t.storage.saveIdentity(leaving);
    expect(await (await t.reopen()).loadIdentity()).toEqual(leaving);
    const left = { ...IDENTITY, incarnation: 2, hasLeft: true };
    await t.storage.saveIdentity(left);
    expect(await (await t.reopen()).loadIdentity()).toEqual(left);
    // Taken back as a member: the mark is gone once the identity is saved without it.
    await t.storage.saveIdentity({ ...IDENTITY, incarnation: 3 });
    expect(await (await t.reopen()).loadIdentity()).toEqual({ ...IDENTITY, incarnation: 3 });
  });

  test("after close, every call rejects with a StorageError", async () => {
    await t.storage.close();
    expect(await rejectionOf(t.storage.write([]))).toBeInstanceOf(StorageError);
    expect(await rejectionOf(t.storage.listGroups())).toBeInstanceOf(StorageError);
    expect(await rejectionOf(t.storage.loadIdentity())).toBeInstanceOf(StorageError);
    await t.reopenClosed();
  });
}
