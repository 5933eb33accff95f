// A node restarting from its storage asks the nodes it knows whether a forced recovery left
// it behind (ManagementState.lostNodes). Such a node must not take part with its old log: two
// of them together could still form a majority of their old configuration and serve a cluster
// of their own, and the cluster itself refuses their messages. Any node of its cluster that
// says so stops it at once; silence proves nothing (the whole cluster may be restarting), so
// a node that no one answers goes on, and is refused later when it registers again.

import { type NodeId, RaftoralError } from "../lib/index.ts";
import type { TransportKind } from "../transport/index.ts";
import type { PeerClients } from "./peer-clients.ts";

/**
 * The cluster will not take this node back: a forced recovery left it behind, and its storage
 * may hold entries and terms the cluster no longer has. Restarting it cannot help (exit 78).
 */
export class LostNodeError extends RaftoralError {
  readonly nodeId: NodeId;

  constructor(nodeId: NodeId, refusal: string) {
    super(
      "STALE_INCARNATION",
      `node ${nodeId}: the cluster refused to take this node back: ${refusal}. Do not start ` +
        `it again with this directory (node_${nodeId} under --storage-path).`,
    );
    this.name = "LostNodeError";
    this.nodeId = nodeId;
  }
}

/** How long the check waits for the nodes it asks: it must not hold up a restart for long. */
const LOST_CHECK_TIMEOUT_MS = 1_000;

/**
 * Resolves once every node asked answered or gave up; rejects with a LostNodeError when one
 * of this node's cluster lists it as left behind.
 */
export async function checkNotLost(options: {
  readonly self: NodeId;
  readonly clusterId: string;
  readonly peers: readonly string[];
  readonly transport: TransportKind;
  readonly clients: PeerClients;
}): Promise<void> {
  const { self, clusterId } = options;
  const answers = await Promise.allSettled(
    options.peers.map((peer) =>
      options.clients.call(options.transport, peer, async (client) => {
        const status = await client.clusterStatus({ timeoutMs: LOST_CHECK_TIMEOUT_MS });
        return { peer, status };
      }),
    ),
  );
  for (const answer of answers) {
    if (answer.status !== "fulfilled") continue;
    const { peer, status } = answer.value;
    if (status.clusterId !== clusterId || !status.lostNodeIds.includes(self)) continue;
    throw new LostNodeError(
      self,
      `${peer} (node ${status.nodeId}) lists node ${self} as left behind by a forced recovery ` +
        `(cluster recover --force): its storage may hold entries the cluster no longer has. ` +
        `Move its storage directory aside and start it with an empty --storage-path, without ` +
        `--node-id: it joins as a new node (docs/availability.md)`,
    );
  }
}
