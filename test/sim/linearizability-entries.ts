// The history as the WGL search walks it: call and return entries in time order, as doubly
// linked lists over typed arrays, so that linearizing an operation (lifting its entries out)
// and backtracking (putting them back) are O(1). Pure data structure; no search logic.
//
// Two lists: the main list holds the calls and returns of returned operations; the pending
// list holds the calls of pending operations, which have no return. Keeping them apart lets
// the search try pending operations last (see linearizability-search.ts).

import { assert } from "../../src/lib/index.ts";
import type { Operation } from "./linearizability-types.ts";

/** "No entry": a pending call's missing return entry. */
const NO_ENTRY = -1;

interface HistoryEvent {
  readonly time: number;
  readonly isCall: boolean;
  readonly operation: number;
}

export class EntryList {
  /** Sentinels: the main list runs mainHead..mainTail, the pending list after it. */
  readonly mainHead = 0;
  readonly mainTail: number;
  readonly pendingHead: number;
  readonly pendingTail: number;
  private readonly next: Int32Array;
  private readonly prev: Int32Array;
  private readonly operation: Int32Array;
  private readonly time: Float64Array;
  /** For a call entry, its return entry (or NO_ENTRY); for a return entry, its call entry. */
  private readonly partner: Int32Array;
  private readonly isCallEntry: Uint8Array;

  constructor(operations: readonly Operation<unknown, unknown>[]) {
    const main = sortedEvents(operations, (op) => op.outcome.type === "returned");
    const pending = sortedEvents(operations, (op) => op.outcome.type === "pending");
    this.mainTail = main.length + 1;
    this.pendingHead = this.mainTail + 1;
    this.pendingTail = this.pendingHead + pending.length + 1;
    const size = this.pendingTail + 1;
    this.next = new Int32Array(size);
    this.prev = new Int32Array(size);
    this.operation = new Int32Array(size).fill(NO_ENTRY);
    this.time = new Float64Array(size);
    this.partner = new Int32Array(size).fill(NO_ENTRY);
    this.isCallEntry = new Uint8Array(size);
    this.fill(main, this.mainHead, operations.length);
    this.fill(pending, this.pendingHead, operations.length);
  }

  nextOf(entry: number): number {
    return this.next[entry] as number;
  }

  operationOf(entry: number): number {
    return this.operation[entry] as number;
  }

  timeOf(entry: number): number {
    return this.time[entry] as number;
  }

  isCall(entry: number): boolean {
    return this.isCallEntry[entry] === 1;
  }

  isPending(entry: number): boolean {
    return entry > this.pendingHead;
  }

  /** Removes a call entry and its return entry (dancing links: `unlift` undoes, LIFO). */
  lift(callEntry: number): void {
    this.unlink(callEntry);
    const returnEntry = this.partner[callEntry] as number;
    if (returnEntry !== NO_ENTRY) this.unlink(returnEntry);
  }

  /** Puts back what the matching `lift` removed; lifts are undone in reverse order. */
  unlift(callEntry: number): void {
    const returnEntry = this.partner[callEntry] as number;
    if (returnEntry !== NO_ENTRY) this.relink(returnEntry);
    this.relink(callEntry);
  }

  /** Links `events` as the list after sentinel `head` (its tail sentinel follows them). */
  private fill(events: readonly HistoryEvent[], head: number, operationCount: number): void {
    const callEntryOf = new Int32Array(operationCount).fill(NO_ENTRY);
    events.forEach((event, position) => {
      const entry = head + 1 + position;
      this.operation[entry] = event.operation;
      this.time[entry] = event.time;
      if (event.isCall) {
        this.isCallEntry[entry] = 1;
        callEntryOf[event.operation] = entry;
        return;
      }
      const callEntry = callEntryOf[event.operation] as number;
      // Calls sort before returns at equal times, so every call entry precedes its return.
      assert(callEntry !== NO_ENTRY, `operation ${event.operation} returns before its call`);
      this.partner[entry] = callEntry;
      this.partner[callEntry] = entry;
    });
    const tail = head + events.length + 1;
    for (let entry = head; entry <= tail; entry++) {
      this.next[entry] = entry + 1;
      this.prev[entry] = entry - 1;
    }
  }

  private unlink(entry: number): void {
    const before = this.prev[entry] as number;
    const after = this.next[entry] as number;
    this.next[before] = after;
    this.prev[after] = before;
  }

  private relink(entry: number): void {
    this.next[this.prev[entry] as number] = entry;
    this.prev[this.next[entry] as number] = entry;
  }
}

/**
 * The calls and returns of the selected operations by time. At equal times calls come first,
 * so intervals that touch overlap.
 */
function sortedEvents(
  operations: readonly Operation<unknown, unknown>[],
  isSelected: (operation: Operation<unknown, unknown>) => boolean,
): HistoryEvent[] {
  const events: HistoryEvent[] = [];
  operations.forEach((operation, index) => {
    if (!isSelected(operation)) return;
    events.push({ time: operation.callTime, isCall: true, operation: index });
    if (operation.outcome.type === "returned") {
      events.push({ time: operation.outcome.returnTime, isCall: false, operation: index });
    }
  });
  return events.sort(
    (a, b) => a.time - b.time || Number(b.isCall) - Number(a.isCall) || a.operation - b.operation,
  );
}
