// Outbound traffic to every peer. Where the transport has streams, each peer gets one
// long-lived stream and every batch leaves on it at once, in order, without waiting for the
// one before (a request per batch costs a round trip of headers and an answer, and only one
// can be in flight per peer without reordering). A peer whose stream cannot be opened (an
// older node, a refusal) gets one request per batch for a while, which also reports why.
// Messages queue up while a request is in flight or the stream is opening or full, and leave
// together. A slow or dead peer never holds up the others: its queue is bounded (the oldest
// messages are dropped and counted; Raft tolerates loss) and after a failure it is retried
// with exponential backoff, while the host is told the peer is unreachable.

import { type Clock, type Logger, type NodeId, RaftoralError } from "../lib/index.ts";
import { learnedClockMessage, type PeerClocks } from "./access-policy.ts";
import { PeerQueue } from "./peer-queue.ts";
import type { PeerStream, PeerTransport } from "./transport.ts";
import type { PeerBatch, PeerMessage } from "./wire.ts";

export interface PeerSendersOptions {
  readonly self: NodeId;
  /** This node's advertised address, sent with every batch (see PeerBatch.fromAddress). */
  readonly selfAddress?: string;
  /** This node's cluster id, sent with every batch once known (see PeerBatch.clusterId). */
  readonly clusterId?: () => string;
  readonly transport: PeerTransport;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Learns from a peer's refusal of this node's proof for its clock (cluster secret only). */
  readonly peerClocks?: PeerClocks;
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
  queue: PeerQueue;
  isInFlight: boolean;
  backoffMs: number;
  isBackingOff: boolean;
  /** Ends the backoff's wait early; set while backing off. */
  cancelBackoff: (() => void) | undefined;
  dropped: number;
  lastDropLogMs: number;
  /** When a refusal by this peer was last logged at warn. */
  lastRefusalLogMs: number;
  /** Why the peer refused this node's last failed delivery, if it refused it (a secret). */
  refusal: string | undefined;
  sentMessages: number;
  sentBytes: number;
  failedDeliveries: number;
  /** Since when every delivery to the peer failed; undefined once one arrived (or none yet). */
  failingSinceMs: number | undefined;
  /** The stream to the peer, opening or open; undefined without one. */
  stream: PeerStream | undefined;
  isStreamOpen: boolean;
  streamOpenedAtMs: number;
  /** Until then batches go as requests: the last stream could not be opened. */
  streamRetryAtMs: number;
  /** Since when the open stream holds more than STREAM_BUFFERED_BYTES_MAX unsent. */
  streamFullSinceMs: number | undefined;
  isRecheckScheduled: boolean;
  /** announce() asked for a batch to this peer even if nothing is queued for it. */
  mustAnnounce: boolean;
  /** announce() told this peer already: a later call (more peers learned) skips it. */
  wasAnnounced: boolean;
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
  /** Messages waiting to leave (the stream is opening or full, or a request is in flight). */
  readonly queued: number;
  /** Whether batches to the peer go on an open stream now (not requests). */
  readonly isStreaming: boolean;
  readonly sentMessages: number;
  /** Payload bytes of the sent messages (see peerMessageBytes). */
  readonly sentBytes: number;
  readonly droppedMessages: number;
  readonly failedDeliveries: number;
}

const QUEUE_MESSAGES_MAX = 10_000;
const DROP_LOG_INTERVAL_MS = 10_000;
/** The codes of a peer that is up and refuses the batch, rather than slow or unreachable. */
const REFUSAL_CODES = new Set(["UNAUTHENTICATED", "PERMISSION_DENIED", "FAILED_PRECONDITION"]);
/** After a stream could not be opened, the peer's batches go as requests this long. */
export const STREAM_RETRY_MS = 1_000;
/** Unsent bytes a stream may hold before batches wait in the queue instead. */
export const STREAM_BUFFERED_BYTES_MAX = 8 * 1024 * 1024;
/** How often a full stream is looked at again. */
const STREAM_RECHECK_MS = 10;

export class PeerSenders {
  private readonly peers = new Map<NodeId, PeerState>();
  private readonly options: PeerSendersOptions &
    Required<Omit<PeerSendersOptions, "selfAddress" | "clusterId" | "peerClocks">>;
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
      // A restarted peer waits at most this long for the next attempt: short, as an attempt at
      // a peer that is down costs one refused connection.
      backoffMaxMs: 500,
      ...options,
    };
  }

  /** Where `peer` listens; messages to a peer without an address are dropped. */
  setAddress(peer: NodeId, address: string): void {
    const state = this.peers.get(peer);
    if (state === undefined)
      this.peers.set(peer, newPeerState(address, this.options.queueMessagesMax));
    else if (state.address !== address) {
      state.address = address;
      // The next batch opens a stream to the new address.
      this.dropStream(state)?.close();
    }
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
    this.recordDrops(peer, state, state.queue.push(messages));
    this.flush(peer, state);
  }

  /**
   * A batch from `peer` was accepted, or it announced itself (announce()), so it is up again:
   * a backoff from failures while it was down ends now, the transport's own too, and what is
   * queued for it leaves at once (a restarted node need not wait for its leaders' next attempt).
   */
  heardFrom(peer: NodeId): void {
    const state = this.peers.get(peer);
    if (state === undefined || !state.isBackingOff) return;
    this.options.transport.retryNow?.(state.address);
    state.cancelBackoff?.();
    state.cancelBackoff = undefined;
    state.isBackingOff = false;
    state.backoffMs = 0;
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

  /** Every addressed peer's traffic (this node is addressed too, and is no peer of its own). */
  perPeer(): PeerSendCounts[] {
    const others = [...this.peers].filter(([peer]) => peer !== this.options.self);
    return others.map(([peer, state]) => ({
      peer,
      queued: state.queue.length,
      isStreaming: state.isStreamOpen,
      sentMessages: state.sentMessages,
      sentBytes: state.sentBytes,
      droppedMessages: state.dropped,
      failedDeliveries: state.failedDeliveries,
    }));
  }

  /** How long every delivery to `peer` has failed (0 while they arrive; unreachable-leaders). */
  failingMs(peer: NodeId): number {
    const since = this.peers.get(peer)?.failingSinceMs;
    return since === undefined ? 0 : this.options.clock.nowMs() - since;
  }

  /** Why `peer` refuses this node's messages, while it does (another cluster secret). */
  refusalOf(peer: NodeId): string | undefined {
    const state = this.peers.get(peer);
    return state?.failingSinceMs === undefined ? undefined : state.refusal;
  }

  close(): void {
    this.isClosed = true;
    for (const state of this.peers.values()) this.dropStream(state)?.close();
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

  /**
   * Sends every peer not told yet a batch now, empty if nothing is queued for it: a node that
   * starts again tells its peers it is up, so that their senders end their backoff towards it
   * (heardFrom) instead of it waiting for their next attempt to learn who leads its groups.
   * Called again as it learns of more peers, it tells only those.
   */
  announce(): void {
    const told: NodeId[] = [];
    for (const [peer, state] of this.peers) {
      if (state.wasAnnounced || peer === this.options.self) continue;
      state.wasAnnounced = true;
      state.mustAnnounce = true;
      told.push(peer);
      this.flush(peer, state);
    }
    if (told.length === 0) return;
    this.options.logger.debug("Telling peers this node is back", { peers: told.join(" ") });
  }

  private flush(peer: NodeId, state: PeerState): void {
    if (this.isClosed || state.isBackingOff) return;
    if (state.queue.length === 0 && !state.mustAnnounce) return;
    const canStream =
      this.options.transport.openStream !== undefined &&
      this.options.clock.nowMs() >= state.streamRetryAtMs;
    if (canStream) this.flushToStream(peer, state);
    else if (!state.isInFlight) this.deliver(peer, state);
  }

  /** Takes the queue's oldest messages, up to BATCH_BYTES_MAX, as the next batch; counts it. */
  private nextBatch(peer: NodeId, state: PeerState): PeerBatch {
    const { messages, bytes } = state.queue.takeBatch();
    state.mustAnnounce = false;
    this.sentBatches++;
    this.sentMessages += messages.length;
    state.sentMessages += messages.length;
    state.sentBytes += bytes;
    const clusterId = this.options.clusterId?.() ?? "";
    return {
      from: this.options.self,
      to: peer,
      ...(this.options.selfAddress === undefined ? {} : { fromAddress: this.options.selfAddress }),
      ...(clusterId === "" ? {} : { clusterId }),
      messages,
    };
  }

  /** One request with the queue; the next leaves when it is answered. */
  private deliver(peer: NodeId, state: PeerState): void {
    state.isInFlight = true;
    const batch = this.nextBatch(peer, state);
    this.options.transport
      .deliver(state.address, batch, this.options.deliverTimeoutMs)
      .then(
        () => {
          state.backoffMs = 0;
          state.failingSinceMs = undefined;
        },
        (error: unknown) => this.onFailure(peer, state, batch.messages.length, error),
      )
      .finally(() => {
        state.isInFlight = false;
        this.flush(peer, state);
      });
  }

  /** Writes the queue to the peer's stream, batch after batch, once it is open and has room. */
  private flushToStream(peer: NodeId, state: PeerState): void {
    const stream = state.stream ?? this.openStream(peer, state);
    if (!state.isStreamOpen) return; // Its onOpen flushes.
    while (state.queue.length > 0 || state.mustAnnounce) {
      if (state.stream !== stream) return; // It ended while written to: the next one flushes.
      if (stream.bufferedBytes() > STREAM_BUFFERED_BYTES_MAX) {
        this.waitForRoom(peer, state);
        return;
      }
      state.streamFullSinceMs = undefined;
      const batch = this.nextBatch(peer, state);
      try {
        stream.send(batch);
      } catch (error) {
        if (!(error instanceof RaftoralError)) throw error;
        // Too large for the receiver: this batch is lost, the stream and the rest are not.
        this.recordDrops(peer, state, batch.messages.length);
        this.options.logger.warn(`Cannot send a batch to a peer: ${error.message}`, { peer });
      }
    }
  }

  private openStream(peer: NodeId, state: PeerState): PeerStream {
    const openStream = this.options.transport.openStream;
    if (openStream === undefined) throw new Error("the transport has no streams");
    const stream: PeerStream = openStream.call(this.options.transport, state.address, {
      onOpen: () => {
        if (state.stream !== stream) return;
        state.isStreamOpen = true;
        state.streamOpenedAtMs = this.options.clock.nowMs();
        state.failingSinceMs = undefined;
        this.flush(peer, state);
      },
      onClose: (error) => {
        if (state.stream !== stream) return;
        this.onStreamEnded(peer, state, error ?? streamEnded(state.address));
      },
    });
    state.stream = stream;
    // A connection attempt that hangs (a black-holed address) falls back like a refused one.
    this.options.clock.setTimer(this.options.deliverTimeoutMs, () => {
      if (state.stream !== stream || state.isStreamOpen) return;
      this.dropStream(state);
      stream.close();
      const message = `${state.address} did not accept a stream within ${this.options.deliverTimeoutMs} ms`;
      this.onStreamEnded(peer, state, new RaftoralError("TIMEOUT", message));
    });
    return stream;
  }

  /**
   * A stream the peer never accepted makes its batches go as requests for STREAM_RETRY_MS:
   * they report the reason (a wrong secret, an older node) and back off as usual. A stream
   * that worked and broke is a failed delivery.
   */
  private onStreamEnded(peer: NodeId, state: PeerState, error: RaftoralError): void {
    const wasOpen = state.isStreamOpen;
    const openedAtMs = state.streamOpenedAtMs;
    this.dropStream(state);
    const now = this.options.clock.nowMs();
    if (!wasOpen) {
      this.learnPeerClock(peer, state, error);
      state.streamRetryAtMs = now + STREAM_RETRY_MS;
      this.options.logger.debug("Peer stream not accepted; sending requests meanwhile", {
        peer,
        address: state.address,
        error: error.message,
      });
      this.flush(peer, state);
      return;
    }
    // A stream that carried traffic for a while starts the backoff over.
    if (now - openedAtMs >= this.options.backoffMaxMs) state.backoffMs = 0;
    this.onFailure(peer, state, 0, error);
  }

  /** A stream that stays full for a delivery timeout has a peer that does not read: drop it. */
  private waitForRoom(peer: NodeId, state: PeerState): void {
    const now = this.options.clock.nowMs();
    state.streamFullSinceMs ??= now;
    if (now - state.streamFullSinceMs > this.options.deliverTimeoutMs) {
      this.dropStream(state)?.close();
      const message = `${state.address} read nothing for ${this.options.deliverTimeoutMs} ms`;
      this.onFailure(peer, state, 0, new RaftoralError("TIMEOUT", message));
      return;
    }
    if (state.isRecheckScheduled) return;
    state.isRecheckScheduled = true;
    this.options.clock.setTimer(STREAM_RECHECK_MS, () => {
      state.isRecheckScheduled = false;
      this.flush(peer, state);
    });
  }

  /** Forgets the peer's stream, whose events are ignored from now on; returns it. */
  private dropStream(state: PeerState): PeerStream | undefined {
    const stream = state.stream;
    state.stream = undefined;
    state.isStreamOpen = false;
    state.streamFullSinceMs = undefined;
    return stream;
  }

  /**
   * A peer whose clock is more than a proof's window from ours refuses our proofs: from its
   * refusal, our proofs for it carry its time from now on (PeerClocks), and the clocks'
   * difference is logged, since other things go by the wall clock too.
   */
  private learnPeerClock(peer: NodeId, state: PeerState, error: unknown): void {
    const offsetMs = this.options.peerClocks?.learnFrom(state.address, String(error));
    if (offsetMs === undefined) return;
    this.options.logger.warn(learnedClockMessage(`Node ${peer}`, offsetMs), {
      peer,
      address: state.address,
      offset_ms: offsetMs,
    });
  }

  private onFailure(peer: NodeId, state: PeerState, lost: number, error: unknown): void {
    this.learnPeerClock(peer, state, error);
    this.failedDeliveries++;
    state.failedDeliveries++;
    state.failingSinceMs ??= this.options.clock.nowMs();
    this.recordDrops(peer, state, lost, error);
    state.backoffMs = Math.min(
      this.options.backoffMaxMs,
      Math.max(this.options.backoffMinMs, state.backoffMs * 2),
    );
    state.isBackingOff = true;
    // Requests stand in for a stream the peer answers but does not take (an older node, a
    // refused proof). One that fails too says the peer is down, which is also why its stream
    // failed: the next attempt, after the backoff or when the peer is heard from, is a stream.
    // Before, a restarted node got its catch-up as JSON requests: 250 ms for 4 MB, not 40.
    state.streamRetryAtMs = Number.NEGATIVE_INFINITY;
    // A peer that answers with a refusal (another cluster at its address) is no outage: said
    // at warn, now and again, where an unreachable one is only a debug line.
    const isRefused = error instanceof RaftoralError && error.code === "FAILED_PRECONDITION";
    const now = this.options.clock.nowMs();
    const isWarned = isRefused && now - state.lastRefusalLogMs >= DROP_LOG_INTERVAL_MS;
    if (isWarned) state.lastRefusalLogMs = now;
    const isAnyRefusal = error instanceof RaftoralError && REFUSAL_CODES.has(error.code);
    state.refusal = isAnyRefusal ? error.message : undefined;
    const fields = { peer, address: state.address, retry_in_ms: state.backoffMs };
    this.options.logger[isWarned ? "warn" : "debug"](
      isRefused ? "A peer refuses this node's messages" : "Peer unreachable",
      { ...fields, error: (error as Error).message },
    );
    this.options.onUnreachable(peer);
    state.cancelBackoff?.();
    state.cancelBackoff = this.options.clock.setTimer(state.backoffMs, () => {
      state.cancelBackoff = undefined;
      state.isBackingOff = false;
      this.flush(peer, state);
    });
  }

  /** `failure`, when the peer refused or could not be reached, goes into the warning. */
  private recordDrops(peer: NodeId, state: PeerState, count: number, failure?: unknown): void {
    if (count === 0) return;
    state.dropped += count;
    this.droppedMessages += count;
    const now = this.options.clock.nowMs();
    if (now - state.lastDropLogMs < DROP_LOG_INTERVAL_MS) return;
    state.lastDropLogMs = now;
    // A peer that answers so (another cluster secret, another cluster) is up and refuses them.
    const isRefusal = failure instanceof RaftoralError && REFUSAL_CODES.has(failure.code);
    const what = isRefusal ? "that refuses them" : "that is slow or unreachable";
    this.options.logger.warn(`Dropping messages for a peer ${what}`, {
      peer,
      address: state.address,
      dropped_total: state.dropped,
      ...(failure === undefined ? {} : { error: (failure as Error).message }),
    });
  }
}

function newPeerState(address: string, queueMessagesMax: number): PeerState {
  return {
    address,
    queue: new PeerQueue(queueMessagesMax),
    isInFlight: false,
    backoffMs: 0,
    isBackingOff: false,
    cancelBackoff: undefined,
    dropped: 0,
    lastDropLogMs: Number.NEGATIVE_INFINITY,
    lastRefusalLogMs: Number.NEGATIVE_INFINITY,
    refusal: undefined,
    sentMessages: 0,
    sentBytes: 0,
    failedDeliveries: 0,
    failingSinceMs: undefined,
    stream: undefined,
    isStreamOpen: false,
    streamOpenedAtMs: 0,
    streamRetryAtMs: Number.NEGATIVE_INFINITY,
    streamFullSinceMs: undefined,
    isRecheckScheduled: false,
    mustAnnounce: false,
    wasAnnounced: false,
  };
}

function streamEnded(address: string): RaftoralError {
  return new RaftoralError("UNAVAILABLE", `${address} ended the stream`);
}
