// A node restarting from its storage asks the nodes it knows what they know of it, while its
// storage check-in runs:
// - Left behind by a forced recovery (ManagementState.lostNodes)? Such a node must not take
//   part with its old log: two of them together could still form a majority of their old
//   configuration and serve a cluster of their own, and the cluster itself refuses their
//   messages. Any node of its cluster that says so stops it at once.
// - Removed while it was down (no longer listed)? No management leader sends to it any more,
//   so its check-in would go unanswered until it registered again a failure timeout later; it
//   registers again at once instead. A node wrongly said removed (an answer from a node whose
//   log lags) only gets its registration refused as a duplicate, which changes nothing. A node
//   stopped during its own leave (its storage says so) registers not: its leave is done
//   (LeftNodeError, raised in join-cluster.ts's registerAgain).
// Silence proves nothing (the whole cluster may be restarting): a node that no one answers
// goes on, and learns either later, when it registers again.
// Only a node this node's own management state lists is believed: a node cut off by the
// network sees its voters silent as if they were gone, and an operator may force a recovery
// there. Once the rest of the cluster removed it, its word that the rest was left behind
// must not stop them; they log it instead (warnOfDisowned says why that can be wrong too).
// Nor does it register again because they, whom its recovery left behind, no longer list it.

import { type Logger, type NodeId, RaftoralError } from "../lib/index.ts";
import type { ManagementState } from "../management/index.ts";
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

/** Whom to ask, and whose word counts, from the node's addresses and management state now. */
export function standingOf(options: {
  readonly peers: () => readonly string[];
  readonly state: () => ManagementState;
}) {
  const state = options.state();
  return {
    peers: options.peers(),
    clusterId: state.clusterId,
    isMember: (node: NodeId) => state.nodes.has(node),
  };
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
  /** Whether this node's management state lists `node`: only such a node's word counts. */
  readonly isMember: (node: NodeId) => boolean;
  readonly logger: Logger;
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
    if (!options.isMember(status.nodeId)) {
      // Nothing it says counts: not that this node was left behind, nor that it was removed
      // (a recovery forced on this node left that one behind, and it no longer lists this one).
      if (status.lostNodeIds.includes(self)) warnOfDisowned(options.logger, status.nodeId, peer);
      continue;
    }
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

/**
 * A node this node's cluster removed says this node was left behind. Two stories fit, and
 * nothing recorded tells them apart: that node forced a recovery after it was removed (cut off
 * by the network), or this node was rightly left behind and its cluster, run on without the
 * recovered node for a failure timeout, removed it since. Either way two copies serve.
 */
function warnOfDisowned(logger: Logger, node: NodeId, address: string): void {
  logger.warn(
    `Node ${node} (${address}) lists this node as left behind by a forced recovery, but this ` +
      `node's cluster removed node ${node}: ignored, and two copies of the cluster serve. ` +
      `Either node ${node} forced the recovery after this cluster removed it (it was cut off ` +
      "by the network): stop it, and start it again only with an empty --storage-path. Or the " +
      `recovery was right and this cluster removed node ${node} while it was down: stop this ` +
      "node and the others it left behind, and start them only as new nodes. Compare " +
      "'raftoral cluster status' on both sides",
    { node_id: node, address },
  );
}

/**
 * The storage of a node that left the cluster for good. The cluster went on without it: a
 * start from it would come back under an id the cluster removed, with groups it handed over.
 * Restarting cannot help (exit 78).
 */
export class LeftNodeError extends RaftoralError {
  constructor(id: NodeId) {
    super(
      "STALE_INCARNATION",
      `node ${id} left the cluster (raftoral node leave), and this storage directory ` +
        `(node_${id} under --storage-path) does not bring it back. To run a node here ` +
        "again, move the directory aside and start it with an empty --storage-path and " +
        "--peers naming running nodes: it joins as a new node.",
    );
    this.name = "LeftNodeError";
  }
}
