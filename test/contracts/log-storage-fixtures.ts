// Small builders for the LogStorage contract suites: entries, hard states, snapshots and a
// helper that reads a group's whole log back in bounded batches.

import { type GroupId, groupId, logIndex, type NodeId, nodeId, term } from "../../src/lib/index.ts";
import {
  EMPTY_CONF_STATE,
  type Entry,
  type HardState,
  type Snapshot,
} from "../../src/raft/index.ts";
import type { LogStorage, StoredGroup } from "../../src/storage/index.ts";

/** What a contract suite runs against: a storage it can close and open again. */
export interface LogStorageSubject {
  /** Opens the storage; opening again after close() must find everything written before. */
  open(): Promise<LogStorage>;
  /** Removes whatever the subject created (files, directories). */
  destroy(): Promise<void>;
}

export const G1: GroupId = groupId(1);
export const G2: GroupId = groupId(2);
export const G3: GroupId = groupId(3);

/** Data that tells entries apart and uses every byte value once. */
export function entryData(group: number, index: number, bytes = 16): Uint8Array {
  const data = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) data[i] = (group * 31 + index * 7 + i) % 256;
  return data;
}

export function makeEntry(
  index: number,
  entryTerm: number,
  options: { group?: number; bytes?: number; type?: Entry["type"] } = {},
): Entry {
  return {
    index: logIndex(index),
    term: term(entryTerm),
    type: options.type ?? "normal",
    data: entryData(options.group ?? 1, index, options.bytes),
  };
}

/** Entries first..last, all in `entryTerm`. */
export function makeEntries(
  first: number,
  last: number,
  entryTerm: number,
  options: { group?: number; bytes?: number } = {},
): Entry[] {
  const entries: Entry[] = [];
  for (let index = first; index <= last; index++) {
    entries.push(makeEntry(index, entryTerm, options));
  }
  return entries;
}

export function hardState(hardTerm: number, vote: number, commit: number): HardState {
  return { term: term(hardTerm), vote: nodeId(vote), commit: logIndex(commit) };
}

export function makeSnapshot(index: number, snapshotTerm: number, voters: number[]): Snapshot {
  const data = new TextEncoder().encode(`state as of ${index}`);
  return {
    metadata: {
      index: logIndex(index),
      term: term(snapshotTerm),
      confState: { ...EMPTY_CONF_STATE, voters: voters.map((id): NodeId => nodeId(id)) },
    },
    data,
  };
}

/** A StoredGroup without a snapshot, from plain numbers. */
export function storedGroup(state: HardState, first: number, last: number): StoredGroup {
  return { hardState: state, firstIndex: logIndex(first), lastIndex: logIndex(last) };
}

/** Reads [from, to] of a group in batches of at most bytesMax, checking each batch's shape. */
export async function readAll(
  storage: LogStorage,
  options: { groupId: GroupId; from: number; to: number; bytesMax?: number },
): Promise<Entry[]> {
  const all: Entry[] = [];
  let next = options.from;
  while (next <= options.to) {
    const batch = await storage.readEntries({
      groupId: options.groupId,
      fromIndex: logIndex(next),
      toIndexInclusive: logIndex(options.to),
      bytesMax: options.bytesMax ?? 1024 * 1024,
    });
    if (batch.length === 0) throw new Error(`readEntries from ${next} returned nothing`);
    all.push(...batch);
    next += batch.length;
  }
  return all;
}

/** Entries as plain values, so that Uint8Array subclasses compare equal. */
export function plain(entries: readonly Entry[]): object[] {
  return entries.map((entry) => ({
    index: entry.index,
    term: entry.term,
    type: entry.type,
    data: [...entry.data],
  }));
}

export function indexes(entries: readonly Entry[]): number[] {
  return entries.map((entry) => entry.index);
}

/** The error `promise` rejects with; fails the test if it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    // The error is the result under test.
    return error;
  }
  throw new Error("expected the promise to reject, it resolved");
}
