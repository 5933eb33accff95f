// Messages produced during one turn, grouped per peer so each peer gets one batch.

import type { NodeId } from "../lib/index.ts";
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
