import { expect, test } from "bun:test";
import { logIndex } from "../lib/index.ts";
import { SnapshotPolicy } from "./snapshot-policy.ts";

/** A group that never took a snapshot. */
const NONE = { index: logIndex(0), bytes: 0 };

const LIMITS = {
  snapshotEntries: 100,
  snapshotBytes: 1_000,
  compactionMarginEntries: 10,
  compactionMarginBytes: 300,
};

function applied(policy: SnapshotPolicy, from: number, to: number, bytes: number): void {
  for (let index = from; index <= to; index++) policy.noteApplied(logIndex(index), bytes);
}

test("a snapshot is due after enough entries, or enough bytes, since the last one", () => {
  const small = new SnapshotPolicy(LIMITS, NONE);
  applied(small, 1, 99, 1);
  expect(small.isSnapshotDue(logIndex(99))).toBe(false);
  applied(small, 100, 100, 1);
  expect(small.isSnapshotDue(logIndex(100))).toBe(true);

  const large = new SnapshotPolicy(LIMITS, NONE);
  applied(large, 1, 4, 250);
  expect(large.isSnapshotDue(logIndex(4))).toBe(true);
  large.reset(logIndex(4), 10);
  expect(large.isSnapshotDue(logIndex(4))).toBe(false);
});

test("after a snapshot larger than the log since, the next waits until the log is as large", () => {
  const policy = new SnapshotPolicy(LIMITS, NONE);
  policy.reset(logIndex(0), 500);
  // 100 entries of 4 bytes: the count is reached, but 400 bytes of log against a 500-byte
  // snapshot: not yet.
  applied(policy, 1, 100, 4);
  expect(policy.isSnapshotDue(logIndex(100))).toBe(false);
  applied(policy, 101, 125, 4);
  expect(policy.isSnapshotDue(logIndex(125))).toBe(true);
});

test("a snapshot loaded at start defers the next one as if it had just been taken", () => {
  // A restart found a 500-byte snapshot at index 1,000 in storage.
  const policy = new SnapshotPolicy(LIMITS, { index: logIndex(1_000), bytes: 500 });
  applied(policy, 1_001, 1_100, 4);
  expect(policy.isSnapshotDue(logIndex(1_100))).toBe(false);
  applied(policy, 1_101, 1_125, 4);
  expect(policy.isSnapshotDue(logIndex(1_125))).toBe(true);
});

test("a large snapshot defers the next one only up to the caps on entries and bytes", () => {
  const entries = new SnapshotPolicy(LIMITS, NONE);
  entries.reset(logIndex(0), 1_000_000);
  applied(entries, 1, 999, 0);
  expect(entries.isSnapshotDue(logIndex(999))).toBe(false);
  applied(entries, 1_000, 1_000, 0);
  // SNAPSHOT_DEFERRAL_MAX (10) times snapshotEntries (100).
  expect(entries.isSnapshotDue(logIndex(1_000))).toBe(true);

  const bytes = new SnapshotPolicy(LIMITS, NONE);
  bytes.reset(logIndex(0), 1_000_000);
  applied(bytes, 1, 4, 250);
  // snapshotBytes (1,000) of log: due, however large the last snapshot was.
  expect(bytes.isSnapshotDue(logIndex(4))).toBe(true);
});

test("the margin kept behind a snapshot is bounded in entries and in bytes", () => {
  const small = new SnapshotPolicy(LIMITS, NONE);
  applied(small, 1, 100, 1);
  // Ten entries kept: compact through 90.
  expect(small.compactionPoint(logIndex(100))).toBe(logIndex(90));

  const large = new SnapshotPolicy(LIMITS, NONE);
  applied(large, 1, 8, 125);
  // Only two entries of 125 bytes fit in 300: compact through 6.
  expect(large.compactionPoint(logIndex(8))).toBe(logIndex(6));

  const huge = new SnapshotPolicy(LIMITS, NONE);
  applied(huge, 1, 3, 5_000);
  // Not even the last entry fits: keep nothing.
  expect(huge.compactionPoint(logIndex(3))).toBe(logIndex(3));
});
