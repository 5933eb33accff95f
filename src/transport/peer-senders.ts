// Outbound traffic to every peer. Messages for one peer queue up while a request to it is in
// flight and leave together in the next request, so a busy node sends few large batches.
// A slow or dead peer never holds up the others: its queue is bounded (the oldest messages
// are dropped and counted; Raft tolerates loss) and after a failure it is retried with
// exponential backoff, while the host is told the peer is unreachable.

import type { Clock, Logger, NodeId } from "../lib/index.ts";
import type { PeerTransport } from "./transport.ts";
import { batchBytes, type PeerMessage } from "./wire.ts";

export interface PeerSendersOptions {
  readonly self: NodeId;
  /** This node's advertised address, sent with every batch (see PeerBatch.fromAddress). */
  readonly selfAddress?: string;
  /** This node's cluster id, sent with every batch once known (see PeerBatch.clusterId). */
  readonly clusterId?: () => string;
  readonly transport: PeerTransport;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Called when a delivery to `peer` failed, so Raft stops streaming to it (reportUnreachable). */
  readonly onUnreachable: (peer: NodeId) => void;
  /** Messages queued per peer before the oldest are dropped. */
  readonly queueMessagesMax?: number;
  readonly deliverTimeoutMs?: number;
  readonly backoffMinMs?: number;
  readonly backoffMaxMs?: number;
}

interface PeerState {
  address: string;
  queue: PeerMessage[];
  isInFlight: boolean;
  backoffMs: number;
  isBackingOff: boolean;
  dropped: number;
  lastDropLogMs: number;
  sentMessages: number;
  sentBytes: number;
  failedDeliveries: number;
}

export interface PeerSendStats {
  readonly sentBatches: number;
  readonly sentMessages: number;
  readonly droppedMessages: number;
  readonly failedDeliveries: number;
}

/** One peer's traffic since start, for the metrics. */
export interface PeerSendCounts {
  readonly peer: NodeId;
  /** Messages waiting for the next request to the peer. */
  readonly queued: number;
  readonly sentMessages: number;
  /** Payload bytes of the sent messages (see batchBytes). */
  readonly sentBytes: number;
  readonly droppedMessages: number;
  readonly failedDeliveries: number;
}

const QUEUE_MESSAGES_MAX = 10_000;
const DROP_LOG_INTERVAL_MS = 10_000;

export class PeerSenders {
  private readonly peers = new Map<NodeId, PeerState>();
  private readonly options: PeerSendersOptions &
    Required<Omit<PeerSendersOptions, "selfAddress" | "clusterId">>;
  private sentBatches = 0;
  private sentMessages = 0;
  private droppedMessages = 0;
  private failedDeliveries = 0;
  private isClosed = false;
  /** Messages for peers with no known address: counted and logged, never queued. */
  private unaddressedDropped = 0;
  private unaddressedLoggedMs = Number.NEGATIVE_INFINITY;

  constructor(options: PeerSendersOptions) {
    this.options = {
      queueMessagesMax: QUEUE_MESSAGES_MAX,
      deliverTimeoutMs: 5_000,
      backoffMinMs: 50,
      backoffMaxMs: 2_000,
      ...options,
    };
  }

  /** Where `peer` listens; messages to a peer without an address are dropped. */
  setAddress(peer: NodeId, address: string): void {
    const state = this.peers.get(peer);
    if (state === undefined) this.peers.set(peer, newPeerState(address));
    else state.address = address;
  }

  addressOf(peer: NodeId): string | undefined {
    return this.peers.get(peer)?.address;
  }

  /** Queues messages for `peer`; they leave in the next request to it. Never blocks. */
  send(peer: NodeId, messages: readonly PeerMessage[]): void {
    if (this.isClosed || messages.length === 0) return;
    const state = this.peers.get(peer);
    if (state === undefined) {
      // No state per unknown peer: anyone can claim any sender id.
      this.dropUnaddressed(peer, messages.length);
      return;
    }
    for (const message of messages) state.queue.push(message);
    const excess = state.queue.length - this.options.queueMessagesMax;
    if (excess > 0) {
      state.queue.splice(0, excess);
      this.recordDrops(peer, state, excess);
    }
    this.flush(peer, state);
  }

  stats(): PeerSendStats {
    return {
      sentBatches: this.sentBatches,
      sentMessages: this.sentMessages,
      droppedMessages: this.droppedMessages,
      failedDeliveries: this.failedDeliveries,
    };
  }

  /** Every addressed peer's traffic. */
  perPeer(): PeerSendCounts[] {
    return [...this.peers].map(([peer, state]) => ({
      peer,
      queued: state.queue.length,
      sentMessages: state.sentMessages,
      sentBytes: state.sentBytes,
      droppedMessages: state.dropped,
      failedDeliveries: state.failedDeliveries,
    }));
  }

  close(): void {
    this.isClosed = true;
    this.peers.clear();
  }

  private dropUnaddressed(peer: NodeId, count: number): void {
    this.unaddressedDropped += count;
    this.droppedMessages += count;
    this.options.onUnreachable(peer);
    const now = this.options.clock.nowMs();
    if (now - this.unaddressedLoggedMs < DROP_LOG_INTERVAL_MS) return;
    this.unaddressedLoggedMs = now;
    this.options.logger.warn("Dropping messages for a peer whose address is not known", {
      peer,
      dropped_total: this.unaddressedDropped,
    });
  }

  private flush(peer: NodeId, state: PeerState): void {
    if (state.isInFlight || state.isBackingOff || state.queue.length === 0 || this.isClosed) return;
    const messages = state.queue;
    state.queue = [];
    state.isInFlight = true;
    this.sentBatches++;
    this.sentMessages += messages.length;
    state.sentMessages += messages.length;
    state.sentBytes += batchBytes({ messages });
    const clusterId = this.options.clusterId?.() ?? "";
    const batch = {
      from: this.options.self,
      to: peer,
      ...(this.options.selfAddress === undefined ? {} : { fromAddress: this.options.selfAddress }),
      ...(clusterId === "" ? {} : { clusterId }),
      messages,
    };
    this.options.transport
      .deliver(state.address, batch, this.options.deliverTimeoutMs)
      .then(
        () => {
          state.backoffMs = 0;
        },
        (error: unknown) => this.onFailure(peer, state, messages.length, error),
      )
      .finally(() => {
        state.isInFlight = false;
        this.flush(peer, state);
      });
  }

  private onFailure(peer: NodeId, state: PeerState, lost: number, error: unknown): void {
    this.failedDeliveries++;
    state.failedDeliveries++;
    this.recordDrops(peer, state, lost);
    state.backoffMs = Math.min(
      this.options.backoffMaxMs,
      Math.max(this.options.backoffMinMs, state.backoffMs * 2),
    );
    state.isBackingOff = true;
    this.options.logger.debug("Peer unreachable", {
      peer,
      address: state.address,
      retry_in_ms: state.backoffMs,
      error: (error as Error).message,
    });
    this.options.onUnreachable(peer);
    this.options.clock.setTimer(state.backoffMs, () => {
      state.isBackingOff = false;
      this.flush(peer, state);
    });
  }

  private recordDrops(peer: NodeId, state: PeerState, count: number): void {
    state.dropped += count;
    this.droppedMessages += count;
    const now = this.options.clock.nowMs();
    if (now - state.lastDropLogMs < DROP_LOG_INTERVAL_MS) return;
    state.lastDropLogMs = now;
    this.options.logger.warn("Dropping messages for a peer that is slow or unreachable", {
      peer,
      address: state.address,
      dropped_total: state.dropped,
    });
  }
}

function newPeerState(address: string): PeerState {
  return {
    address,
    queue: [],
    isInFlight: false,
    backoffMs: 0,
    isBackingOff: false,
    dropped: 0,
    lastDropLogMs: Number.NEGATIVE_INFINITY,
    sentMessages: 0,
    sentBytes: 0,
    failedDeliveries: 0,
  };
}
