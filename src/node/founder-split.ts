// A founder that comes back alone. A node started with --bootstrap and --peers founds the
// cluster when none of its peers is up or settling (founding.ts); if it stops before any of
// them joined and they start meanwhile, they settle among themselves and found a second
// cluster. The founder, resumed from its storage, would lead a cluster of itself beside theirs,
// and both would say they are ready. So such a node, resumed into a cluster of itself only,
// asks its peers once, before its execution groups run: one that belongs to a cluster belongs
// to another, and the start is refused rather than splitting the nodes without a word.

import { RaftoralError } from "../lib/index.ts";
import type { TransportKind } from "../transport/index.ts";
import { type JoinTiming, probeForCluster } from "./join-cluster.ts";
import type { PeerClients } from "./peer-clients.ts";

/**
 * The peer whose cluster is not this node's, if no other node was ever admitted to this one.
 * `admittedEver` counts members and removed nodes: a cluster that shrank back to its founder
 * had others, and its old members may well belong elsewhere now.
 */
export function otherClusterPeer(options: {
  readonly self: string;
  readonly admittedEver: number;
  readonly inCluster: readonly { readonly peer: string; readonly address: string }[];
}): string | undefined {
  if (options.admittedEver !== 1) return undefined;
  return options.inCluster.find((answer) => answer.address !== options.self)?.peer;
}

export async function checkFounderNotSplit(options: {
  readonly self: string;
  readonly peers: readonly string[];
  readonly admittedEver: number;
  readonly preferred: TransportKind;
  readonly timing: JoinTiming;
  readonly clients: PeerClients;
}): Promise<void> {
  if (options.admittedEver !== 1 || options.peers.length === 0) return;
  const inCluster: { peer: string; address: string }[] = [];
  for (const peer of options.peers) {
    // One peer at a time: the probe stops at the first in a cluster, which may be this node.
    const probe = await probeForCluster({
      peers: [peer],
      preferred: options.preferred,
      timing: options.timing,
      clients: options.clients,
    });
    if (probe.kind === "found") {
      inCluster.push({ peer, address: probe.found.discovery.address });
    }
  }
  const other = otherClusterPeer({ ...options, inCluster });
  if (other === undefined) return;
  throw new RaftoralError(
    "FAILED_PRECONDITION",
    `this node founded a cluster that no other node joined, and its peer ${other} belongs to ` +
      "another cluster: the peers founded their own while this node was down. Resuming would " +
      "leave two clusters. Move this node's --storage-path directory aside (it holds only what " +
      "ran on this node alone) and start it again: it joins the peers' cluster",
  );
}
