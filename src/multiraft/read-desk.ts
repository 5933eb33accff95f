// Linearizable reads (thesis 6.4) on behalf of callers: each read becomes a ReadIndex
// request; once the leader confirmed the index and this node applied it, the caller is
// answered. A read lost with a leader change is asked again; a read past its deadline fails.

import type { Clock, NodeId } from "../lib/index.ts";
import { ProposalError } from "./errors.ts";
import type { HostedGroup } from "./hosted-group.ts";
import type { PendingRead } from "./pending.ts";

export class ReadDesk {
  private counter = 0;

  constructor(
    private readonly self: NodeId,
    private readonly clock: Clock,
    /** How long a sent ReadIndex may stay unanswered before it is asked again. */
    private readonly retryAfterMs: number,
  ) {}

  /** Sends the group's queued reads as ReadIndex requests, where a leader is known. */
  send(group: HostedGroup): void {
    if (group.readsToSend.length === 0) return;
    const still: PendingRead[] = [];
    for (const read of group.readsToSend) {
      const context = `${this.self}:${this.counter++}`;
      if (group.raw.readIndex(context).accepted) {
        read.context = context;
        read.index = undefined;
        read.retryAtMs = this.clock.nowMs() + this.retryAfterMs;
        group.reads.set(context, read);
      } else {
        still.push(read);
      }
    }
    group.readsToSend = still;
  }

  /** Fails reads past their deadline and re-queues the ones that went unanswered. */
  expire(group: HostedGroup, nowMs: number): void {
    if (group.reads.size === 0 && group.readsToSend.length === 0) return;
    for (const [context, read] of group.reads) {
      if (read.deadlineMs <= nowMs) {
        group.reads.delete(context);
        read.reject(new ProposalError("TIMEOUT", group.id, "the read did not complete in time"));
      } else if (read.index === undefined && read.retryAtMs <= nowMs) {
        group.reads.delete(context);
        group.readsToSend.push(read);
      }
    }
    group.readsToSend = group.readsToSend.filter((read) => {
      if (read.deadlineMs > nowMs) return true;
      read.reject(new ProposalError("NO_LEADER", group.id, "no leader answered the read in time"));
      return false;
    });
  }
}
