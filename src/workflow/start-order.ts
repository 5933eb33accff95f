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

/** Past this many removed items at the front, and half the array, the array is compacted. */
const COMPACT_AFTER = 1024;

export class StartOrder<T extends StartKey> {
  /**
   * Invariant: items[head..] strictly ascending by compareStartKeys; items[..head) were
   * removed from the front. Retention removes the oldest execution after each new one, so
   * removing the first item must not move the other ten thousand.
   */
  private items: (T | undefined)[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  insert(item: T): void {
    const last = this.items.at(-1);
    if (this.size === 0 || (last !== undefined && compareStartKeys(last, item) < 0)) {
      this.items.push(item);
      return;
    }
    const at = this.lowerBound(item);
    const found = this.items[at];
    assert(found === undefined || compareStartKeys(found, item) !== 0, "start key indexed twice");
    this.items.splice(at, 0, item);
  }

  remove(key: StartKey): void {
    const first = this.items[this.head];
    if (first !== undefined && compareStartKeys(first, key) === 0) {
      this.items[this.head] = undefined;
      this.head++;
      if (this.head > COMPACT_AFTER && this.head * 2 > this.items.length) {
        this.items = this.items.slice(this.head);
        this.head = 0;
      }
      return;
    }
    const at = this.lowerBound(key);
    const found = this.items[at];
    assert(found !== undefined && compareStartKeys(found, key) === 0, "start key not indexed");
    this.items.splice(at, 1);
  }

  has(key: StartKey): boolean {
    const found = this.items[this.lowerBound(key)];
    return found !== undefined && compareStartKeys(found, key) === 0;
  }

  /**
   * Items newest first (descending), starting with the first one strictly older than
   * `before` (every item when absent). The caller must not change the order while iterating.
   */
  *newestFirst(before?: StartKey): Generator<T> {
    let at = before === undefined ? this.items.length - 1 : this.lowerBound(before) - 1;
    for (; at >= this.head; at--) yield this.items[at] as T;
  }

  /** O(n) check for tests and the simulator. */
  checkInvariants(): void {
    for (let at = 0; at < this.head; at++) {
      assert(this.items[at] === undefined, "start order keeps a removed item");
    }
    for (let at = this.head + 1; at < this.items.length; at++) {
      const previous = this.items[at - 1] as T;
      assert(compareStartKeys(previous, this.items[at] as T) < 0, "start order is not sorted");
    }
  }

  /** The first position (from head) whose item is not less than `key`. */
  private lowerBound(key: StartKey): number {
    let low = this.head;
    let high = this.items.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (compareStartKeys(this.items[middle] as T, key) < 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
