import { describe, expect, test } from "bun:test";
import { groupId, logIndex, nodeId, term } from "../lib/index.ts";
import type { GroupWrite } from "../storage/index.ts";
import { DeferredCommits } from "./deferred-commits.ts";

const hardState = (commit: number) => ({
  term: term(2),
  vote: nodeId(1),
  commit: logIndex(commit),
});
const commitOnly = (group: number, commit: number): GroupWrite => ({
  groupId: groupId(group),
  entries: [],
  hardState: hardState(commit),
});
const withEntry = (group: number, index: number): GroupWrite => ({
  groupId: groupId(group),
  entries: [{ index: logIndex(index), term: term(2), type: "normal", data: new Uint8Array() }],
});

describe("DeferredCommits", () => {
  test("a turn that only moves commit indexes writes nothing, and holds its writes", () => {
    const deferred = new DeferredCommits();
    expect(deferred.take([commitOnly(1, 5), commitOnly(2, 9)], false, false)).toEqual([]);
    expect(deferred.isHolding).toBe(true);
  });

  test("the next turn writes what is held first, then its own writes", () => {
    const deferred = new DeferredCommits();
    deferred.take([commitOnly(1, 5)], false, false);
    expect(deferred.take([withEntry(1, 6)], true, false)).toEqual([
      commitOnly(1, 5),
      withEntry(1, 6),
    ]);
    expect(deferred.isHolding).toBe(false);
  });

  test("nothing is held for more than one turn", () => {
    const deferred = new DeferredCommits();
    deferred.take([commitOnly(1, 5)], false, false);
    expect(deferred.take([commitOnly(1, 6)], false, false)).toEqual([
      commitOnly(1, 5),
      commitOnly(1, 6),
    ]);
    expect(deferred.take([], false, false)).toEqual([]);
    deferred.take([commitOnly(1, 7)], false, false);
    // A turn with nothing of its own to write still writes what the last one held.
    expect(deferred.take([], false, false)).toEqual([commitOnly(1, 7)]);
  });

  test("a turn that must sync, creates or removes groups, or writes more than a commit is not held", () => {
    const cases: [GroupWrite[], boolean, boolean][] = [
      [[commitOnly(1, 5)], true, false],
      [[commitOnly(1, 5)], false, true],
      [[commitOnly(1, 5), withEntry(2, 3)], false, false],
      [[{ ...commitOnly(1, 5), compactThrough: logIndex(2) }], false, false],
      [[{ groupId: groupId(1), entries: [], deleteGroup: true }], false, false],
    ];
    for (const [writes, isSync, hasLifecycle] of cases) {
      const deferred = new DeferredCommits();
      expect(deferred.take(writes, isSync, hasLifecycle)).toEqual(writes);
      expect(deferred.isHolding).toBe(false);
    }
  });
});
