// The host's queue of events, bounded for what peers send: a flood of batches (or a few huge
// ones) is refused at the door with RESOURCE_EXHAUSTED, so the sender backs off and Raft
// resends later, instead of growing memory without bound or being told "accepted" for
// messages that were thrown away. Events of this node's own callers are never refused here:
// their number is bounded elsewhere (pendingProposalsMax) and each one has a waiter.

import { RaftoralError } from "../lib/index.ts";
import { batchBytes, type PeerBatch } from "../transport/index.ts";
import type { HostEvent } from "./host-events.ts";

/** Queued batches' messages past which more are refused until the loop catches up. */
export const INBOX_MESSAGES_MAX = 100_000;
/** Queued batches' payload bytes (entries, snapshot chunks, forwards) likewise. */
export const INBOX_BYTES_MAX = 256 * 1024 * 1024;
/**
 * Peers' batch bytes one turn takes, as much as one full batch from a peer (the first batch
 * whatever its size); the rest waits for the next turns. A node catching up in 100 groups was
 * sent 36,000 entries that arrived together, and wrote and applied them in one turn of 160 ms
 * while every group on it waited.
 */
export const TURN_BATCH_BYTES_MAX = 4 * 1024 * 1024;

export class HostInbox {
  private events: HostEvent[] = [];
  private queuedMessages = 0;
  private queuedBytes = 0;

  constructor(
    private readonly limits = { messagesMax: INBOX_MESSAGES_MAX, bytesMax: INBOX_BYTES_MAX },
  ) {}

  get length(): number {
    return this.events.length;
  }

  push(event: HostEvent): void {
    this.events.push(event);
  }

  /** Queues a peer's batch, or throws RESOURCE_EXHAUSTED (the transport answers 429/8). */
  pushBatch(batch: PeerBatch): void {
    const bytes = batchBytes(batch);
    const messages = batch.messages.length;
    if (this.refuses(batch)) {
      throw new RaftoralError(
        "RESOURCE_EXHAUSTED",
        `node ${batch.to} is behind on messages from its peers (${this.queuedMessages} queued, ` +
          `${this.queuedBytes} bytes); node ${batch.from} should retry later`,
      );
    }
    this.queuedMessages += messages;
    this.queuedBytes += bytes;
    this.events.push({ type: "batch", batch, bytes });
  }

  /** Whether pushBatch would refuse `batch` now. */
  refuses(batch: PeerBatch): boolean {
    const isFull =
      this.queuedMessages + batch.messages.length > this.limits.messagesMax ||
      this.queuedBytes + batchBytes(batch) > this.limits.bytesMax;
    // One batch alone may exceed the byte budget (a large snapshot chunk): an empty queue
    // takes it, so that no batch is refused forever.
    return isFull && this.queuedMessages > 0;
  }

  /** Takes up to `max` events, oldest first, and peers' batches up to `batchBytesMax`. */
  take(max: number, batchBytesMax = TURN_BATCH_BYTES_MAX): HostEvent[] {
    let count = 0;
    let bytes = 0;
    for (const event of this.events) {
      if (count === max) break;
      if (event.type === "batch") {
        if (bytes > 0 && bytes + event.bytes > batchBytesMax) break;
        bytes += event.bytes;
      }
      count++;
    }
    return this.release(this.events.splice(0, count));
  }

  takeAll(): HostEvent[] {
    return this.release(this.events.splice(0));
  }

  private release(events: HostEvent[]): HostEvent[] {
    for (const event of events) {
      if (event.type !== "batch") continue;
      this.queuedMessages -= event.batch.messages.length;
      this.queuedBytes -= event.bytes;
    }
    return events;
  }
}
