// The narrow interfaces between the node and a transport (memory, HTTP or gRPC). A transport
// has two halves: a server that exposes a NodeApi to peers and clients, and a PeerTransport
// that delivers batches to other nodes. Per-peer queueing and batching live in peer-senders.ts,
// above this interface, so every transport behaves the same.

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
  /** Closes connections; later deliveries reject. */
  close(): Promise<void>;
}

/** Serves a NodeApi on an address. */
export interface TransportServer {
  /** Starts listening; rejects with a ListenError-like error (e.g. address in use). */
  listen(host: string, port: number, api: NodeApi): Promise<{ port: number }>;
  /** Stops accepting, ends connections promptly. */
  close(): Promise<void>;
  /**
   * Builds now what the first call would otherwise build (the gRPC .proto types): called once
   * the node is ready, so that neither the first client nor the next node to join waits for it.
   */
  prepare?(): void;
}
