// When a group takes a snapshot and how much log it keeps behind it. The log lives in memory
// until compacted, so both are bounded in entries and in bytes: ten thousand small commands
// and sixty-four large ones cost about the same. A snapshot costs in proportion to the state
// it writes (the node stops for it: 0.2-0.3 s for the results of 10,000 ten-step workflows),
// so past the entry count it also waits until the log applied since the last one is as large
// as that snapshot: then snapshots never cost more than the log they let go of (as Redis
// rewrites its append-only file once it has doubled), within the caps on the log's bytes and
// entries.

import { assert, type LogIndex, logIndex } from "../lib/index.ts";

export interface SnapshotLimits {
  /** Take a snapshot after this many applied entries... */
  readonly snapshotEntries: number;
  /** ...or once the entries applied since the last one hold this many bytes. */
  readonly snapshotBytes: number;
  /** Entries kept behind a snapshot for slow followers (they get the snapshot otherwise). */
  readonly compactionMarginEntries: number;
  /** At most this many bytes of them. */
  readonly compactionMarginBytes: number;
}

/** Where and how large a group's last snapshot is: index 0 and 0 bytes when it has none. */
export interface SnapshotMark {
  readonly index: LogIndex;
  readonly bytes: number;
}

/** However large the state, a snapshot waits for at most this many times snapshotEntries. */
export const SNAPSHOT_DEFERRAL_MAX = 10;

export class SnapshotPolicy {
  /** Size of every entry applied since the last snapshot; entry k has index firstIndex + k. */
  private sizes: number[] = [];
  private firstIndex = 0;
  private appliedBytes = 0;
  private lastSnapshotIndex: LogIndex;
  /** Size of the last snapshot: taken, installed, or loaded from storage at start. */
  private lastSnapshotBytes: number;

  constructor(
    private readonly limits: SnapshotLimits,
    last: SnapshotMark,
  ) {
    this.lastSnapshotIndex = last.index;
    this.lastSnapshotBytes = last.bytes;
  }

  /** Entries are applied in order, one index after the other. */
  noteApplied(index: LogIndex, bytes: number): void {
    if (this.sizes.length === 0) this.firstIndex = index;
    assert(index === this.firstIndex + this.sizes.length, `snapshot policy: ${index} out of order`);
    this.sizes.push(bytes);
    this.appliedBytes += bytes;
  }

  /** A snapshot of `bytes` at `index` was installed or taken: count from there. */
  reset(index: LogIndex, bytes: number): void {
    this.lastSnapshotIndex = index;
    this.lastSnapshotBytes = bytes;
    this.sizes = [];
    this.appliedBytes = 0;
  }

  isSnapshotDue(applied: LogIndex): boolean {
    const { snapshotEntries, snapshotBytes } = this.limits;
    const entries = applied - this.lastSnapshotIndex;
    if (this.appliedBytes >= snapshotBytes) return true;
    if (entries >= snapshotEntries * SNAPSHOT_DEFERRAL_MAX) return true;
    return entries >= snapshotEntries && this.appliedBytes >= this.lastSnapshotBytes;
  }

  /** Compact through this index after a snapshot at `applied`, keeping the margin. */
  compactionPoint(applied: LogIndex): LogIndex {
    const { compactionMarginEntries, compactionMarginBytes } = this.limits;
    let through = Math.max(0, applied - compactionMarginEntries);
    let kept = 0;
    let bytes = 0;
    const last = Math.min(this.sizes.length - 1, applied - this.firstIndex);
    for (let k = last; k >= 0; k--) {
      const size = this.sizes[k] ?? 0;
      if (kept === compactionMarginEntries || bytes + size > compactionMarginBytes) {
        through = Math.max(through, this.firstIndex + k);
        break;
      }
      kept++;
      bytes += size;
    }
    return logIndex(through);
  }
}
