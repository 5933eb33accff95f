// Linearizable reads by ReadIndex (thesis 6.4). The leader records its commit index for each
// read, confirms it is still the leader with a heartbeat round carrying the read's context,
// and releases the read once a quorum answered. Acks for a later context confirm earlier
// ones too, because heartbeats are answered in order.
// Pure: no I/O, no timers, no await.

import type { LogIndex, NodeId } from "../lib/index.ts";

export interface PendingRead {
  readonly context: string;
  /** Who asked: the leader itself or a follower that forwarded the read. */
  readonly requester: NodeId;
  /** The commit index when the read arrived: it may be served once this is applied. */
  readonly index: LogIndex;
  readonly acks: Set<NodeId>;
}

export class ReadOnlyQueue {
  private readonly byContext = new Map<string, PendingRead>();
  private readonly queue: PendingRead[] = [];

  /** Queues a read; a context already queued is ignored (a retried request). */
  add(context: string, requester: NodeId, index: LogIndex, self: NodeId): void {
    if (this.byContext.has(context)) return;
    const read: PendingRead = { context, requester, index, acks: new Set([self]) };
    this.byContext.set(context, read);
    this.queue.push(read);
  }

  /** Records a heartbeat ack for `context`; returns who has acked it (undefined: unknown). */
  recordAck(from: NodeId, context: string): ReadonlySet<NodeId> | undefined {
    const read = this.byContext.get(context);
    if (read === undefined) return undefined;
    read.acks.add(from);
    return read.acks;
  }

  /** Removes and returns every read up to and including `context`. */
  releaseThrough(context: string): PendingRead[] {
    const position = this.queue.findIndex((read) => read.context === context);
    if (position < 0) return [];
    const released = this.queue.splice(0, position + 1);
    for (const read of released) this.byContext.delete(read.context);
    return released;
  }

  /** The newest pending context, sent with heartbeats; "" when none. */
  lastContext(): string {
    return this.queue.at(-1)?.context ?? "";
  }

  size(): number {
    return this.queue.length;
  }

  /** Forgets every pending read, as on a change of term: they must be retried. */
  clear(): PendingRead[] {
    const dropped = [...this.queue];
    this.queue.length = 0;
    this.byContext.clear();
    return dropped;
  }
}
