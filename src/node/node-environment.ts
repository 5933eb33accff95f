// Everything a node takes from the world: time, randomness, the network (server, peer
// transport, clients of other nodes, all with the node's TLS and cluster secret) and
// storage. Production uses the real ones; the
// whole-cluster simulation injects a virtual clock, a seeded random source, the memory
// network and memory storage that survives a simulated restart.

import type { ProtocolClient, ProtocolClientOptions } from "../client/index-core.ts";
import {
  type Clock,
  type Logger,
  type NodeId,
  type Random,
  RealClock,
  seededRandom,
} from "../lib/index.ts";
import type { LogStorage, NodeIdentity } from "../storage/index.ts";
import { PeerClocks, securityProfile, type TransportKind } from "../transport/index.ts";
import {
  checkNodeSecurity,
  type NodeSecurity,
  peerCallCredentials,
  peerTlsOf,
} from "./node-security.ts";
import { openKnownStorage, openStorageFor } from "./node-storage.ts";
import { createNodeTransport, type NodeTransport, preloadTransportCode } from "./node-transport.ts";
import type { ClientFactory } from "./peer-clients.ts";

export interface KnownStorage {
  readonly storage: LogStorage;
  readonly identity: NodeIdentity | undefined;
  /** The node id the storage location implies, when it does. */
  readonly nodeId: NodeId | undefined;
}

export interface NodeEnvironment {
  readonly clock: Clock;
  readonly random: Random;
  /** Wall-clock epoch milliseconds: workflow start times and ctx.now(). */
  readonly wallClockMs: () => number;
  readonly newClusterId: () => string;
  /** The node's transport; `operator`: with the HTTP server for --http-listen. */
  readonly transport: (
    kind: TransportKind,
    logger: Logger,
    options: { readonly operator: boolean },
  ) => NodeTransport | Promise<NodeTransport>;
  readonly client: ClientFactory;
  /**
   * What this node's registration says of its security, and what it compares a joining
   * node's with (security-profile.ts). Absent in simulations, which have no security: a
   * registration is not checked.
   */
  readonly securityProfile?: string;
  /**
   * How far each peer's clock is from this node's, learned from its refusals of this node's
   * proofs of the cluster secret; the transport and the clients sign for it. Absent in
   * simulations, which have no secret.
   */
  readonly peerClocks?: PeerClocks;
  /** Storage whose location (and identity) is known before joining, if any. */
  readonly openKnownStorage: (options: {
    storagePath: string | undefined;
    requestedNodeId: NodeId | undefined;
    bootstrap: boolean;
  }) => Promise<KnownStorage | undefined>;
  /**
   * Starts loading the code of `kind`'s transport and protocol client, without waiting for it:
   * a start calls it while its storage's code loads, so that the two overlap.
   * Absent in simulations, which have no code to load.
   */
  readonly preloadTransport?: (
    kind: TransportKind,
    options: { readonly operator: boolean },
  ) => void;
  /** Storage for a node that just learned its id. */
  readonly storageFor: (storagePath: string | undefined, id: NodeId) => Promise<LogStorage>;
}

/** The real world; throws InvalidArgumentError for security settings that cannot work. */
export function realEnvironment(security: NodeSecurity = {}): NodeEnvironment {
  checkNodeSecurity(security);
  const clock = new RealClock();
  const tls = peerTlsOf(security);
  const peerClocks = new PeerClocks();
  const credentials = peerCallCredentials(security, peerClocks);
  const clientOptions = {
    ...(tls === undefined ? {} : { tls }),
    ...(credentials === undefined ? {} : { credentials }),
  };
  return {
    clock,
    random: seededRandom(Number.parseInt(crypto.randomUUID().slice(0, 8), 16)),
    wallClockMs: () => Date.now(),
    newClusterId: () => crypto.randomUUID(),
    transport: (kind, logger, options) =>
      createNodeTransport(kind, logger, clock, security, options.operator, peerClocks),
    peerClocks,
    securityProfile: securityProfile({
      isClientCertRequired: security.tls?.isClientCertRequired === true,
      hasClusterSecret: security.clusterSecret !== undefined,
      ...{ clientToken: security.clientToken, adminToken: security.adminToken },
    }),
    client: (kind, address) => protocolClient(kind, address, clientOptions),
    preloadTransport: (kind, options) => {
      preloadTransportCode(kind, options.operator);
      // Handled: protocolClient imports it again when it needs it, and a failure shows there.
      clientCode(kind).catch(() => undefined);
    },
    openKnownStorage,
    storageFor: openStorageFor,
  };
}

/**
 * A client of the node at `address` over `kind`. Each protocol's client code is loaded at its
 * first use, not with the node: a node speaks one protocol (it tries the other only while
 * discovering a cluster), and loading both cost every start 10-25 ms (docs/performance.md,
 * "Start-up").
 */
async function protocolClient(
  kind: TransportKind,
  address: string,
  options: ProtocolClientOptions,
): Promise<ProtocolClient> {
  if (kind === "grpc") {
    const { GrpcProtocolClient } = await import("../client/index-grpc.ts");
    return new GrpcProtocolClient(address, options);
  }
  const { HttpProtocolClient } = await import("../client/index-http.ts");
  return new HttpProtocolClient(address, options);
}

function clientCode(kind: TransportKind): Promise<unknown> {
  return kind === "grpc" ? import("../client/index-grpc.ts") : import("../client/index-http.ts");
}
