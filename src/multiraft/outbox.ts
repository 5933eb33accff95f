// Messages produced during one turn, grouped per peer so each peer gets one batch.

import type { GroupId, NodeId } from "../lib/index.ts";
import { leavesBeforePersist, type Ready } from "../raft/index.ts";
import type { PeerMessage } from "../transport/index.ts";
import type { PeerSink } from "./host-options.ts";

export class Outbox {
  private byPeer = new Map<NodeId, PeerMessage[]>();

  add(peer: NodeId, message: PeerMessage): void {
    let queue = this.byPeer.get(peer);
    if (queue === undefined) {
      queue = [];
      this.byPeer.set(peer, queue);
    }
    queue.push(message);
  }

  /** Hands every peer its messages, in the order they were produced. */
  flush(sink: PeerSink): void {
    const byPeer = this.byPeer;
    this.byPeer = new Map();
    for (const [peer, messages] of byPeer) sink.send(peer, messages);
  }
}

/**
 * Sorts a group's Ready messages: those that may leave before the turn's write (a leader's
 * appends at a term already on disk, leavesBeforePersist) go to `early`, the rest wait in
 * `late` until the write is durable.
 */
export function sortMessages(
  groupId: GroupId,
  ready: Ready,
  outboxes: { readonly early: Outbox; readonly late: Outbox },
): void {
  for (const message of ready.messages) {
    const peerMessage = { type: "raft", groupId, message } as const;
    if (leavesBeforePersist(ready, message)) outboxes.early.add(message.to, peerMessage);
    else outboxes.late.add(message.to, peerMessage);
  }
}
