// The outcomes of the last entries a group applied, by log index, for a proposal that learns
// its index only after its entry was applied (HostedGroup.track). A group applies its entries
// one index after the other, so a ring keeps them without a map: inserting into and evicting
// from a map took 1.6% of a node's samples with 100 groups (docs/performance.md, "Costs per
// entry in the 100-group profile"). The ring grows to its capacity as entries are applied,
// so a group that applies little holds little.
// Pure: no I/O.

import { assert } from "../lib/index.ts";

export class RecentOutcomes<T> {
  private slots: T[] = [];
  /** The index held in slots[0] until the ring wraps: positions count from it. */
  private base = 0;
  /** The last index added; the ring holds (last - size, last]. */
  private last = 0;
  private size = 0;

  constructor(private readonly capacity: number) {
    assert(Number.isSafeInteger(capacity) && capacity >= 1, `capacity ${capacity} < 1`);
  }

  /** Records the outcome at `index`, the oldest one giving way once the ring is full. */
  add(index: number, outcome: T): void {
    // Entries come one index after the other; anything else (a snapshot in between) starts
    // the ring over, as the outcomes before the jump are not all known.
    if (this.size > 0 && index !== this.last + 1) this.clear();
    if (this.size === 0) this.base = index;
    const position = (index - this.base) % this.capacity;
    if (position === this.slots.length) this.slots.push(outcome);
    else this.slots[position] = outcome;
    this.last = index;
    this.size = Math.min(this.size + 1, this.capacity);
  }

  /** The outcome recorded at `index`, if it is still held. */
  get(index: number): T | undefined {
    if (this.size === 0 || index > this.last || index <= this.last - this.size) return undefined;
    return this.slots[(index - this.base) % this.capacity];
  }

  clear(): void {
    this.slots = [];
    this.size = 0;
  }
}
