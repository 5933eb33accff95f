// The executions of a group sorted by (startedAtMs, workflowId), for listing newest first
// without sorting every retained record on every call. startedAtMs is the proposer's clock,
// so starts need not arrive in order: an insert finds its place by binary search (most land
// at the end, which is a push). Kept up to date inside apply, alongside the execution table.
// Pure: no I/O.

import { assert } from "../lib/index.ts";

/** Where an execution sits in the list order; a page cursor is one too. */
export interface StartKey {
  readonly startedAtMs: number;
  readonly workflowId: string;
}

/** Ascending order of start keys: by start time, then by id (ids are unique in a group). */
export function compareStartKeys(a: StartKey, b: StartKey): number {
  if (a.startedAtMs !== b.startedAtMs) return a.startedAtMs - b.startedAtMs;
  if (a.workflowId === b.workflowId) return 0;
  return a.workflowId < b.workflowId ? -1 : 1;
}

/** Past this many removed items, and half the array, the array is compacted. */
const COMPACT_AFTER = 1024;

/** What a removed item leaves in its place: its key, so that binary search still works. */
interface Removed extends StartKey {
  readonly isRemoved: true;
}

const isRemoved = (item: StartKey): item is Removed =>
  (item as Partial<Removed>).isRemoved === true;

export class StartOrder<T extends StartKey> {
  /**
   * Invariant: items strictly ascending by compareStartKeys, each an item or what a removed
   * one left. Retention removes the oldest finished execution after each new one, which is
   * not the oldest started when workflows finish out of order: removing one must not move
   * the other ten thousand. The removed are dropped in one pass once they are half the array.
   */
  private items: (T | Removed)[] = [];
  private removed = 0;
  /** Every item before it was removed: the oldest goes without a search. */
  private head = 0;

  get size(): number {
    return this.items.length - this.removed;
  }

  insert(item: T): void {
    const last = this.items.at(-1);
    if (last === undefined || compareStartKeys(last, item) < 0) {
      this.items.push(item);
      return;
    }
    // From the start: a late one may belong among what was removed before the head.
    const at = this.lowerBound(item, 0);
    const found = this.items[at];
    if (found !== undefined && compareStartKeys(found, item) === 0) {
      assert(isRemoved(found), "start key indexed twice");
      this.items[at] = item;
      this.removed--;
    } else {
      this.items.splice(at, 0, item);
    }
    if (at < this.head) this.head = at;
  }

  remove(key: StartKey): void {
    const first = this.items[this.head];
    const isFirst = first !== undefined && compareStartKeys(first, key) === 0;
    const at = isFirst ? this.head : this.lowerBound(key);
    const found = this.items[at];
    assert(
      found !== undefined && !isRemoved(found) && compareStartKeys(found, key) === 0,
      "start key not indexed",
    );
    this.items[at] = { startedAtMs: key.startedAtMs, workflowId: key.workflowId, isRemoved: true };
    this.removed++;
    while (this.head < this.items.length && isRemoved(this.items[this.head] as StartKey)) {
      this.head++;
    }
    if (this.removed > COMPACT_AFTER && this.removed * 2 > this.items.length) {
      this.items = this.items.filter((item) => !isRemoved(item));
      this.removed = 0;
      this.head = 0;
    }
  }

  has(key: StartKey): boolean {
    const found = this.items[this.lowerBound(key)];
    return found !== undefined && !isRemoved(found) && compareStartKeys(found, key) === 0;
  }

  /**
   * Items newest first (descending), starting with the first one strictly older than
   * `before` (every item when absent). The caller must not change the order while iterating.
   */
  *newestFirst(before?: StartKey): Generator<T> {
    let at = before === undefined ? this.items.length - 1 : this.lowerBound(before) - 1;
    for (; at >= this.head; at--) {
      const item = this.items[at] as T | Removed;
      if (!isRemoved(item)) yield item;
    }
  }

  /** O(n) check for tests and the simulator. */
  checkInvariants(): void {
    assert(
      this.items.slice(0, this.head).every(isRemoved) &&
        (this.head === this.items.length || !isRemoved(this.items[this.head] as StartKey)),
      "start order's head is not its first item",
    );
    assert(
      this.items.filter(isRemoved).length === this.removed,
      "start order miscounts its removed items",
    );
    for (let at = 1; at < this.items.length; at++) {
      const previous = this.items[at - 1] as T | Removed;
      assert(
        compareStartKeys(previous, this.items[at] as T | Removed) < 0,
        "start order is not sorted",
      );
    }
  }

  /** The first position from `from` whose key is not less than `key`. */
  private lowerBound(key: StartKey, from = this.head): number {
    let low = from;
    let high = this.items.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (compareStartKeys(this.items[middle] as StartKey, key) < 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
