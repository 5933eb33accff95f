// The narrow interfaces between the node and a transport (memory, HTTP or gRPC). A transport
// has two halves: a server that exposes a NodeApi to peers and clients, and a PeerTransport
// that delivers batches to other nodes, one request per batch or, where the transport has
// them, over a long-lived stream per peer. Per-peer queueing, batching and the choice between
// the two live in peer-senders.ts, above this interface, so every transport behaves the same.

import type { RaftoralError } from "../lib/index.ts";
import type { NodeApi } from "./node-api.ts";
import type { PeerBatch } from "./wire.ts";

export type TransportKind = "grpc" | "http";

/** Delivers batches to other nodes. */
export interface PeerTransport {
  /**
   * Delivers one batch to the node listening at `address` ("host:port"). Resolves once the
   * receiver accepted it; rejects on any failure (unreachable, refused, timed out). Never
   * retries by itself: the caller decides.
   */
  deliver(address: string, batch: PeerBatch, timeoutMs: number): Promise<void>;
  /**
   * Opens an ordered stream of batches to the node at `address`, if this transport has
   * streams: batches written to it leave at once, without waiting for an answer to the one
   * before. Reports through `events`; never throws.
   */
  openStream?(address: string, events: PeerStreamEvents): PeerStream;
  /**
   * The node at `address` was heard from, so it is up: a reconnect backoff of this transport's
   * own towards it ends, and the next delivery or stream connects at once.
   */
  retryNow?(address: string): void;
  /** Closes connections and streams; later deliveries reject. */
  close(): Promise<void>;
}

/** What a peer stream reports, each at most once and `onOpen` before `onClose`. */
export interface PeerStreamEvents {
  /** The receiver accepted the stream (it checked the sender's credentials): write away. */
  onOpen(): void;
  /**
   * The stream is over: `error` says why when it was not closed by its own close(). Batches
   * written before may or may not have arrived; Raft resends what matters.
   */
  onClose(error: RaftoralError | undefined): void;
}

/** One open stream of batches to one peer. */
export interface PeerStream {
  /**
   * Writes `batch` after those written before. Throws RaftoralError: RESOURCE_EXHAUSTED for a
   * batch larger than the receiver takes, UNAVAILABLE before onOpen where the transport cannot
   * hold it until then; the stream stays usable.
   */
  send(batch: PeerBatch): void;
  /** Bytes written and not yet handed to the network: a peer that does not read piles them up. */
  bufferedBytes(): number;
  /** Ends the stream; onClose follows with no error. */
  close(): void;
}

/** Serves a NodeApi on an address. */
export interface TransportServer {
  /** Starts listening; rejects with a ListenError-like error (e.g. address in use). */
  listen(host: string, port: number, api: NodeApi): Promise<{ port: number }>;
  /** Stops accepting, ends connections promptly. */
  close(): Promise<void>;
}
