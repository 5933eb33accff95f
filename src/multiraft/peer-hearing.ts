// When this node last heard from each peer, about a group it hosts, in two senses. Any accepted
// message shows the peer runs and reaches this node: what the leaderless report calls
// reachable. Failure detection and owner failover ask more, that the peer also hears its peers:
// a node whose incoming traffic is lost still sends vote requests, and counted alive by those
// it was never counted silent (BatchRouter's SENT_WHEN_DEAF).

import type { NodeId } from "../lib/index.ts";

export interface HeardFrom {
  /** When `peer` last sent an accepted message (clock ms), if ever. */
  lastHeardMs(peer: NodeId): number | undefined;
  /** When `peer` last sent one that shows it hears its peers too (clock ms), if ever. */
  lastTakingPartMs(peer: NodeId): number | undefined;
}

export class PeerHearing implements HeardFrom {
  private readonly heardMs = new Map<NodeId, number>();
  private readonly takingPartMs = new Map<NodeId, number>();

  /** `peer` sent an accepted batch at `nowMs`; `hearsUs` if it showed it hears its peers. */
  heard(peer: NodeId, nowMs: number, hearsUs: boolean): void {
    this.heardMs.set(peer, nowMs);
    if (hearsUs) this.takingPartMs.set(peer, nowMs);
  }

  lastHeardMs(peer: NodeId): number | undefined {
    return this.heardMs.get(peer);
  }

  lastTakingPartMs(peer: NodeId): number | undefined {
    return this.takingPartMs.get(peer);
  }
}
