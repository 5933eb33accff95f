// How a new node finds its cluster: ask each peer for the cluster's shape (trying the other
// protocol when ours gets no sensible answer), then register with the management leader
// (or, failing that, through the peers), which allocates the node id through its log.

import type { ProtocolClient } from "../client/index-core.ts";
import { type Clock, type Logger, type NodeId, RaftoralError, toError } from "../lib/index.ts";
import { MANAGEMENT_RULES_VERSION } from "../management/index.ts";
import type {
  DiscoveryInfo,
  FoundingState,
  RegisterRequest,
  TransportKind,
} from "../transport/index.ts";
import type { PeerClients } from "./peer-clients.ts";
import { LeftNodeError, LostNodeError } from "./restart-check.ts";
import { checkIdMayReturn } from "./returning-id.ts";

/** How a join paces its calls (NodeTuning's peerCallTimeoutMs and joinRetryDelayMs). */
export interface JoinTiming {
  readonly callTimeoutMs: number;
  readonly retryDelayMs: number;
}

export interface JoinOutcome {
  readonly nodeId: NodeId;
  readonly transport: TransportKind;
  readonly discovery: DiscoveryInfo;
}

/** How often a join that no peer answers says so, until its timeout. */
const WAITING_WARN_INTERVAL_MS = 5_000;

/** Finds which protocol the peers speak: ours first, then the other. */
export async function discoverCluster(options: {
  peers: readonly string[];
  preferred: TransportKind;
  clock: Clock;
  logger: Logger;
  timeoutMs: number;
  timing: JoinTiming;
  clients: PeerClients;
  /** Only the preferred protocol (a node that listens in it already); else either. */
  onlyPreferred?: boolean;
}): Promise<{ transport: TransportKind; peer: string; discovery: DiscoveryInfo }> {
  const { retryDelayMs } = options.timing;
  const deadline = options.clock.nowMs() + options.timeoutMs;
  const kinds =
    options.onlyPreferred === true ? [options.preferred] : protocolsFrom(options.preferred);
  const failures: string[] = [];
  let warnedAtMs = Number.NEGATIVE_INFINITY;
  options.logger.info("Looking for the cluster", { peers: options.peers.join(",") });
  for (;;) {
    for (const peer of options.peers) {
      for (const kind of kinds) {
        const answer = await askPeer(options, kind, peer);
        if ("error" in answer) {
          failures.push(`${peer} (${kind}): ${toError(answer.error).message}`);
        } else if (isInCluster(answer.discovery)) {
          return joinedThrough(kind, peer, answer.discovery);
        } else {
          failures.push(`${peer}: not part of a cluster yet`);
        }
      }
    }
    const nowMs = options.clock.nowMs();
    if (nowMs + retryDelayMs > deadline) break;
    // Said at the first failed round and then now and again, so a join that waits is not
    // silent until it gives up.
    if (nowMs - warnedAtMs >= WAITING_WARN_INTERVAL_MS) {
      warnedAtMs = nowMs;
      options.logger.warn("No peer answered yet; retrying", {
        error: failures.slice(-options.peers.length * kinds.length).join("; "),
        gives_up_in_s: Math.ceil((deadline - nowMs) / 1_000),
      });
    }
    await new Promise<void>((resolve) => options.clock.setTimer(retryDelayMs, resolve));
  }
  throw new RaftoralError(
    "UNAVAILABLE",
    `Could not discover any peers (${options.peers.join(", ")}): ${failures.slice(-options.peers.length * kinds.length).join("; ")}. Check the addresses, that the peers run, and the network.`,
  );
}

/** One round of asking each peer whether it is in a cluster (see probeForCluster). */
export type ClusterProbe =
  | { readonly kind: "found"; readonly found: Discovered }
  /**
   * Every peer answered that it is in none, or could not be reached at all (not up). Those
   * settling who founds a cluster (--bootstrap with --peers) say so, with their address.
   */
  | { readonly kind: "none"; readonly candidates: readonly Candidate[] }
  /** These peers took a connection but did not answer in time: up, but who knows where. */
  | { readonly kind: "unanswered"; readonly peers: readonly string[] };

/** A peer that is settling with its own peers who founds a cluster (node/founding.ts). */
export interface Candidate {
  readonly address: string;
  readonly founding: FoundingState;
}

/** Where a peer that answered says the cluster is, and the protocol it speaks. */
export type Discovered = Awaited<ReturnType<typeof discoverCluster>>;

/**
 * Asks each peer once, in either protocol, whether it belongs to a cluster. A peer that
 * cannot be reached (not up) is in none; one that did not answer in time (paused, slow) may
 * be, so a caller deciding whether to found a cluster must not count it out.
 */
export async function probeForCluster(options: {
  peers: readonly string[];
  preferred: TransportKind;
  timing: JoinTiming;
  clients: PeerClients;
}): Promise<ClusterProbe> {
  const unanswered: string[] = [];
  const candidates: Candidate[] = [];
  for (const peer of options.peers) {
    let isTimedOut = false;
    let isAnswered = false;
    for (const kind of protocolsFrom(options.preferred)) {
      const answer = await askPeer(options, kind, peer);
      if (!("error" in answer)) {
        isAnswered = true;
        const { discovery } = answer;
        if (isInCluster(discovery)) {
          return { kind: "found", found: joinedThrough(kind, peer, discovery) };
        }
        if (discovery.founding !== undefined) {
          candidates.push({ address: discovery.address, founding: discovery.founding });
        }
      } else if (answer.error instanceof RaftoralError && answer.error.code === "TIMEOUT") {
        isTimedOut = true;
      } else {
        // Anything else: nothing listens there, or a node still starting (not in a cluster).
        isAnswered ||= answer.error instanceof RaftoralError && answer.error.isAnswer;
      }
      if (isAnswered) break;
    }
    if (isTimedOut && !isAnswered) unanswered.push(peer);
  }
  return unanswered.length === 0
    ? { kind: "none", candidates }
    : { kind: "unanswered", peers: unanswered };
}

/** The protocols to ask a peer in: ours first, then the other. */
function protocolsFrom(preferred: TransportKind): TransportKind[] {
  return [preferred, preferred === "grpc" ? "http" : "grpc"];
}

/**
 * What `peer` says over `kind` of the cluster it is in, or why it said nothing. A refusal of
 * our credentials (it would be refused on every retry) and a stop of this node are thrown.
 */
async function askPeer(
  options: { readonly timing: JoinTiming; readonly clients: PeerClients },
  kind: TransportKind,
  peer: string,
): Promise<{ readonly discovery: DiscoveryInfo } | { readonly error: unknown }> {
  try {
    const timeoutMs = options.timing.callTimeoutMs;
    return { discovery: await options.clients.call(kind, peer, (c) => c.discover({ timeoutMs })) };
  } catch (error) {
    if (isRefusal(error)) throw refusedBy(peer, error);
    if (isStopping(error)) throw error;
    // Handled: the caller weighs it (a peer not up, one still starting, one that is slow).
    return { error };
  }
}

/** Whether a peer's discovery answer says it belongs to a cluster. */
function isInCluster(discovery: DiscoveryInfo): boolean {
  return discovery.nodeId !== 0 || discovery.managementLeaderNodeId !== 0;
}

/**
 * Where the join goes once `peer` answered over `kind`. A gRPC node's --http-listen port
 * answers over HTTP for a cluster that speaks gRPC and serves no registration: the cluster's
 * own word decides the protocol, and the join goes through its management leader.
 */
function joinedThrough(
  kind: TransportKind,
  peer: string,
  discovery: DiscoveryInfo,
): { transport: TransportKind; peer: string; discovery: DiscoveryInfo } {
  const { transport, managementLeaderAddress } = discovery;
  if (transport !== kind && managementLeaderAddress !== "") {
    return { transport, peer: managementLeaderAddress, discovery };
  }
  return { transport: kind, peer, discovery };
}

/**
 * Registers this node; the id comes from the management log (idempotent per address and
 * instance). Any member proposes a registration to its leader, so when the leader that
 * discovery named dies mid-join (its registration may be committed already), the other peers
 * take it: the leader first, then the peer that answered, then every other peer. An id asked
 * for is first checked against the peer's cluster status (returning-id.ts).
 */
export async function registerNode(options: {
  transport: TransportKind;
  peer: string;
  /** Every address the node was told to join through (--peers). */
  peers: readonly string[];
  discovery: DiscoveryInfo;
  address: string;
  /** host:port this node listens on (--listen): never a peer to register through. */
  listen: string;
  requestedId: NodeId;
  workflowFingerprint: string;
  instanceId: string;
  /** See RegisterRequest.securityProfile; absent: not sent. */
  securityProfile: string | undefined;
  clock: Clock;
  timeoutMs: number;
  timing: JoinTiming;
  clients: PeerClients;
  /** Told each reason a peer did not take the registration, once: the join goes on. */
  logger: Logger;
}): Promise<NodeId> {
  const { callTimeoutMs, retryDelayMs } = options.timing;
  const told = new Set<string>();
  // Not the address it listens on: a node back with an empty disk where it ran is named by the
  // discovery (and maybe --peers) as the member it was, and would only tell itself it starts.
  // (Not --advertise: a wrong one may name a member, whose refusal says what is wrong.)
  const targets = [
    ...new Set([options.discovery.managementLeaderAddress, options.peer, ...options.peers]),
  ].filter((t) => t !== "" && t !== options.listen);
  const deadline = options.clock.nowMs() + options.timeoutMs;
  let lastError: Error | undefined;
  while (options.clock.nowMs() < deadline) {
    for (const target of targets) {
      const request = {
        nodeId: options.requestedId,
        address: options.address,
        workflowFingerprint: options.workflowFingerprint,
        instanceId: options.instanceId,
        rulesVersion: MANAGEMENT_RULES_VERSION,
        ...(options.securityProfile === undefined
          ? {}
          : { securityProfile: options.securityProfile }),
      };
      try {
        const result = await options.clients.call(options.transport, target, async (client) => {
          if (options.requestedId !== 0) {
            checkIdMayReturn(
              await client.clusterStatus({ timeoutMs: callTimeoutMs }),
              options.requestedId,
            );
          }
          return client.register(request, { timeoutMs: callTimeoutMs * 3 });
        });
        return result.nodeId;
      } catch (error) {
        lastError = toError(error);
        // A refusal from the cluster's state (a taken id, another workflow set) will not change.
        if (isFinal(lastError)) throw failedToAdd(lastError);
        if (isStopping(error)) throw error;
        if (isRefusal(error)) throw refusedBy(target, error);
        if (!told.has(lastError.message)) {
          told.add(lastError.message);
          options.logger.warn("A peer did not take this node's registration; trying again", {
            peer: target,
            error: lastError.message,
          });
        }
      }
    }
    await new Promise<void>((resolve) => options.clock.setTimer(retryDelayMs, resolve));
  }
  throw failedToAdd(lastError ?? new Error("no answer"));
}

/** This node is stopping (a signal during the join): no later attempt can be made. */
function isStopping(error: unknown): boolean {
  return error instanceof RaftoralError && error.code === "SHUTTING_DOWN";
}

function isFinal(error: Error): boolean {
  const { code } = error as RaftoralError;
  return code === "INVALID_ARGUMENT" || code === "ALREADY_EXISTS" || code === "FAILED_PRECONDITION";
}

/** The peer refused our credentials (a wrong cluster secret): retrying cannot help. */
function isRefusal(error: unknown): error is RaftoralError {
  return (
    error instanceof RaftoralError &&
    (error.code === "UNAUTHENTICATED" || error.code === "PERMISSION_DENIED")
  );
}

function refusedBy(peer: string, error: RaftoralError): RaftoralError {
  return new RaftoralError(error.code, `${peer} refused this node: ${error.message}`, {
    cause: error,
  });
}

function failedToAdd(cause: Error): RaftoralError {
  return new RaftoralError("UNAVAILABLE", `Failed to add node to cluster: ${cause.message}`, {
    cause,
  });
}

/**
 * Registers again through the first peer of `clusterId` that answers (a no-op for a node still
 * a member), and asks it for the highest node id handed out: a node that fell behind learns of
 * nodes that joined after its log ends. Resolves with that id, or undefined when no peer
 * answered. A peer of another cluster (an address that changed hands since this node saw it)
 * is skipped: registering there would put this node's id and storage into a stranger.
 */
export async function registerAgain(options: {
  peers: readonly string[];
  transport: TransportKind;
  clients: PeerClients;
  logger: Logger;
  request: RegisterRequest;
  /** The cluster this node belongs to; "" if it does not know (then any peer will do). */
  clusterId: string;
  callTimeoutMs: number;
  /**
   * The cluster will never take this storage back (a forced recovery left it behind): the
   * node stops, at start or while running. The promise also rejects with the error. So with
   * LeftNodeError for a node whose leave began (`isLeaving`) and that the cluster removed.
   */
  onLost: (error: LostNodeError | LeftNodeError) => void;
  /** This storage's leave began before the node stopped (NodeIdentity.isLeaving). */
  isLeaving?: boolean;
}): Promise<NodeId | undefined> {
  const { callTimeoutMs } = options;
  for (const peer of options.peers) {
    try {
      return await options.clients.call(options.transport, peer, async (client) => {
        const status = await client.clusterStatus({ timeoutMs: callTimeoutMs });
        const { clusterId, nodes } = status;
        if (options.clusterId !== "" && clusterId !== options.clusterId) {
          // Said where operators look: a peer list that now leads to another cluster.
          throw new RaftoralError(
            "FAILED_PRECONDITION",
            `${peer} belongs to cluster ${clusterId}, not this node's ${options.clusterId}`,
            { isAnswer: true },
          );
        }
        const { nodeId, address } = options.request;
        // Still listed: a registration would be refused if an earlier run of this node (same
        // storage) registered it, as if this process had lost that node's storage. Before, a
        // node cut off for a while warned every 30 s that it was "restarted without
        // --storage-path?". A node the cluster removed meanwhile is listed no longer; but a
        // peer that has no management leader may be one the cluster removed too, whose list
        // stopped there: only a peer that knows a leader is believed.
        const isListed = nodes.some((node) => node.nodeId === nodeId && node.address === address);
        if (isListed && status.managementLeaderNodeId !== 0) {
          options.logger.info("The cluster still lists this node; nothing to register", {
            node_id: nodeId,
            via: peer,
          });
        } else if (options.isLeaving === true) {
          // Its removal was committed before its leave ended: registering would undo it.
          throw new LeftNodeError(nodeId);
        } else {
          await registerThrough(client, peer, options);
        }
        const discovery = await client.discover({ timeoutMs: callTimeoutMs });
        return discovery.highestKnownNodeId;
      });
    } catch (error) {
      if (error instanceof LostNodeError || error instanceof LeftNodeError) {
        options.onLost(error);
        throw error;
      }
      // The cluster's answer (another workflow set, an address taken) is the operator's to
      // act on, and repeats at every attempt: it is logged where they look.
      const isRefusal = error instanceof RaftoralError && error.isAnswer;
      options.logger[isRefusal ? "warn" : "debug"]("Could not register again through a peer", {
        peer,
        error: toError(error).message,
      });
    }
  }
  return undefined;
}

/** Registers through `peer`; the cluster's answer that the id is lost for good is LostNodeError. */
async function registerThrough(
  client: ProtocolClient,
  peer: string,
  options: { logger: Logger; request: RegisterRequest; callTimeoutMs: number },
): Promise<void> {
  const result = await client
    .register(options.request, { timeoutMs: options.callTimeoutMs })
    .catch((error: unknown) => {
      // The cluster's answer that this id is lost for good (a forced recovery left it
      // behind): no other peer will say otherwise.
      const isLost =
        error instanceof RaftoralError && error.isAnswer && error.code === "FAILED_PRECONDITION";
      throw isLost ? new LostNodeError(options.request.nodeId, error.message) : error;
    });
  options.logger.info("Registered again", { node_id: result.nodeId, via: peer });
}
