// The server's HTTP/2 sessions and their limits: how many may be open at once, and how long
// one may sit without a call before it is closed (gRPC's "max connection idle": a session
// with a call in flight is never idle, however long the call waits, so long waits for
// workflow results keep working). Calls per session are capped by the maxConcurrentStreams
// SETTING, which Bun's HTTP/2 server enforces itself with REFUSED_STREAM.
//
// A session is trusted once it carries a call that proved its caller (a token, the cluster
// secret; every call but the open ones when the node demands nothing). At the cap a new
// session takes the place of the oldest untrusted one: a stranger holding every place with
// open calls (health watches, which need no credential) locked out every client, operator
// and peer until it let go. Only when every place is trusted is the new one refused.

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
  isTrusted: boolean;
}

/** What admit did with a new session at the cap; undefined below it. */
export type AdmitOutcome = undefined | "replaced an untrusted session" | "refused";

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

  /**
   * Takes a new session in. At the cap it destroys the oldest untrusted session to make room,
   * or, when all are trusted, the new one; says which.
   */
  admit(session: http2.Http2Session): AdmitOutcome {
    let outcome: AdmitOutcome;
    if (this.states.size >= this.limits.sessionsMax) {
      const untrusted = this.oldestUntrusted();
      if (untrusted === undefined) {
        session.destroy();
        return "refused";
      }
      this.forget(untrusted);
      untrusted.destroy();
      outcome = "replaced an untrusted session";
    }
    const state: SessionState = { streams: 0, cancelIdle: undefined, isTrusted: false };
    this.states.set(session, state);
    session.on("close", () => this.forget(session));
    this.startIdle(session, state);
    return outcome;
  }

  /** Marks `stream`'s session as one that proved its caller: it is kept at the cap. */
  trust(stream: http2.ServerHttp2Stream): void {
    const state = stream.session === undefined ? undefined : this.states.get(stream.session);
    if (state !== undefined) state.isTrusted = true;
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
      if (state.streams === 0 && this.states.has(session)) this.startIdle(session, state);
    });
  }

  private oldestUntrusted(): http2.Http2Session | undefined {
    // A Map iterates in insertion order: the first untrusted one is the oldest.
    for (const [session, state] of this.states) if (!state.isTrusted) return session;
    return undefined;
  }

  private forget(session: http2.Http2Session): void {
    this.states.get(session)?.cancelIdle?.();
    this.states.delete(session);
  }

  private startIdle(session: http2.Http2Session, state: SessionState): void {
    state.cancelIdle = this.clock.setTimer(this.limits.idleMs, () => {
      state.cancelIdle = undefined;
      // close() sends GOAWAY and lets the session end by itself; nothing runs on it.
      if (state.streams === 0 && !session.closed && !session.destroyed) session.close();
    });
  }
}
