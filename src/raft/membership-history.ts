// The configuration a node uses is the latest one in its log, committed or not (thesis
// 4.1: "a server always uses the latest configuration in its log"). This tracks the
// ConfChange entries after the compaction point so the configuration follows appends,
// truncations, snapshots and compaction, and can be asked for as of any index.
// Pure: no I/O, no timers, no await.

import { assert, type LogIndex, logIndex } from "../lib/index.ts";
import { decodeConfChange } from "./conf-change-codec.ts";
import { applyConfChange, type Membership } from "./membership.ts";
import type { ConfChange, Entry } from "./types.ts";

interface RecordedChange {
  readonly index: LogIndex;
  readonly change: ConfChange;
  /** The configuration once this change (and every one before it) is applied. */
  readonly after: Membership;
}

/** Applies a change; an invalid one is skipped identically on every node. */
function fold(membership: Membership, change: ConfChange): Membership {
  const result = applyConfChange(membership, change);
  return result.ok ? result.membership : membership;
}

export class MembershipHistory {
  // Invariant: changes are sorted by index and all lie after baseIndex; each one's `after` is
  // base with every change up to it folded in, so at() never folds (status() asks often).
  private base: Membership;
  private baseIndex: LogIndex;
  private changes: RecordedChange[] = [];
  /** Increments whenever latest() may have changed. */
  version = 0;

  constructor(base: Membership, baseIndex: LogIndex, entries: readonly Entry[]) {
    this.base = base;
    this.baseIndex = baseIndex;
    this.append(entries);
  }

  /** Records appended entries; any change at or after entries[0].index was truncated. */
  append(entries: readonly Entry[]): void {
    const first = entries[0];
    if (first === undefined) return;
    let isChanged = false;
    // Sorted by index: only when the last change is at or after the first entry was any of
    // them truncated (most appends carry no change and truncate none: no copy for them).
    if ((this.changes.at(-1)?.index ?? 0) >= first.index) {
      this.changes = this.changes.filter((recorded) => recorded.index < first.index);
      isChanged = true;
    }
    for (const entry of entries) {
      if (entry.type !== "confChange") continue;
      const change = decodeConfChange(entry.data);
      if (change === undefined) continue;
      this.changes.push({ index: entry.index, change, after: fold(this.latest(), change) });
      isChanged = true;
    }
    if (isChanged) this.version++;
  }

  /** The log was replaced by a snapshot taken with `membership` at `index`. */
  reset(membership: Membership, index: LogIndex): void {
    this.base = membership;
    this.baseIndex = index;
    this.changes = [];
    this.version++;
  }

  /** Entries up to `index` were discarded; fold their changes into the base. */
  compact(index: LogIndex): void {
    if (index <= this.baseIndex) return;
    this.base = this.at(index);
    this.baseIndex = index;
    this.changes = this.changes.filter((recorded) => recorded.index > index);
  }

  latest(): Membership {
    // Not `at(-1)`: the profiles of many groups showed it as a native call, and an index
    // past either end takes a slow path.
    const count = this.changes.length;
    return count === 0 ? this.base : (this.changes[count - 1] as RecordedChange).after;
  }

  /** The configuration in effect once the log up to `index` is applied. */
  at(index: number): Membership {
    assert(index >= this.baseIndex, `membership: index ${index} was compacted`);
    // From the end: callers ask about indexes near the log's end.
    for (let k = this.changes.length - 1; k >= 0; k--) {
      const recorded = this.changes[k] as RecordedChange;
      if (recorded.index <= index) return recorded.after;
    }
    return this.base;
  }

  /** Index of the latest ConfChange entry still in the log (0 if none). */
  latestChangeIndex(): LogIndex {
    return this.changes.at(-1)?.index ?? logIndex(0);
  }
}
