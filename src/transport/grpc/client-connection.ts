// One persistent HTTP/2 session to one target (cleartext, or TLS with ALPN h2), re-created
// after it closes. Reconnects are lazy (the next call makes them) and spaced by exponential
// backoff after failures, so a dead peer costs one fast UNAVAILABLE per call and never a tight
// connect loop. Failures of a session that never answered say what to do about TLS. While
// calls are in flight the session is pinged (keepalive.ts): one whose peer went silent is
// closed, failing its calls, instead of holding them until TCP gives up minutes later.

import http2 from "node:http2";
import type { Clock } from "../../lib/index.ts";
import { type ClientTls, connectionHint, Keepalive, type KeepaliveTiming } from "../index.ts";
import { GrpcStatus, GrpcStatusError } from "./status.ts";

/** gRPC connection-backoff parameters (doc/connection-backoff.md), tuned for a LAN cluster. */
export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly multiplier: number;
  /** Each delay is scaled by a random factor in [1 - jitter, 1 + jitter]. */
  readonly jitter: number;
}

export const BACKOFF_DEFAULT: BackoffOptions = {
  initialMs: 100,
  maxMs: 5_000,
  multiplier: 1.6,
  jitter: 0.2,
};

export interface ClientConnectionOptions {
  readonly clock: Clock;
  readonly random: () => number;
  readonly backoff: BackoffOptions;
  /** A session that has not connected after this long is dropped as failed. */
  readonly connectTimeoutMs: number;
  /** Advertised in our SETTINGS: the largest header block (metadata) the peer may send us. */
  readonly maxHeaderListBytes: number;
  /**
   * The session's memory cap in MB (`maxSessionMemory`), past which HTTP/2 refuses new calls.
   * Large enough that the client's own bounds (calls in flight, message size) bind first.
   */
  readonly sessionMemoryMb: number;
  /** Dial with TLS; absent: cleartext h2c. */
  readonly tls?: ClientTls;
  readonly keepalive: KeepaliveTiming;
  /** Whether calls are in flight: an idle session is not pinged. */
  readonly hasCalls: () => boolean;
}

/** The session to `address`, created on demand. */
export class ClientConnection {
  readonly address: string;
  private readonly options: ClientConnectionOptions;
  private current: http2.ClientHttp2Session | undefined;
  /** Sessions that answered at least one call. */
  private readonly healthy = new WeakSet<http2.ClientHttp2Session>();
  /**
   * Sessions whose peer spoke HTTP/2 (its SETTINGS came). An HTTP/2 server sends them before it
   * reads a request, so a call on a session that closed before them was taken by no one: a
   * TLS port given a cleartext connection, or a port that speaks something else, closes it
   * after the connection was made, and the call was said to have an answer lost.
   */
  private readonly spoken = new WeakSet<http2.ClientHttp2Session>();
  /** Consecutive sessions that closed without ever answering a call. */
  private failures = 0;
  private nextAttemptMs = 0;
  private lastFailure = "";
  /** Whether the session that failed last spoke HTTP/2 first: then it was no TLS mismatch. */
  private hasLastSpoken = false;
  private isClosed = false;

  constructor(address: string, options: ClientConnectionOptions) {
    this.address = address;
    this.options = options;
  }

  /** A usable session, or GrpcStatusError(UNAVAILABLE) while backing off or after close(). */
  session(): http2.ClientHttp2Session {
    const current = this.current;
    if (current !== undefined && !current.destroyed && !current.closed) return current;
    if (this.isClosed) {
      throw new GrpcStatusError(GrpcStatus.UNAVAILABLE, `client for ${this.address} is closed`);
    }
    const waitMs = this.nextAttemptMs - this.options.clock.nowMs();
    if (waitMs > 0) {
      throw new GrpcStatusError(
        GrpcStatus.UNAVAILABLE,
        `cannot reach ${this.address} (${this.describeFailure(this.lastFailure)}); this client connects to it again in ${Math.ceil(waitMs)} ms at the earliest`,
      );
    }
    return this.connect();
  }

  /** The peer is known to be up: the next call connects at once, and backoff starts afresh. */
  retryNow(): void {
    this.failures = 0;
    this.nextAttemptMs = 0;
  }

  /** The peer answered a call: the connection works, so later failures start a fresh backoff. */
  markHealthy(session: http2.ClientHttp2Session): void {
    this.healthy.add(session);
    this.failures = 0;
  }

  /** Whether the peer spoke HTTP/2 on `session`: a call on one where it never did was not taken. */
  hasPeerSpoken(session: http2.ClientHttp2Session): boolean {
    return this.spoken.has(session);
  }

  /**
   * `failure` of `session` (or of the last one), with a hint when the session never answered.
   * One where the peer spoke HTTP/2 got through whatever TLS there is: no hint about TLS.
   */
  describeFailure(failure: string, session?: http2.ClientHttp2Session): string {
    const hasAnswered =
      session === undefined
        ? this.hasLastSpoken
        : this.healthy.has(session) || this.spoken.has(session);
    return `${failure}${connectionHint(failure, this.options.tls !== undefined, hasAnswered)}`;
  }

  /** Closes the session now; calls in flight fail with UNAVAILABLE. */
  close(): void {
    this.isClosed = true;
    this.current?.destroy();
    this.current = undefined;
  }

  private connect(): http2.ClientHttp2Session {
    const settings = { enablePush: false, maxHeaderListSize: this.options.maxHeaderListBytes };
    const maxSessionMemory = this.options.sessionMemoryMb;
    const tls = this.options.tls;
    const session =
      tls === undefined
        ? http2.connect(`http://${this.address}`, { settings, maxSessionMemory })
        : http2.connect(`https://${this.address}`, {
            settings,
            maxSessionMemory,
            ALPNProtocols: ["h2"],
            ...(tls.ca === undefined ? {} : { ca: tls.ca }),
            ...(tls.cert === undefined ? {} : { cert: tls.cert }),
            ...(tls.key === undefined ? {} : { key: tls.key }),
          });
    this.current = session;
    let failure = "connection closed";
    const cancelTimeout = this.options.clock.setTimer(this.options.connectTimeoutMs, () => {
      failure = `no connection after ${this.options.connectTimeoutMs} ms`;
      session.destroy();
    });
    const keepalive = new Keepalive(this.options.clock, this.options.keepalive, {
      ping: (answered) => {
        if (session.destroyed || session.closed) return;
        // A session that cannot send a ping (its socket failed under it) is as good as dead.
        const isSent = session.ping((error) => {
          if (error === null) answered();
        });
        if (!isSent) {
          failure = "could not send a ping";
          session.destroy(new Error(failure));
        }
      },
      dead: (message) => {
        failure = `stopped answering: ${message}`;
        session.destroy(new Error(failure));
      },
      isInUse: this.options.hasCalls,
    });
    session.on("remoteSettings", () => this.spoken.add(session));
    session.on("connect", () => {
      cancelTimeout();
      keepalive.start();
    });
    // Without an 'error' listener a refused connection would crash the process; the calls
    // on the session see their own errors, and close below records the failure.
    session.on("error", (error: Error) => {
      failure = errorText(error);
    });
    // After a GOAWAY the session finishes its calls but takes no new ones: detach it.
    session.on("goaway", () => this.detach(session));
    session.on("close", () => {
      cancelTimeout();
      keepalive.stop();
      this.onSessionClosed(session, failure);
    });
    return session;
  }

  private detach(session: http2.ClientHttp2Session): void {
    if (this.current === session) this.current = undefined;
  }

  private onSessionClosed(session: http2.ClientHttp2Session, failure: string): void {
    this.detach(session);
    // A session that served calls closed (peer restart, GOAWAY): reconnect at once.
    if (this.healthy.has(session)) return;
    this.failures++;
    this.lastFailure = failure;
    this.hasLastSpoken = this.spoken.has(session);
    const { initialMs, maxMs, multiplier, jitter } = this.options.backoff;
    const baseMs = Math.min(maxMs, initialMs * multiplier ** (this.failures - 1));
    const factor = 1 + jitter * (2 * this.options.random() - 1);
    this.nextAttemptMs = this.options.clock.nowMs() + baseMs * factor;
  }
}

function errorText(error: Error): string {
  const code = "code" in error && typeof error.code === "string" ? error.code : undefined;
  return code === undefined ? error.message : `${code}: ${error.message}`;
}
