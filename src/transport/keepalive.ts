// A connection whose peer went silent (its host gone, a network that drops every packet)
// stays open to TCP for many minutes: what is written waits in the socket and is sent again
// at intervals that grow to two minutes, so even once the network heals the connection may
// carry nothing for that long. A Keepalive pings the peer and reports the connection dead
// once a ping has gone unanswered too long; its owner closes it and dials again, which works
// as soon as the network does.

import type { CancelTimer, Clock } from "../lib/index.ts";

export interface KeepaliveTiming {
  /** How often a ping leaves while none is unanswered. */
  readonly intervalMs: number;
  /** A ping unanswered this long means the peer is gone. */
  readonly timeoutMs: number;
}

/** A second between pings; five seconds of silence ends the connection. */
export const KEEPALIVE_DEFAULT: KeepaliveTiming = { intervalMs: 1_000, timeoutMs: 5_000 };

export interface KeepaliveProbe {
  /** Sends a ping; `answered` is called when its answer arrives. */
  ping(answered: () => void): void;
  /** The peer stopped answering: close the connection. */
  dead(message: string): void;
  /** Whether a ping is worth sending now (calls are in flight); absent: always. */
  isInUse?(): boolean;
  /**
   * A count that grows while the peer takes what this end wrote (bytes handed on past the
   * connection's own buffer, which needs the peer's TCP acknowledgements once the socket's
   * buffer is full); absent: none. A ping queued behind megabytes on a slow link is answered
   * only once they have gone: while the count grows, the peer is reading, not silent.
   */
  progress?(): number;
}

/** Pings one connection from start() until stop() or its death. */
export class Keepalive {
  private readonly clock: Clock;
  private readonly timing: KeepaliveTiming;
  private readonly probe: KeepaliveProbe;
  /** When the unanswered ping left; undefined while none is unanswered (one at a time). */
  private unansweredSinceMs: number | undefined;
  private lastTickMs = 0;
  /** probe.progress() at the last tick. */
  private lastProgress = 0;
  private cancelTick: CancelTimer | undefined;

  constructor(clock: Clock, timing: KeepaliveTiming, probe: KeepaliveProbe) {
    this.clock = clock;
    this.timing = timing;
    this.probe = probe;
  }

  start(): void {
    if (this.cancelTick !== undefined) return;
    this.lastTickMs = this.clock.nowMs();
    this.schedule();
  }

  stop(): void {
    this.cancelTick?.();
    this.cancelTick = undefined;
  }

  private schedule(): void {
    this.cancelTick = this.clock.setTimer(this.timing.intervalMs, () => this.tick());
  }

  private tick(): void {
    const now = this.clock.nowMs();
    // A tick that comes late found this process busy elsewhere (a long turn, a collection):
    // the answer may be waiting unread, so that time is not counted as the peer's silence.
    const lateMs = now - this.lastTickMs - this.timing.intervalMs;
    this.lastTickMs = now;
    const progress = this.probe.progress?.() ?? 0;
    const isTaking = progress > this.lastProgress;
    this.lastProgress = progress;
    if (this.unansweredSinceMs !== undefined) {
      if (lateMs > 0) this.unansweredSinceMs += lateMs;
      // The peer took bytes since the last tick: the ping waits behind them, as on a 1 Mbit/s
      // link behind a 4 MiB batch (32 s). Before 2026-12-07 such a stream ended every 5 s and
      // its batch went again from the start, so a follower there never caught up.
      if (isTaking) this.unansweredSinceMs = now;
      if (now - this.unansweredSinceMs >= this.timing.timeoutMs) {
        this.cancelTick = undefined;
        this.probe.dead(`no answer to a ping for ${this.timing.timeoutMs} ms`);
        return;
      }
    } else if (this.probe.isInUse?.() ?? true) {
      this.unansweredSinceMs = now;
      this.probe.ping(() => {
        this.unansweredSinceMs = undefined;
      });
    }
    this.schedule();
  }
}
