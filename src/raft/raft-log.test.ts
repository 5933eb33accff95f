// RaftLog: maybeAppend (§5.3), findConflictByTerm, compact and restore (§7), and slice byte
// limits, each compared with a slow model over many seeded random logs.

import { describe, expect, test } from "bun:test";
import {
  AssertionError,
  type LogIndex,
  logIndex,
  type Random,
  seededRandom,
  type Term,
  term,
} from "../lib/index.ts";
import { entryBytes, RaftLog } from "./raft-log.ts";
import { EMPTY_CONF_STATE, type Entry, type Snapshot } from "./types.ts";

const RUNS = 3000;

function entry(index: number, entryTerm: number, dataBytes = 0): Entry {
  return {
    index: logIndex(index),
    term: term(entryTerm),
    type: "normal",
    data: new Uint8Array(dataBytes),
  };
}

function snapshotAt(index: number, snapshotTerm: number, data = new Uint8Array()): Snapshot {
  return {
    metadata: { index: logIndex(index), term: term(snapshotTerm), confState: EMPTY_CONF_STATE },
    data,
  };
}

/** Non-decreasing random terms, as any Raft log has. */
function randomTerms(random: Random, length: number, firstTerm = 1): number[] {
  const terms: number[] = [];
  let current = firstTerm;
  for (let k = 0; k < length; k++) {
    if (random.chance(0.3)) current += random.int(1, 3);
    terms.push(current);
  }
  return terms;
}

function logOf(terms: readonly number[], commit: number, snapshot?: Snapshot): RaftLog {
  const offset = snapshot?.metadata.index ?? 0;
  return new RaftLog({
    confState: EMPTY_CONF_STATE,
    ...(snapshot === undefined ? {} : { snapshot }),
    entries: terms.map((entryTerm, k) => entry(offset + k + 1, entryTerm)),
    commit: logIndex(commit),
  });
}

function termsOf(log: RaftLog): (number | undefined)[] {
  const result: (number | undefined)[] = [];
  for (let index = log.firstIndex(); index <= log.lastIndex(); index++)
    result.push(log.term(index));
  return result;
}

// ---- slow model of maybeAppend -----------------------------------------------------------

interface ModelResult {
  readonly outcome: "rejected" | "appended" | "overwrites-commit";
  readonly terms: number[];
  readonly commit: number;
  readonly lastNew: number;
  /** The first index whose stored entry changed (must be rewritten by the host), if any. */
  readonly firstChanged: number | undefined;
}

function modelAppend(
  terms: readonly number[],
  commit: number,
  call: { prevIndex: number; prevTerm: number; leaderCommit: number; entries: readonly Entry[] },
): ModelResult {
  const termAt = (index: number) => (index === 0 ? 0 : terms[index - 1]);
  const unchanged = { terms: [...terms], commit, lastNew: 0, firstChanged: undefined };
  if (termAt(call.prevIndex) !== call.prevTerm) return { outcome: "rejected", ...unchanged };
  const result = [...terms];
  let firstChanged: number | undefined;
  for (const item of call.entries) {
    if (result[item.index - 1] === item.term) continue;
    if (item.index <= commit) return { outcome: "overwrites-commit", ...unchanged };
    firstChanged ??= item.index;
    result.length = item.index - 1;
    result.push(item.term);
  }
  const lastNew = call.prevIndex + call.entries.length;
  return {
    outcome: "appended",
    terms: result,
    commit: Math.max(commit, Math.min(call.leaderCommit, lastNew)),
    lastNew,
    firstChanged,
  };
}

function randomAppendCall(random: Random, terms: readonly number[]) {
  const prevIndex = random.int(0, terms.length + 3);
  const realTerm = prevIndex === 0 ? 0 : terms[prevIndex - 1];
  const prevTerm = realTerm !== undefined && random.chance(0.8) ? realTerm : random.int(0, 6);
  const count = random.int(0, 5);
  const newTerms = randomTerms(random, count, Math.max(prevTerm, 1));
  // Often reuse the log's own terms, so duplicates and partial overlaps are common.
  const entries = newTerms.map((newTerm, k) => {
    const index = prevIndex + k + 1;
    const existing = terms[index - 1];
    return entry(index, existing !== undefined && random.chance(0.6) ? existing : newTerm);
  });
  const sorted = entries.every((item, k) => k === 0 || item.term >= (entries[k - 1]?.term ?? 0));
  return {
    prevIndex,
    prevTerm,
    leaderCommit: random.int(0, terms.length + 6),
    entries: sorted ? entries : entries.map((item) => entry(item.index, prevTerm || 1)),
  };
}

describe("RaftLog", () => {
  test("maybeAppend matches the slow model of the §5.3 receiver rules", () => {
    const random = seededRandom(11).fork("maybe-append");
    const outcomes = new Set<string>();
    for (let run = 0; run < RUNS; run++) {
      const terms = randomTerms(random, random.int(0, 8));
      const commit = random.int(0, terms.length + 1);
      const log = logOf(terms, commit);
      const call = randomAppendCall(random, terms);
      const expected = modelAppend(terms, commit, call);
      outcomes.add(expected.outcome);
      const invoke = () =>
        log.maybeAppend(
          logIndex(call.prevIndex),
          term(call.prevTerm),
          logIndex(call.leaderCommit),
          call.entries,
        );
      if (expected.outcome === "overwrites-commit") {
        expect(invoke).toThrow(AssertionError);
        continue;
      }
      const lastNew = invoke();
      expect(lastNew).toBe(
        expected.outcome === "rejected" ? undefined : (expected.lastNew as LogIndex),
      );
      expect(termsOf(log)).toEqual(expected.terms);
      expect(log.commit).toBe(expected.commit as LogIndex);
      // The host is asked to write exactly from the first changed index on.
      expect(log.unstableEntries()[0]?.index).toBe(expected.firstChanged as LogIndex | undefined);
      log.checkInvariants();
    }
    expect([...outcomes].sort()).toEqual(["appended", "overwrites-commit", "rejected"]);
  });

  test("findConflictByTerm matches a slow scan, with and without a snapshot", () => {
    const random = seededRandom(12).fork("find-conflict");
    for (let run = 0; run < RUNS; run++) {
      const snapshotIndex = random.chance(0.5) ? random.int(1, 6) : 0;
      const snapshotTerm = snapshotIndex === 0 ? 0 : random.int(1, 4);
      const snapshot = snapshotIndex === 0 ? undefined : snapshotAt(snapshotIndex, snapshotTerm);
      const terms = randomTerms(random, random.int(0, 8), Math.max(snapshotTerm, 1));
      const log = logOf(terms, snapshotIndex, snapshot);
      const index = random.int(0, log.lastIndex() + 3);
      const queryTerm = random.int(0, (terms.at(-1) ?? snapshotTerm) + 2);
      // Slow: walk down from min(index, last) to the first index whose term is <= queryTerm;
      // an index whose term is unknown (compacted) is returned with term 0.
      const termOf = (k: number): number | undefined =>
        k === snapshotIndex
          ? snapshotTerm
          : k < snapshotIndex
            ? undefined
            : terms[k - snapshotIndex - 1];
      let probe = Math.min(index, log.lastIndex());
      let expected: { index: number; term: number } | undefined;
      for (; expected === undefined; probe--) {
        const probeTerm = termOf(probe);
        if (probeTerm === undefined) expected = { index: probe, term: 0 };
        else if (probeTerm <= queryTerm) expected = { index: probe, term: probeTerm };
      }
      expect(log.findConflictByTerm(logIndex(index), term(queryTerm))).toEqual(
        expected as { index: LogIndex; term: Term },
      );
    }
  });

  test("slice returns a maximal prefix within bytesMax, but always one entry", () => {
    const random = seededRandom(13).fork("slice");
    for (let run = 0; run < RUNS; run++) {
      const sizes = Array.from({ length: random.int(1, 10) }, () => random.int(0, 50));
      const log = new RaftLog({
        confState: EMPTY_CONF_STATE,
        entries: sizes.map((size, k) => entry(k + 1, 1, size)),
        commit: logIndex(0),
      });
      const from = random.int(1, sizes.length + 2);
      const to = random.int(from - 1, sizes.length + 2);
      const bytesMax = random.int(0, 200);
      const expected: number[] = [];
      let total = 0;
      for (let index = from; index <= Math.min(to, sizes.length); index++) {
        const cost = (sizes[index - 1] ?? 0) + entryBytes(entry(index, 1));
        if (expected.length > 0 && total + cost > bytesMax) break;
        total += cost;
        expected.push(index);
      }
      expect(log.slice(from, to, bytesMax)?.map((item) => item.index)).toEqual(
        expected as LogIndex[],
      );
    }
  });

  test("slice of a compacted index is undefined, so a snapshot must be sent", () => {
    const log = logOf([1, 1], 5, snapshotAt(5, 1));
    expect(log.slice(5, 7, 1000)).toBeUndefined();
    expect(log.slice(6, 7, 1000)?.map((item) => item.index)).toEqual([6, 7] as LogIndex[]);
  });

  test("compact keeps the term of the compaction point and drops everything before", () => {
    const random = seededRandom(14).fork("compact");
    for (let run = 0; run < 500; run++) {
      const terms = randomTerms(random, random.int(1, 10));
      const log = logOf(terms, terms.length);
      log.appliedTo(logIndex(terms.length));
      const snapshotIndex = random.int(1, terms.length + 1);
      log.setLatestSnapshot(snapshotAt(snapshotIndex, terms[snapshotIndex - 1] ?? 0));
      const index = random.int(1, snapshotIndex + 1);
      log.compact(logIndex(index));
      expect(log.firstIndex()).toBe((index + 1) as LogIndex);
      expect(log.lastIndex()).toBe(terms.length as LogIndex);
      expect(log.term(index)).toBe(terms[index - 1] as Term);
      expect(log.term(index - 1)).toBeUndefined();
      expect(termsOf(log)).toEqual(terms.slice(index));
      // Compacting again at or below the point is a no-op; past the snapshot is a bug.
      log.compact(logIndex(index));
      expect(log.firstIndex()).toBe((index + 1) as LogIndex);
      if (snapshotIndex < terms.length) {
        expect(() => log.compact(logIndex(snapshotIndex + 1))).toThrow(AssertionError);
      }
      log.checkInvariants();
    }
  });

  test("restore replaces the whole log with the snapshot and waits for the host", () => {
    const log = logOf([1, 1, 2, 2], 2);
    const snapshot = snapshotAt(7, 3, new Uint8Array([1, 2, 3]));
    log.restore(snapshot);
    expect(log.lastIndex()).toBe(7 as LogIndex);
    expect(log.firstIndex()).toBe(8 as LogIndex);
    expect(log.lastTerm()).toBe(3 as Term);
    expect(log.commit).toBe(7 as LogIndex);
    expect(log.term(4)).toBeUndefined();
    expect(log.unstableEntries()).toEqual([]);
    expect(log.pendingSnapshot).toBe(snapshot);
    expect(log.nextCommittedEntries(1000, 100)).toEqual([]);
    log.snapshotApplied(logIndex(7));
    expect(log.pendingSnapshot).toBeUndefined();
    expect(log.applied).toBe(7 as LogIndex);
    log.checkInvariants();
    // New entries then follow the snapshot.
    expect(log.maybeAppend(logIndex(7), term(3), logIndex(8), [entry(8, 3)])).toBe(8 as LogIndex);
    expect(log.commit).toBe(8 as LogIndex);
  });

  test("nextCommittedEntries hands out at most countMax entries, and within bytesMax", () => {
    const log = logOf([1, 1, 1, 1, 1, 1, 1, 1, 1, 1], 10);
    const indexes = (entries: readonly Entry[]) => entries.map((e) => Number(e.index));
    expect(indexes(log.nextCommittedEntries(1 << 20, 4))).toEqual([1, 2, 3, 4]);
    log.appliedTo(logIndex(4));
    expect(indexes(log.nextCommittedEntries(1 << 20, 4))).toEqual([5, 6, 7, 8]);
    expect(indexes(log.nextCommittedEntries(entryBytes(entry(5, 1)) * 2, 4))).toEqual([5, 6]);
    log.appliedTo(logIndex(8));
    expect(indexes(log.nextCommittedEntries(1 << 20, 4))).toEqual([9, 10]);
    log.appliedTo(logIndex(10));
    expect(log.nextCommittedEntries(1 << 20, 4)).toEqual([]);
  });

  test("restore of a snapshot that is not ahead of commit is refused", () => {
    const log = logOf([1, 1, 2, 2], 3);
    expect(() => log.restore(snapshotAt(3, 2))).toThrow(AssertionError);
  });

  test("isUpToDate compares (last term, last index) lexicographically (§5.4.1)", () => {
    const random = seededRandom(15).fork("up-to-date");
    for (let run = 0; run < RUNS; run++) {
      const terms = randomTerms(random, random.int(0, 6));
      const log = logOf(terms, 0);
      const otherIndex = random.int(0, 8);
      const otherTerm = random.int(0, 5);
      const ours = [terms.at(-1) ?? 0, terms.length] as const;
      const expected = otherTerm > ours[0] || (otherTerm === ours[0] && otherIndex >= ours[1]);
      expect(log.isUpToDate(logIndex(otherIndex), term(otherTerm))).toBe(expected);
    }
  });

  test("stableTo marks entries persisted only if the log still holds them", () => {
    const log = logOf([1], 0);
    log.append([entry(2, 2), entry(3, 2)]);
    expect(log.unstableEntries().map((item) => item.index)).toEqual([2, 3] as LogIndex[]);
    log.stableTo(logIndex(3), term(1));
    expect(log.unstableEntries()).toHaveLength(2);
    log.stableTo(logIndex(3), term(2));
    expect(log.unstableEntries()).toEqual([]);
    // Replacing a persisted suffix makes it unstable again from the replaced index.
    log.append([entry(3, 3)]);
    expect(log.unstableEntries().map((item) => [item.index, item.term])).toEqual([[3, 3]] as never);
  });
});
