// The server's HTTP/2 sessions and their limits: how many may be open at once, and how long
// one may sit without a call before it is closed (gRPC's "max connection idle": a session
// with a call in flight is never idle, however long the call waits, so long waits for
// workflow results keep working). Calls per session are capped by the maxConcurrentStreams
// SETTING, which Bun's HTTP/2 server enforces itself with REFUSED_STREAM.

import type http2 from "node:http2";
import type { CancelTimer, Clock } from "../../lib/index.ts";

export interface SessionLimits {
  /** Sessions open at once; one more is closed at once. */
  readonly sessionsMax: number;
  /** A session with no call for this long is closed (GOAWAY); the client reconnects. */
  readonly idleMs: number;
}

interface SessionState {
  streams: number;
  cancelIdle: CancelTimer | undefined;
}

/** Tracks open sessions and the calls on each. */
export class SessionGuard {
  private readonly limits: SessionLimits;
  private readonly clock: Clock;
  private readonly states = new Map<http2.Http2Session, SessionState>();

  constructor(limits: SessionLimits, clock: Clock) {
    this.limits = limits;
    this.clock = clock;
  }

  /** Open sessions. */
  get size(): number {
    return this.states.size;
  }

  sessions(): IterableIterator<http2.Http2Session> {
    return this.states.keys();
  }

  /** Takes a new session in, or destroys it and returns false when too many are open. */
  admit(session: http2.Http2Session): boolean {
    if (this.states.size >= this.limits.sessionsMax) {
      session.destroy();
      return false;
    }
    const state: SessionState = { streams: 0, cancelIdle: undefined };
    this.states.set(session, state);
    session.on("close", () => {
      state.cancelIdle?.();
      this.states.delete(session);
    });
    this.startIdle(session, state);
    return true;
  }

  /** Counts a call on `stream`'s session until the stream closes: the session is not idle. */
  trackStream(stream: http2.ServerHttp2Stream): void {
    const session = stream.session;
    const state = session === undefined ? undefined : this.states.get(session);
    if (session === undefined || state === undefined) return;
    state.streams++;
    state.cancelIdle?.();
    state.cancelIdle = undefined;
    stream.once("close", () => {
      state.streams--;
      if (state.streams === 0) this.startIdle(session, state);
    });
  }

  private startIdle(session: http2.Http2Session, state: SessionState): void {
    state.cancelIdle = this.clock.setTimer(this.limits.idleMs, () => {
      state.cancelIdle = undefined;
      // close() sends GOAWAY and lets the session end by itself; nothing runs on it.
      if (state.streams === 0 && !session.closed && !session.destroyed) session.close();
    });
  }
}
