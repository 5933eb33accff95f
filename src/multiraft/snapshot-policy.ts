// When a group takes a snapshot and how much log it keeps behind it. The log lives in memory
// until compacted, so both are bounded in entries and in bytes: ten thousand small commands
// and sixty-four large ones cost about the same.

import { type LogIndex, logIndex } from "../lib/index.ts";

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

export class SnapshotPolicy {
  /** Index and size of every entry applied since the last snapshot, oldest first. */
  private applied: { readonly index: LogIndex; readonly bytes: number }[] = [];
  private appliedBytes = 0;

  constructor(
    private readonly limits: SnapshotLimits,
    private lastSnapshotIndex: LogIndex,
  ) {}

  noteApplied(index: LogIndex, bytes: number): void {
    this.applied.push({ index, bytes });
    this.appliedBytes += bytes;
  }

  /** A snapshot at `index` was installed or taken: count from there. */
  reset(index: LogIndex): void {
    this.lastSnapshotIndex = index;
    this.applied = [];
    this.appliedBytes = 0;
  }

  isSnapshotDue(applied: LogIndex): boolean {
    return (
      applied - this.lastSnapshotIndex >= this.limits.snapshotEntries ||
      this.appliedBytes >= this.limits.snapshotBytes
    );
  }

  /** Compact through this index after a snapshot at `applied`, keeping the margin. */
  compactionPoint(applied: LogIndex): LogIndex {
    const { compactionMarginEntries, compactionMarginBytes } = this.limits;
    let through = Math.max(0, applied - compactionMarginEntries);
    let kept = 0;
    let bytes = 0;
    for (let k = this.applied.length - 1; k >= 0; k--) {
      const entry = this.applied[k];
      if (entry === undefined || entry.index > applied) continue;
      if (kept === compactionMarginEntries || bytes + entry.bytes > compactionMarginBytes) {
        through = Math.max(through, entry.index);
        break;
      }
      kept++;
      bytes += entry.bytes;
    }
    return logIndex(through);
  }
}
