// How a node starts, decided before it listens: resume from its storage (the stored identity
// decides), bootstrap a new cluster, or join one through --peers (after finding out which
// protocol the peers speak). A joining node learns its id only once it registers.

import { type Clock, type Logger, type NodeId, nodeId, RaftoralError } from "../lib/index.ts";
import type { LogStorage } from "../storage/index.ts";
import type { DiscoveryInfo, FoundingState, TransportKind } from "../transport/index.ts";
import { settleFounder } from "./founding.ts";
import {
  type Discovered,
  discoverCluster,
  type JoinTiming,
  probeForCluster,
} from "./join-cluster.ts";
import type { KnownStorage } from "./node-environment.ts";
import { FIRST_NODE_ID } from "./node-storage.ts";
import type { PeerClients } from "./peer-clients.ts";
import { LeftNodeError } from "./restart-check.ts";

export type StartPlan =
  | {
      readonly mode: "resume";
      readonly id: NodeId;
      readonly kind: TransportKind;
      readonly storage: LogStorage;
      /** The cluster its identity names: set only on the node that founded it. */
      readonly clusterId: string;
    }
  | {
      readonly mode: "bootstrap";
      readonly id: NodeId;
      readonly kind: TransportKind;
      /** Opened when the id was known from --node-id or the storage path. */
      readonly storage: LogStorage | undefined;
    }
  | {
      readonly mode: "join";
      readonly kind: TransportKind;
      /** The id to ask for (from --node-id or the storage path); 0 lets the cluster choose. */
      readonly requestedId: NodeId;
      readonly storage: LogStorage | undefined;
      readonly peer: string;
      readonly discovery: DiscoveryInfo;
    };

export async function planStart(options: {
  readonly known: KnownStorage | undefined;
  /** host:port the other nodes will reach this start at (--advertise, else --listen). */
  readonly address: string;
  /** host:port this start listens on (--listen). */
  readonly listen: string;
  /** --node-id, which the storage path's own id (if any) has been checked against. */
  readonly requestedId: NodeId | undefined;
  readonly bootstrap: boolean;
  readonly peers: readonly string[];
  readonly transport: TransportKind;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly joinTimeoutMs: number;
  readonly joinTiming: JoinTiming;
  readonly clients: PeerClients;
}): Promise<StartPlan> {
  const { known, logger } = options;
  const resumed = known?.identity;
  if (resumed !== undefined && known !== undefined) {
    if (resumed.hasLeft === true) throw new LeftNodeError(resumed.nodeId);
    if (options.bootstrap) {
      logger.warn("--bootstrap is ignored: the storage holds node state; resuming it", {
        node_id: resumed.nodeId,
      });
    }
    checkSameAddress(resumed.nodeId, resumed.advertiseAddress, options.address);
    const { nodeId: id, transport: kind, clusterId } = resumed;
    return { mode: "resume", id, kind, storage: known.storage, clusterId };
  }
  if (options.bootstrap) {
    const found = await clusterAmongPeers(options);
    if (found === undefined) {
      return {
        mode: "bootstrap",
        id: known?.nodeId ?? options.requestedId ?? FIRST_NODE_ID,
        kind: options.transport,
        storage: known?.storage,
      };
    }
    // The first node's command line, back with an empty disk: a second cluster at its address
    // would split the cluster without a word, so it joins as a new node instead (the id it
    // had, 1 most likely, stays the lost node's).
    logger.warn("--bootstrap is ignored: a peer belongs to a cluster already; joining it", {
      peer: found.peer,
    });
    return joinPlan(options, found, known?.nodeId ?? nodeId(0));
  }
  if (
    options.peers.length === 0 &&
    options.requestedId === undefined &&
    known?.nodeId !== undefined
  ) {
    // The start removes the directory it found empty (RaftoralNode.unclaimed).
    throw new RaftoralError(
      "INVALID_ARGUMENT",
      `node_${known.nodeId} under --storage-path held no identity: a join that stopped before ` +
        "it saved one. The directory has been removed: start this node with --peers <ADDRESS> " +
        "to join as a new node",
    );
  }
  if (options.peers.length === 0) {
    throw new RaftoralError(
      "INVALID_ARGUMENT",
      "nothing to do: start the first node with --bootstrap, the others with --peers <ADDRESS>, " +
        "or give the --storage-path of an existing node to resume it (in a program: the " +
        "options bootstrap, peers and storagePath)",
    );
  }
  if (options.peers.every((peer) => peer === options.listen)) {
    // It would look for the cluster at itself for the whole join timeout. (Not compared with
    // --advertise: a wrong one may name another node, which the registration then refuses.)
    throw new RaftoralError(
      "INVALID_ARGUMENT",
      `--peers names only the address this node listens on (${options.listen}): give it the ` +
        "address of a node of the cluster that runs, or start the cluster's first node with " +
        "--bootstrap",
    );
  }
  const discovered = await discoverCluster({
    peers: options.peers,
    preferred: options.transport,
    clock: options.clock,
    logger,
    timeoutMs: options.joinTimeoutMs,
    timing: options.joinTiming,
    clients: options.clients,
  });
  return joinPlan(options, discovered, known?.nodeId ?? options.requestedId ?? nodeId(0));
}

export type PlanOptions = Parameters<typeof planStart>[0];

/**
 * With --bootstrap, --peers are the cluster's other nodes: the first that belongs to a cluster
 * already, or undefined when none does (not up, or still joining through this one, as at a
 * cluster's first start). A peer that takes a connection but does not answer may be in one:
 * it is asked again until it answers, and a start that cannot tell founds no cluster.
 */
async function clusterAmongPeers(options: PlanOptions): Promise<Discovered | undefined> {
  if (options.peers.length === 0) return undefined;
  const { peers, transport, joinTiming, clients, clock } = options;
  const deadline = clock.nowMs() + options.joinTimeoutMs;
  for (;;) {
    const probe = await probeForCluster({
      peers,
      preferred: transport,
      timing: joinTiming,
      clients,
    });
    if (probe.kind === "found") return probe.found;
    if (probe.kind === "none") return undefined;
    if (clock.nowMs() + joinTiming.retryDelayMs > deadline) {
      throw new RaftoralError(
        "UNAVAILABLE",
        `--bootstrap with --peers: ${probe.peers.join(", ")} took a connection but did not ` +
          "answer, so this node cannot tell whether they form a cluster already, and founds " +
          "none. Start it again once they answer (or without --peers to found a new cluster)",
      );
    }
    options.logger.warn("Peers do not answer yet; asking again before founding a cluster", {
      peers: probe.peers.join(","),
    });
    await new Promise<void>((resolve) => clock.setTimer(joinTiming.retryDelayMs, resolve));
  }
}

/**
 * A node started with --bootstrap and --peers that found none of them in a cluster settles
 * with them which one founds it (founding.ts); `say` sets what its Discover answers say
 * meanwhile. The bootstrap goes on, or turns into a join of the cluster a peer founds.
 */
export async function settleBootstrap(
  options: PlanOptions,
  plan: Extract<StartPlan, { mode: "bootstrap" }>,
  say: (state: FoundingState | undefined) => void,
): Promise<StartPlan> {
  const settled = await settleFounder({
    self: options.address,
    peers: options.peers,
    preferred: plan.kind,
    timing: options.joinTiming,
    clients: options.clients,
    clock: options.clock,
    logger: options.logger,
    timeoutMs: options.joinTimeoutMs,
    say,
  });
  return settled === "found" ? plan : await joinFoundedCluster(options, plan);
}

/** The join of such a node: it finds the cluster as any join does, in the protocol it speaks. */
async function joinFoundedCluster(
  options: PlanOptions,
  plan: Extract<StartPlan, { mode: "bootstrap" }>,
): Promise<StartPlan> {
  const discovered = await discoverCluster({
    peers: options.peers,
    preferred: plan.kind,
    clock: options.clock,
    logger: options.logger,
    timeoutMs: options.joinTimeoutMs,
    timing: options.joinTiming,
    clients: options.clients,
    onlyPreferred: true,
  });
  // The cluster's own word (a peer's other port may answer in the other protocol).
  const spoken = discovered.discovery.transport;
  if (spoken !== plan.kind) {
    throw new RaftoralError(
      "INVALID_ARGUMENT",
      `the cluster ${discovered.peer} belongs to speaks ${spoken}, and this node was started ` +
        `with --transport ${plan.kind}: start it again with --transport ${spoken}`,
    );
  }
  const requestedId = options.known?.nodeId ?? options.requestedId ?? nodeId(0);
  return joinPlan(options, { ...discovered, transport: plan.kind }, requestedId);
}

function joinPlan(options: PlanOptions, discovered: Discovered, requestedId: NodeId): StartPlan {
  return {
    mode: "join",
    kind: discovered.transport,
    requestedId,
    storage: options.known?.storage,
    peer: discovered.peer,
    discovery: discovered.discovery,
  };
}

/**
 * A member's address is the one the cluster recorded when it joined: the others send it
 * everything there, so a start at another address would never hear from them and wait for
 * good. There is no way to move a member; it leaves and joins anew.
 */
function checkSameAddress(id: NodeId, stored: string, address: string): void {
  if (stored === "" || stored === address) return;
  throw new RaftoralError(
    "INVALID_ARGUMENT",
    `node ${id}'s storage belongs to a member that the other nodes reach at ${stored}, but ` +
      `this start would be reached at ${address}: they would keep sending to ${stored}. Start ` +
      `it with --listen ${stored} (or --advertise ${stored} when it listens on another ` +
      "address, behind NAT or in a container). To move the node, run `raftoral node leave` " +
      "at its old address, then start it at the new one with an empty --storage-path and " +
      "--peers naming running nodes; a node that has left already needs only the empty " +
      "--storage-path.",
  );
}
