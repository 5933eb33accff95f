// Flow control for one follower: the AppendEntries messages sent and not yet acknowledged.
// Bounded by count and by bytes; when full, the leader stops sending to that follower.

import { assert, type LogIndex } from "../lib/index.ts";

interface InFlight {
  readonly lastIndex: LogIndex;
  readonly bytes: number;
}

export class Inflights {
  // Invariant: lastIndex strictly increases from the head to the tail.
  private readonly queue: InFlight[] = [];
  private totalBytes = 0;

  constructor(
    private readonly countMax: number,
    private readonly bytesMax: number,
  ) {
    assert(countMax > 0, "inflight count limit must be positive");
    assert(bytesMax > 0, "inflight byte limit must be positive");
  }

  /** Records a message whose last entry is `lastIndex`. */
  add(lastIndex: LogIndex, bytes: number): void {
    assert(!this.isFull(), "inflights: add while full");
    const tail = this.queue.at(-1);
    assert(tail === undefined || tail.lastIndex < lastIndex, "inflights: indexes must increase");
    this.queue.push({ lastIndex, bytes });
    this.totalBytes += bytes;
  }

  /** Frees every message acknowledged by an ack up to `index`. */
  freeLE(index: LogIndex): void {
    let count = 0;
    for (const item of this.queue) {
      if (item.lastIndex > index) break;
      this.totalBytes -= item.bytes;
      count++;
    }
    this.queue.splice(0, count);
  }

  isFull(): boolean {
    return this.queue.length >= this.countMax || this.totalBytes >= this.bytesMax;
  }

  count(): number {
    return this.queue.length;
  }

  reset(): void {
    this.queue.length = 0;
    this.totalBytes = 0;
  }
}
