// Delivers peer batches over gRPC, over one GrpcClient (one persistent HTTP/2 session,
// reconnecting by itself, cleartext or TLS) per peer address, with the node's credentials
// (proof of the cluster secret) on every call: a RaftService/StreamMessages stream per peer
// (grpc-peer-stream.ts), or a SendMessage call per batch with the msgpack batch in
// raft_message. Failures reject with the client's GrpcStatusError; nothing is retried.

import { type Clock, RaftoralError } from "../../lib/index.ts";
import type {
  CallCredentials,
  ClientTls,
  KeepaliveTiming,
  PeerBatch,
  PeerStream,
  PeerStreamEvents,
  PeerTransport,
} from "../index.ts";
import { GrpcClient } from "./client.ts";
import type { BackoffOptions } from "./client-connection.ts";
import { GrpcPeerStream } from "./grpc-peer-stream.ts";
import { PEER_MESSAGE_BYTES_MAX_DEFAULT } from "./grpc-transport-server.ts";
import { genericMessageOfBatch } from "./peer-batch-message.ts";
import { RaftServiceMethods } from "./raftoral-methods.ts";

/** Peer addresses with an open client; past it the least recently used idle one is closed. */
export const PEER_CLIENTS_MAX = 1024;

/**
 * The connection's own reconnect backoff, short: PeerSenders paces the retries to a peer
 * (50 ms doubling to 500 ms, ended early once the peer is heard from), so this only spaces out
 * connection attempts. The clients' default (up to 5 s) kept a restarted peer unreachable for
 * seconds after it was back.
 */
const PEER_BACKOFF: BackoffOptions = { initialMs: 25, maxMs: 250, multiplier: 2, jitter: 0.2 };

export interface GrpcPeerTransportOptions {
  readonly clock?: Clock;
  /** Jitter source for reconnect backoff. */
  readonly random?: () => number;
  /** Largest batch sent, encoded. Default 64 MiB, the server's default receive limit. */
  readonly sendMessageBytesMax?: number;
  /** The connections' reconnect backoff. Default PEER_BACKOFF. */
  readonly backoff?: BackoffOptions;
  readonly connectTimeoutMs?: number;
  /** Dial peers with TLS. */
  readonly tls?: ClientTls;
  /** Added to every call (proof of the cluster secret). */
  readonly credentials?: CallCredentials;
  /** How a connection with a stream or call on it is pinged. Default KEEPALIVE_DEFAULT. */
  readonly keepalive?: KeepaliveTiming;
}

/** The client half of the gRPC transport. */
export class GrpcPeerTransport implements PeerTransport {
  private readonly options: GrpcPeerTransportOptions;
  /** In use order: the first entry is the least recently used. */
  private readonly clients = new Map<string, GrpcClient>();
  private isClosed = false;

  constructor(options: GrpcPeerTransportOptions = {}) {
    this.options = options;
  }

  /**
   * Sends `batch` to `address` in one SendMessage call with a `timeoutMs` deadline. Rejects
   * with GrpcStatusError (code TIMEOUT, UNAVAILABLE, or the peer's status), or with
   * UNAVAILABLE when the peer answered success = false or this transport is closed.
   */
  async deliver(address: string, batch: PeerBatch, timeoutMs: number): Promise<void> {
    if (this.isClosed) {
      throw new RaftoralError("UNAVAILABLE", `the gRPC peer transport is closed (to ${address})`);
    }
    const response = await this.clientFor(address).unary(
      RaftServiceMethods.sendMessage,
      genericMessageOfBatch(batch),
      { timeoutMs },
    );
    if (!response.success) {
      throw new RaftoralError(
        "UNAVAILABLE",
        `${address} refused the batch: ${response.error === "" ? "no reason given" : response.error}`,
      );
    }
  }

  /** See PeerTransport.retryNow: only a connection that exists has a backoff to end. */
  retryNow(address: string): void {
    this.clients.get(address)?.retryNow();
  }

  /** A StreamMessages call to `address`; see PeerTransport.openStream. */
  openStream(address: string, events: PeerStreamEvents): PeerStream {
    return new GrpcPeerStream(address, events, () => {
      if (this.isClosed) {
        throw new RaftoralError("UNAVAILABLE", `the gRPC peer transport is closed (to ${address})`);
      }
      return this.clientFor(address).bidiStreaming(RaftServiceMethods.streamMessages);
    });
  }

  /** Closes every session and stream; calls in flight and later deliveries fail with UNAVAILABLE. */
  async close(): Promise<void> {
    this.isClosed = true;
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
  }

  private clientFor(address: string): GrpcClient {
    const known = this.clients.get(address);
    if (known !== undefined) {
      // Re-insert: Map order then tracks use, oldest first.
      this.clients.delete(address);
      this.clients.set(address, known);
      return known;
    }
    if (this.clients.size >= PEER_CLIENTS_MAX) this.evictIdle();
    const client = new GrpcClient({
      address,
      sendMessageBytesMax: this.options.sendMessageBytesMax ?? PEER_MESSAGE_BYTES_MAX_DEFAULT,
      ...(this.options.clock === undefined ? {} : { clock: this.options.clock }),
      ...(this.options.random === undefined ? {} : { random: this.options.random }),
      backoff: this.options.backoff ?? PEER_BACKOFF,
      ...(this.options.connectTimeoutMs === undefined
        ? {}
        : { connectTimeoutMs: this.options.connectTimeoutMs }),
      ...(this.options.tls === undefined ? {} : { tls: this.options.tls }),
      ...(this.options.credentials === undefined ? {} : { credentials: this.options.credentials }),
      ...(this.options.keepalive === undefined ? {} : { keepalive: this.options.keepalive }),
    });
    this.clients.set(address, client);
    return client;
  }

  /** Closes the least recently used client with no call in flight, if there is one. */
  private evictIdle(): void {
    for (const [address, client] of this.clients) {
      if (client.activeCalls > 0) continue;
      client.close();
      this.clients.delete(address);
      return;
    }
  }
}
