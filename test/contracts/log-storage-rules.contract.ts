// Writes that break a log rule are caller bugs: every LogStorage rejects them with an
// AssertionError and stores nothing of their batch. Reads outside the stored log too.

import { beforeEach, describe, expect, test } from "bun:test";
import { AssertionError, logIndex, nodeId, term } from "../../src/lib/index.ts";
import type { GroupWrite, LogStorage } from "../../src/storage/index.ts";
import {
  G1,
  G2,
  hardState,
  makeEntries,
  makeEntry,
  makeSnapshot,
  plain,
  readAll,
  rejectionOf,
} from "./log-storage-fixtures.ts";

/**
 * Group 1 before each case: entries 1..6 (terms 1,1,1,2,2,2), term 2, commit 3, snapshot at 2.
 * Each case is one bad write; it goes in a batch after a good write to group 2.
 */
const BAD_WRITES: ReadonlyArray<readonly [string, GroupWrite]> = [
  ["a gap after the last index", { groupId: G1, entries: makeEntries(8, 9, 2) }],
  ["entries that are not contiguous", { groupId: G1, entries: [makeEntry(7, 2), makeEntry(9, 2)] }],
  [
    "a term that goes back inside the entries",
    { groupId: G1, entries: [makeEntry(7, 3), makeEntry(8, 2)] },
  ],
  ["overwriting a committed entry (§5.4)", { groupId: G1, entries: makeEntries(3, 4, 3) }],
  ["overwriting what the snapshot covers", { groupId: G1, entries: makeEntries(2, 2, 3) }],
  ["compacting past the snapshot", { groupId: G1, entries: [], compactThrough: logIndex(3) }],
  [
    "a hard state whose term goes back (§5.1)",
    { groupId: G1, hardState: hardState(1, 0, 3), entries: [] },
  ],
  [
    "a hard state whose commit goes back",
    { groupId: G1, hardState: hardState(2, 0, 2), entries: [] },
  ],
  [
    "a tombstone without deleteGroup",
    {
      groupId: G1,
      entries: [],
      tombstone: { term: term(2), vote: nodeId(1), lastIndex: logIndex(6), lastTerm: term(2) },
    },
  ],
  [
    "a commit beyond the last stored index",
    { groupId: G1, hardState: hardState(2, 0, 7), entries: [] },
  ],
  [
    "a snapshot older than the stored one",
    { groupId: G1, snapshot: makeSnapshot(1, 1, [1]), entries: [] },
  ],
  [
    "a local snapshot past the last index",
    { groupId: G1, snapshot: makeSnapshot(9, 2, [1]), entries: [] },
  ],
  [
    "snapshotReplacesLog without a snapshot",
    { groupId: G1, snapshotReplacesLog: true, entries: [] },
  ],
  ["deleteGroup with entries", { groupId: G1, deleteGroup: true, entries: makeEntries(7, 7, 2) }],
  [
    "compacting a group without a snapshot",
    { groupId: G2, entries: [], compactThrough: logIndex(1) },
  ],
];

const GROUP_1_ENTRIES = [...makeEntries(1, 3, 1), ...makeEntries(4, 6, 2)];

export function runLogStorageRules(storageOf: () => LogStorage): void {
  describe("writes that break a log rule", () => {
    beforeEach(async () => {
      const storage = storageOf();
      await storage.write([
        { groupId: G1, hardState: hardState(2, 1, 3), entries: GROUP_1_ENTRIES },
      ]);
      await storage.write([{ groupId: G1, snapshot: makeSnapshot(2, 1, [1]), entries: [] }]);
    });

    test.each(BAD_WRITES)("reject %s and store nothing of the batch", async (_, bad) => {
      const storage = storageOf();
      const good: GroupWrite = { groupId: G2, entries: makeEntries(1, 1, 1) };
      const batch = bad.groupId === G2 ? [bad] : [good, bad];
      expect(await rejectionOf(storage.write(batch))).toBeInstanceOf(AssertionError);
      expect(await storage.listGroups()).toEqual([G1]);
      expect(await storage.loadGroup(G1)).toEqual({
        hardState: hardState(2, 1, 3),
        snapshot: makeSnapshot(2, 1, [1]),
        firstIndex: logIndex(1),
        lastIndex: logIndex(6),
      });
      expect(plain(await readAll(storage, { groupId: G1, from: 1, to: 6 }))).toEqual(
        plain(GROUP_1_ENTRIES),
      );
      // The storage still works after rejecting a bug.
      await storage.write([good]);
      expect(await storage.listGroups()).toEqual([G1, G2]);
    });

    test.each([
      ["before the first stored entry", 0, 3],
      ["past the last stored entry", 5, 7],
      ["in a group with nothing stored", 1, 1],
      ["an empty range", 4, 3],
    ] as const)("reading %s is a caller bug", async (what, from, to) => {
      const group = what === "in a group with nothing stored" ? G2 : G1;
      const range = { groupId: group, fromIndex: logIndex(from), toIndexInclusive: logIndex(to) };
      expect(
        await rejectionOf(storageOf().readEntries({ ...range, bytesMax: 100 })),
      ).toBeInstanceOf(AssertionError);
    });
  });
}
