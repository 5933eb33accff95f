// A node restarting from its storage asks the nodes it knows what they know of it, while its
// storage check-in runs:
// - Left behind by a forced recovery (ManagementState.lostNodes)? Such a node must not take
//   part with its old log: two of them together could still form a majority of their old
//   configuration and serve a cluster of their own, and the cluster itself refuses their
//   messages. Any node of its cluster that says so stops it at once.
// - Removed while it was down (no longer listed)? No management leader sends to it any more,
//   so its check-in would go unanswered until it registered again a failure timeout later; it
//   registers again at once instead. A node wrongly said removed (an answer from a node whose
//   log lags) only gets its registration refused as a duplicate, which changes nothing.
// Silence proves nothing (the whole cluster may be restarting): a node that no one answers
// goes on, and learns either later, when it registers again.

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
        `it again with this directory (node_${nodeId} under --storage-path); a node started ` +
        "without --storage-path kept nothing, and started again it joins as a new node.",
    );
    this.name = "LostNodeError";
    this.nodeId = nodeId;
  }
}

/** How long the check waits for the nodes it asks: it must not hold up a restart for long. */
const RESTART_CHECK_TIMEOUT_MS = 1_000;

/** What the nodes asked said of this one. */
export interface RestartStanding {
  /** A node of this cluster answered without listing this node: it was removed meanwhile. */
  readonly isUnlisted: boolean;
}

/**
 * Resolves once every node asked answered or gave up; rejects with a LostNodeError when one
 * of this node's cluster lists it as left behind.
 */
export async function checkRestartStanding(options: {
  readonly self: NodeId;
  readonly clusterId: string;
  readonly peers: readonly string[];
  readonly transport: TransportKind;
  readonly clients: PeerClients;
}): Promise<RestartStanding> {
  const { self, clusterId } = options;
  const answers = await Promise.allSettled(
    options.peers.map((peer) =>
      options.clients.call(options.transport, peer, async (client) => {
        const status = await client.clusterStatus({ timeoutMs: RESTART_CHECK_TIMEOUT_MS });
        return { peer, status };
      }),
    ),
  );
  let isUnlisted = false;
  for (const answer of answers) {
    if (answer.status !== "fulfilled") continue;
    const { peer, status } = answer.value;
    if (status.clusterId !== clusterId) continue;
    if (status.lostNodeIds.includes(self)) {
      throw new LostNodeError(
        self,
        `${peer} (node ${status.nodeId}) lists node ${self} as left behind by a forced recovery ` +
          `(cluster recover --force): its storage may hold entries the cluster no longer has. ` +
          `Move its storage directory aside and start it with an empty --storage-path, without ` +
          `--node-id: it joins as a new node (docs/availability.md)`,
      );
    }
    if (!status.nodes.some((node) => node.nodeId === self)) isUnlisted = true;
  }
  return { isUnlisted };
}
