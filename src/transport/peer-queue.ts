// The messages waiting for one peer, bounded in count and in bytes, taken in batches of
// bounded size. Under overload, forwarded proposals and appends for a paused peer once piled
// up to hundreds of megabytes, and the whole queue left as one batch that took seconds to
// encode and that no peer would take; past either bound the oldest messages go, as Raft
// tolerates, and a batch takes at most BATCH_BYTES_MAX.

import { type PeerMessage, peerMessageBytes } from "./wire.ts";

/** Bytes (peerMessageBytes) a queue holds at most. */
export const QUEUE_BYTES_MAX = 64 * 1024 * 1024;
/** Bytes a batch takes from the queue at most (a larger message goes alone). */
export const BATCH_BYTES_MAX = 4 * 1024 * 1024;

export class PeerQueue {
  private messages: PeerMessage[] = [];
  /** peerMessageBytes of the messages. */
  private bytes = 0;

  constructor(private readonly messagesMax: number) {}

  get length(): number {
    return this.messages.length;
  }

  /** Appends `messages`; returns how many of the oldest were dropped to stay in bounds. */
  push(messages: readonly PeerMessage[]): number {
    for (const message of messages) {
      this.messages.push(message);
      this.bytes += peerMessageBytes(message);
    }
    const queue = this.messages;
    let excess = Math.max(0, queue.length - this.messagesMax);
    let bytes = this.bytes;
    for (let k = 0; k < excess; k++) bytes -= peerMessageBytes(queue[k] as PeerMessage);
    while (bytes > QUEUE_BYTES_MAX && excess < queue.length - 1) {
      bytes -= peerMessageBytes(queue[excess] as PeerMessage);
      excess++;
    }
    if (excess > 0) queue.splice(0, excess);
    this.bytes = bytes;
    return excess;
  }

  /** Takes the oldest messages, up to BATCH_BYTES_MAX, and their bytes. */
  takeBatch(): { readonly messages: PeerMessage[]; readonly bytes: number } {
    const queue = this.messages;
    // Usually the whole queue fits: its bytes are known, and no message is measured again.
    let count = queue.length;
    let bytes = this.bytes;
    if (bytes > BATCH_BYTES_MAX) [count, bytes] = batchPrefix(queue);
    const messages = count === queue.length ? queue : queue.slice(0, count);
    this.messages = count === queue.length ? [] : queue.slice(count);
    this.bytes -= bytes;
    return { messages, bytes };
  }
}

/** How many of `queue`'s first messages make a batch of at most BATCH_BYTES_MAX, and their bytes. */
function batchPrefix(queue: readonly PeerMessage[]): [count: number, bytes: number] {
  let count = 0;
  let bytes = 0;
  for (const message of queue) {
    const size = peerMessageBytes(message);
    if (count > 0 && bytes + size > BATCH_BYTES_MAX) break;
    bytes += size;
    count++;
  }
  return [count, bytes];
}
