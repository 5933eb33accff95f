import { expect, test } from "bun:test";
import { logIndex } from "../lib/index.ts";
import { SnapshotPolicy } from "./snapshot-policy.ts";

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
  const small = new SnapshotPolicy(LIMITS, logIndex(0));
  applied(small, 1, 99, 1);
  expect(small.isSnapshotDue(logIndex(99))).toBe(false);
  applied(small, 100, 100, 1);
  expect(small.isSnapshotDue(logIndex(100))).toBe(true);

  const large = new SnapshotPolicy(LIMITS, logIndex(0));
  applied(large, 1, 4, 250);
  expect(large.isSnapshotDue(logIndex(4))).toBe(true);
  large.reset(logIndex(4));
  expect(large.isSnapshotDue(logIndex(4))).toBe(false);
});

test("the margin kept behind a snapshot is bounded in entries and in bytes", () => {
  const small = new SnapshotPolicy(LIMITS, logIndex(0));
  applied(small, 1, 100, 1);
  // Ten entries kept: compact through 90.
  expect(small.compactionPoint(logIndex(100))).toBe(logIndex(90));

  const large = new SnapshotPolicy(LIMITS, logIndex(0));
  applied(large, 1, 8, 125);
  // Only two entries of 125 bytes fit in 300: compact through 6.
  expect(large.compactionPoint(logIndex(8))).toBe(logIndex(6));

  const huge = new SnapshotPolicy(LIMITS, logIndex(0));
  applied(huge, 1, 3, 5_000);
  // Not even the last entry fits: keep nothing.
  expect(huge.compactionPoint(logIndex(3))).toBe(logIndex(3));
});
