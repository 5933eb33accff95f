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
const BAD_WRITES: ReadonlyArray<readonly [string, GroupWrite, string]> = [
  [
    "a gap after the last index",
    { groupId: G1, entries: makeEntries(8, 9, 2) },
    "leave a gap after the last index 6",
  ],
  [
    "entries that are not contiguous",
    { groupId: G1, entries: [makeEntry(7, 2), makeEntry(9, 2)] },
    "entry 9 after 7: entries must be contiguous",
  ],
  [
    "a term that goes back inside the entries",
    { groupId: G1, entries: [makeEntry(7, 3), makeEntry(8, 2)] },
    "entry 8 after 7: term went back from 3",
  ],
  [
    "overwriting a committed entry (§5.4)",
    { groupId: G1, entries: makeEntries(3, 4, 3) },
    "would overwrite committed entries (commit 3)",
  ],
  [
    "overwriting what the snapshot covers",
    { groupId: G1, entries: makeEntries(2, 2, 3) },
    "entries from 2 would overwrite",
  ],
  [
    "compacting past the snapshot",
    { groupId: G1, entries: [], compactThrough: logIndex(3) },
    "compactThrough 3 is past snapshot 2",
  ],
  [
    "a hard state whose term goes back (§5.1)",
    { groupId: G1, hardState: hardState(1, 0, 3), entries: [] },
    "hard state term went back from 2 to 1",
  ],
  [
    "a hard state whose commit goes back",
    { groupId: G1, hardState: hardState(2, 0, 2), entries: [] },
    "hard state commit went back from 3 to 2",
  ],
  [
    "a tombstone without deleteGroup",
    {
      groupId: G1,
      entries: [],
      tombstone: { term: term(2), vote: nodeId(1), lastIndex: logIndex(6), lastTerm: term(2) },
    },
    "a tombstone comes only with deleteGroup",
  ],
  [
    "a commit beyond the last stored index",
    { groupId: G1, hardState: hardState(2, 0, 7), entries: [] },
    "commit 7 would be beyond the last stored index 6",
  ],
  [
    "a snapshot older than the stored one",
    { groupId: G1, snapshot: makeSnapshot(1, 1, [1]), entries: [] },
    "snapshot 1 is older than the stored 2",
  ],
  [
    "a local snapshot past the last index",
    { groupId: G1, snapshot: makeSnapshot(9, 2, [1]), entries: [] },
    "snapshot 9 covers entries past the last stored 6",
  ],
  [
    "snapshotReplacesLog without a snapshot",
    { groupId: G1, snapshotReplacesLog: true, entries: [] },
    "snapshotReplacesLog needs a snapshot",
  ],
  [
    "deleteGroup with entries",
    { groupId: G1, deleteGroup: true, entries: makeEntries(7, 7, 2) },
    "deleteGroup must not carry entries",
  ],
  [
    "compacting a group without a snapshot",
    { groupId: G2, entries: [], compactThrough: logIndex(1) },
    "without a stored snapshot",
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

    test.each(BAD_WRITES)("reject %s and store nothing of the batch", async (_, bad, why) => {
      const storage = storageOf();
      const good: GroupWrite = { groupId: G2, entries: makeEntries(1, 1, 1) };
      const batch = bad.groupId === G2 ? [bad] : [good, bad];
      const rejection = await rejectionOf(storage.write(batch));
      expect(rejection).toBeInstanceOf(AssertionError);
      expect((rejection as Error).message).toContain(why);
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
