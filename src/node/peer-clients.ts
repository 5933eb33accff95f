// How the node calls another node over the client protocol (joining, registering again,
// asking the leader for the cluster's status, forwarding a workflow call, probing health):
// through one client per protocol and address, kept between calls and closed when the node
// stops. A client made for every call cost a gRPC connection per forwarded call, and with TLS
// a handshake (docs/performance.md, "A client per peer"). A client whose call failed with
// UNAVAILABLE or TIMEOUT (or could not be made) is not used again: the next call makes a new
// one, which connects at once instead of waiting out the old one's reconnect backoff or
// trying a silent connection again, as a client per call did. Whether
// another node is worth trying after a failure is the caller's rule (isWorthAnotherNode).

import type { ProtocolClient } from "../client/index-core.ts";
import { type Logger, RaftoralError } from "../lib/index.ts";
import { learnedClockMessage, type PeerClocks, type TransportKind } from "../transport/index.ts";

/**
 * Makes a client of one node over one protocol (injected, so simulations can use memory). The
 * real one loads the protocol's client code at its first use, hence the promise.
 */
export type ClientFactory = (
  kind: TransportKind,
  address: string,
) => ProtocolClient | Promise<ProtocolClient>;

/** Clients kept at most; past it the least recently used idle one is closed. */
export const PEER_CLIENTS_MAX = 64;

interface Entry {
  readonly client: Promise<ProtocolClient>;
  inFlight: number;
  /** Out of the table: closed once its last call is over. */
  isRetired: boolean;
}

export class PeerClients {
  private readonly make: ClientFactory;
  private readonly clientsMax: number;
  /** In use order: the first entry is the least recently used. */
  private readonly entries = new Map<string, Entry>();
  private isClosed = false;

  constructor(
    make: ClientFactory,
    clientsMax = PEER_CLIENTS_MAX,
    /** The clocks our proofs of the cluster secret carry per peer, when there is a secret. */
    private readonly clocks?: { readonly peerClocks: PeerClocks; readonly logger: Logger },
  ) {
    this.make = make;
    this.clientsMax = clientsMax;
  }

  /**
   * Runs `call` with the client of the node at `address` over `kind`. A peer that refused our
   * proof of the cluster secret for its time (its clock is further from ours than the proof's
   * window) ran nothing: as the Raft streams do, our proofs for it carry its time from then on,
   * and the call is made once more. A node whose clock is off could not join otherwise.
   */
  async call<T>(
    kind: TransportKind,
    address: string,
    call: (client: ProtocolClient) => Promise<T>,
  ): Promise<T> {
    try {
      return await this.callOnce(kind, address, call);
    } catch (error) {
      const isRefusal = error instanceof RaftoralError && error.code === "UNAUTHENTICATED";
      const offsetMs = isRefusal
        ? this.clocks?.peerClocks.learnFrom(address, error.message)
        : undefined;
      if (offsetMs === undefined) throw error;
      this.clocks?.logger.warn(learnedClockMessage(address, offsetMs), { offset_ms: offsetMs });
      return await this.callOnce(kind, address, call);
    }
  }

  private async callOnce<T>(
    kind: TransportKind,
    address: string,
    call: (client: ProtocolClient) => Promise<T>,
  ): Promise<T> {
    if (this.isClosed) {
      throw new RaftoralError("SHUTTING_DOWN", `the node is stopping: no call to ${address}`);
    }
    const key = `${kind} ${address}`;
    const entry = this.entryFor(key, kind, address);
    entry.inFlight++;
    try {
      return await call(await entry.client);
    } catch (error) {
      if (mayBeBroken(error)) this.retire(key, entry);
      throw error;
    } finally {
      entry.inFlight--;
      if (entry.isRetired && entry.inFlight === 0) void closeClient(entry);
    }
  }

  /** Closes every client; calls in flight fail, and later ones are refused. */
  async close(): Promise<void> {
    this.isClosed = true;
    const entries = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(entries.map(closeClient));
  }

  /** Clients open now (for tests). */
  get size(): number {
    return this.entries.size;
  }

  private entryFor(key: string, kind: TransportKind, address: string): Entry {
    const known = this.entries.get(key);
    if (known !== undefined) {
      // Re-insert: Map order then tracks use, oldest first.
      this.entries.delete(key);
      this.entries.set(key, known);
      return known;
    }
    if (this.entries.size >= this.clientsMax) this.retireIdle();
    const entry: Entry = {
      client: (async () => this.make(kind, address))(),
      inFlight: 0,
      isRetired: false,
    };
    this.entries.set(key, entry);
    return entry;
  }

  private retire(key: string, entry: Entry): void {
    if (this.entries.get(key) === entry) this.entries.delete(key);
    entry.isRetired = true;
  }

  /** Retires the least recently used client with no call in flight, if there is one. */
  private retireIdle(): void {
    for (const [key, entry] of this.entries) {
      if (entry.inFlight > 0) continue;
      this.retire(key, entry);
      void closeClient(entry);
      return;
    }
  }
}

/**
 * Whether the client may be the cause: its connection failed (UNAVAILABLE) or went silent (a
 * deadline passed: a connection a firewall dropped stays open and silent, where a new one
 * would work), or it could not be made, or anything we did not expect. An answer (NOT_FOUND,
 * INVALID_ARGUMENT...) leaves it in use.
 */
function mayBeBroken(error: unknown): boolean {
  return !(error instanceof RaftoralError) || ["UNAVAILABLE", "TIMEOUT"].includes(error.code);
}

/** Closes the entry's client; one that could not be made has nothing to close. */
async function closeClient(entry: Entry): Promise<void> {
  let client: ProtocolClient;
  try {
    client = await entry.client;
  } catch {
    // Handled: the call that needed it got the same error.
    return;
  }
  await client.close();
}
