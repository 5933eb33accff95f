import { describe, expect, test } from "bun:test";
import { groupId, logIndex, NO_NODE, term } from "../../../src/lib/index.ts";
import { EMPTY_CONF_STATE, type Entry } from "../../../src/raft/index.ts";
import { type GroupWrite, MemoryLogStore } from "../../../src/storage/index.ts";
import { CommitLedger } from "./commit-ledger.ts";

const G1 = groupId(1);

/** Entries at `from`, `from + 1`, ... with these terms. */
function entries(from: number, terms: readonly number[]): Entry[] {
  return terms.map((t, k) => ({
    term: term(t),
    index: logIndex(from + k),
    type: "normal",
    data: new Uint8Array(),
  }));
}

function append(from: number, terms: readonly number[], commit?: number): GroupWrite {
  return {
    groupId: G1,
    entries: entries(from, terms),
    ...(commit === undefined
      ? {}
      : { hardState: { term: term(9), vote: NO_NODE, commit: logIndex(commit) } }),
  };
}

describe("the commit ledger", () => {
  test("names a replica that commits another entry where one was committed", () => {
    const ledger = new CommitLedger();
    ledger.stored(new MemoryLogStore(), "a", [append(1, [1, 1, 2], 3)]);
    ledger.stored(new MemoryLogStore(), "b", [append(1, [1, 1, 3], 3)]);
    expect(ledger.divergence).toBe(
      "group 1 index 3: a committed an entry of term 2, b one of term 3",
    );
  });

  test("an uncommitted suffix a new leader replaced is no divergence", () => {
    const ledger = new CommitLedger();
    const store = new MemoryLogStore();
    ledger.stored(store, "a", [append(1, [1, 1, 2], 2)]);
    ledger.stored(store, "a", [append(3, [3, 3], 4)]);
    ledger.stored(new MemoryLogStore(), "b", [append(1, [1, 1, 3, 3], 4)]);
    expect(ledger.divergence).toBeUndefined();
  });

  test("remembers what a replica committed after the replica is deleted", () => {
    const ledger = new CommitLedger();
    const store = new MemoryLogStore();
    ledger.stored(store, "a", [append(1, [1, 2], 2)]);
    ledger.stored(store, "a", [{ groupId: G1, entries: [], deleteGroup: true }]);
    // The node's next replica of the group starts empty and is told of another entry at 2.
    ledger.stored(store, "a", [append(1, [1, 3], 2)]);
    expect(ledger.divergence).toBe(
      "group 1 index 2: a committed an entry of term 2, a one of term 3",
    );
  });

  test("a snapshot from the leader counts as committed at its index", () => {
    const ledger = new CommitLedger();
    ledger.stored(new MemoryLogStore(), "a", [append(1, [1, 1, 1, 2, 2], 5)]);
    const snapshot = {
      metadata: { index: logIndex(5), term: term(3), confState: EMPTY_CONF_STATE },
      data: new Uint8Array(),
    };
    ledger.stored(new MemoryLogStore(), "b", [
      { groupId: G1, entries: [], snapshot, snapshotReplacesLog: true },
    ]);
    expect(ledger.divergence).toBe(
      "group 1 index 5: a committed an entry of term 2, b one of term 3",
    );
  });
});
