// The gRPC server: HTTP/2 on node:http2, cleartext (h2c) or TLS (ALPN h2, optionally mutual
// TLS), a registry of methods by path, and prompt shutdown. Per-call work lives in
// server-call.ts and session limits in session-guard.ts; this file owns the listener and the
// checks made before a call exists (method, content type, path, encoding, authorization).

import http2 from "node:http2";
import type net from "node:net";
import { assert, type Clock, type Logger, RaftoralError, RealClock } from "../../lib/index.ts";
import type { ServerTls } from "../index.ts";
import { ByteBudget } from "../index.ts";
import { MESSAGE_BYTES_MAX_DEFAULT } from "./framing.ts";
import { metadataOf, peerOf } from "./metadata.ts";
import type {
  BidiStreamingHandler,
  Metadata,
  MethodDescriptor,
  ServerStreamingHandler,
  UnaryHandler,
} from "./method.ts";
import {
  PARTIAL_REQUEST_BYTES_MAX_DEFAULT,
  PARTIAL_REQUEST_MS_DEFAULT,
} from "./partial-requests.ts";
import {
  boundHandshakes,
  PENDING_HANDSHAKES_MAX,
  type PendingHandshakes,
} from "./pending-handshakes.ts";
import {
  isHealthPath,
  type PlainHttpAnswer,
  type PlainHttpDoor,
  plainHttpDoor,
} from "./plain-http-door.ts";
import {
  bidiStreamingRoute,
  type Route,
  type RouteLimits,
  serverStreamingRoute,
  unaryRoute,
} from "./route.ts";
import { headerText, rejectStream, ServerCall, type ServerCallLimits } from "./server-call.ts";
import { type AdmitOutcome, SessionGuard } from "./session-guard.ts";
import { GrpcStatus, statusOfError } from "./status.ts";
import { UNREAD_ANSWER_BYTES_MAX_DEFAULT, UNREAD_ANSWER_MS_DEFAULT } from "./unread-answers.ts";

/** Default cap on open sessions (connections). */
export const SESSIONS_MAX_DEFAULT = 1024;
/** Default time a session may sit without a call before it is closed. */
export const SESSION_IDLE_MS_DEFAULT = 5 * 60 * 1000;
/** The warning that the connection cap was reached comes at most this often. */
const CAP_WARNING_EVERY_MS = 10_000;
/** A TLS handshake that takes longer than this is cut off. */
const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;
/**
 * The largest message a call open to anyone (health, reflection) takes: their requests name a
 * service or a symbol. A stranger's call buffers what it sends of a message until the message
 * is whole, and before, with the server's 1 MiB, 800 such calls each holding a message but its
 * last byte kept 830 MB of the node's memory for as long as they stayed open.
 */
export const OPEN_CALL_MESSAGE_BYTES_MAX = 4 * 1024;

export interface GrpcServerOptions {
  readonly logger: Logger;
  readonly clock?: Clock;
  readonly receiveMessageBytesMax?: number;
  readonly sendMessageBytesMax?: number;
  /** Concurrent calls per connection: HTTP/2 SETTINGS, enforced with REFUSED_STREAM. Default 100. */
  readonly concurrentStreamsMax?: number;
  /** Connections open at once; one more is closed at once. Default SESSIONS_MAX_DEFAULT. */
  readonly sessionsMax?: number;
  /** A connection without a call for this long is closed. Default SESSION_IDLE_MS_DEFAULT. */
  readonly sessionIdleMs?: number;
  /** TLS handshakes in progress at once (pending-handshakes.ts). Default 1024. */
  readonly pendingHandshakesMax?: number;
  /** Serve over TLS (ALPN h2) instead of cleartext h2c. */
  readonly tls?: ServerTls;
  /**
   * Decides whether a call to `path` with `metadata` may run; throws a RaftoralError
   * (UNAUTHENTICATED, PERMISSION_DENIED) to refuse it before the handler sees anything.
   * Returns whether the call proved its caller (it was not open to anyone), which makes its
   * connection one kept at the cap (session-guard.ts). Without it every call does.
   */
  readonly authorize?: (path: string, metadata: Metadata) => boolean;
  /** Decoded requests buffered per streaming call before reading pauses. Default 16. */
  readonly requestQueueMax?: number;
  /** How long close() lets connections drain before destroying them. Default 500 ms. */
  readonly closeGraceMs?: number;
  /** Large answers held for clients that did not read them (unread-answers.ts). */
  readonly unreadAnswerBytesMax?: number;
  /** An answer unread this long after its call ended has its stream reset. */
  readonly unreadAnswerMs?: number;
  /** Large request messages begun and not yet whole, held at once (partial-requests.ts). */
  readonly partialRequestBytesMax?: number;
  /** A large request message not whole this long after its first byte ends its call. */
  readonly partialRequestMs?: number;
  /**
   * What GET /health answers: over HTTP/1.1 on a cleartext port (plain-http-door.ts), and
   * over HTTP/2. Without it such requests get gRPC's refusals.
   */
  readonly health?: () => PlainHttpAnswer;
}

/** Where the server listens; `port` is the real one when 0 was asked for. */
export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * The server could not listen. `systemCode` is the OS error (EADDRINUSE, EACCES, ...) and the
 * message reads like "cannot listen on 127.0.0.1:7001: Address already in use (EADDRINUSE)".
 */
export class ListenError extends RaftoralError {
  readonly systemCode: string | undefined;

  constructor(address: string, cause: unknown) {
    const message = `cannot listen on ${address}: ${describeListenFailure(cause)}`;
    super("UNAVAILABLE", message, { cause });
    this.name = "ListenError";
    this.systemCode = systemCodeOf(cause);
  }
}

const CONTENT_TYPE = /^application\/grpc(\+proto)?(;.*)?$/;

/** A gRPC server. Register methods, then listen(); close() ends it. */
export class GrpcServer {
  private readonly options: GrpcServerOptions;
  private readonly clock: Clock;
  private readonly limits: ServerCallLimits;
  private readonly routes = new Map<string, Route>();
  private readonly server: http2.Http2Server | http2.Http2SecureServer;
  /** What listens: the HTTP/2 server itself, or a door in front of a cleartext one. */
  private readonly listener: net.Server;
  private readonly door: PlainHttpDoor | undefined;
  private readonly handshakes: PendingHandshakes | undefined;
  private readonly sessions: SessionGuard;
  private readonly calls = new Set<ServerCall>();
  private closing: Promise<void> | undefined;
  private capWarnedAtMs = Number.NEGATIVE_INFINITY;
  private readonly unreadAnswers: ByteBudget;
  private readonly partialRequests: ByteBudget;

  constructor(options: GrpcServerOptions) {
    this.options = options;
    this.clock = options.clock ?? new RealClock();
    this.limits = {
      receiveMessageBytesMax: options.receiveMessageBytesMax ?? MESSAGE_BYTES_MAX_DEFAULT,
      sendMessageBytesMax: options.sendMessageBytesMax ?? MESSAGE_BYTES_MAX_DEFAULT,
      requestQueueMax: options.requestQueueMax ?? 16,
      unreadAnswerMs: options.unreadAnswerMs ?? UNREAD_ANSWER_MS_DEFAULT,
      partialRequestMs: options.partialRequestMs ?? PARTIAL_REQUEST_MS_DEFAULT,
    };
    this.partialRequests = new ByteBudget(
      options.partialRequestBytesMax ?? PARTIAL_REQUEST_BYTES_MAX_DEFAULT,
    );
    this.unreadAnswers = new ByteBudget(
      options.unreadAnswerBytesMax ?? UNREAD_ANSWER_BYTES_MAX_DEFAULT,
    );
    this.sessions = new SessionGuard(
      {
        sessionsMax: options.sessionsMax ?? SESSIONS_MAX_DEFAULT,
        idleMs: options.sessionIdleMs ?? SESSION_IDLE_MS_DEFAULT,
      },
      this.clock,
    );
    this.server = createHttp2Server(options.concurrentStreamsMax ?? 100, options.tls);
    const { health } = options;
    this.door =
      options.tls === undefined && health !== undefined
        ? plainHttpDoor(this.server, health)
        : undefined;
    this.listener = this.door?.listener ?? this.server;
    this.handshakes =
      options.tls === undefined
        ? undefined
        : boundHandshakes(this.server, options.pendingHandshakesMax ?? PENDING_HANDSHAKES_MAX);
    this.server.on("session", (session: http2.ServerHttp2Session) => this.onSession(session));
    // A server's streams are ServerHttp2Streams; bun-types declare the base Http2Stream.
    this.server.on("stream", (stream: http2.Http2Stream, headers: http2.IncomingHttpHeaders) =>
      this.onStream(stream as http2.ServerHttp2Stream, headers),
    );
    // Without these listeners a bad connection would be an unhandled 'error' event.
    this.server.on("sessionError", (error: Error) => this.logDebug("gRPC session error", error));
    // A client that fails the handshake (no certificate, not TLS at all): its problem.
    this.server.on("tlsClientError", (error: Error) =>
      this.logDebug("TLS handshake failed", error),
    );
    this.server.on("error", (error: Error) =>
      this.options.logger.warn(`gRPC server error: ${error}`),
    );
  }

  /** `limits` overrides the server's for this method (e.g. a larger message for peer batches). */
  addUnary<Request, Response>(
    method: MethodDescriptor<Request, Response>,
    handler: UnaryHandler<Request, Response>,
    limits: RouteLimits = {},
  ): void {
    const isUnary = () => !method.isRequestStream && !method.isResponseStream;
    this.addRoute(shapeChecked(unaryRoute(method, handler, limits), isUnary, "unary"));
  }

  addServerStreaming<Request, Response>(
    method: MethodDescriptor<Request, Response>,
    handler: ServerStreamingHandler<Request, Response>,
  ): void {
    const isServerStreaming = () => !method.isRequestStream && method.isResponseStream;
    const route = serverStreamingRoute(method, handler);
    this.addRoute(shapeChecked(route, isServerStreaming, "server streaming"));
  }

  addBidiStreaming<Request, Response>(
    method: MethodDescriptor<Request, Response>,
    handler: BidiStreamingHandler<Request, Response>,
    limits: RouteLimits = {},
  ): void {
    const isBidi = () => method.isRequestStream && method.isResponseStream;
    const route = bidiStreamingRoute(method, handler, limits);
    this.addRoute(shapeChecked(route, isBidi, "bidi streaming"));
  }

  /** Calls running now (accepted and not yet finished). */
  get activeCalls(): number {
    return this.calls.size;
  }

  /** Fully qualified names of the services with at least one registered method, sorted. */
  serviceNames(): string[] {
    const names = new Set<string>();
    for (const path of this.routes.keys()) names.add(path.slice(1, path.lastIndexOf("/")));
    return [...names].sort();
  }

  /** Starts listening; resolves with the bound address, rejects with a ListenError. */
  listen(host: string, port: number): Promise<ListenAddress> {
    const shown = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
    return new Promise((resolve, reject) => {
      const onError = (error: Error): void => reject(new ListenError(shown, error));
      this.listener.once("error", onError);
      this.listener.listen(port, host, () => {
        this.listener.off("error", onError);
        const bound = this.listener.address();
        resolve({ host, port: typeof bound === "object" && bound !== null ? bound.port : port });
      });
    });
  }

  /**
   * Stops accepting connections and calls (GOAWAY), ends running streams with UNAVAILABLE,
   * lets running unary calls finish for closeGraceMs, then destroys what is left: those calls
   * lose their answer (their handlers' signals abort). A unary call may have done its work (a
   * start proposed, or forwarded to a leader that started it): answered UNAVAILABLE, "retry
   * on another node", it ran twice when its caller did so, where a lost answer says its
   * outcome is unknown.
   */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.listener.close(() => resolve());
      this.door?.closeUndecided();
      this.handshakes?.closeAll();
      for (const call of this.calls) {
        if (!call.isUnary) call.finish(GrpcStatus.UNAVAILABLE, "the server is shutting down");
      }
      for (const session of this.sessions.sessions()) session.close();
      this.clock.setTimer(this.options.closeGraceMs ?? 500, () => {
        for (const session of [...this.sessions.sessions()]) session.destroy();
        // A server that never listened has no 'close' to wait for.
        if (!this.listener.listening) resolve();
      });
    });
    return this.closing;
  }

  private addRoute(route: Route): void {
    assert(/^\/[^/]+\/[^/]+$/.test(route.path), `bad method path ${route.path}`);
    assert(!this.routes.has(route.path), `method ${route.path} is registered twice`);
    this.routes.set(route.path, route);
  }

  private onSession(session: http2.ServerHttp2Session): void {
    session.on("error", (error) => this.logDebug("gRPC connection error", error));
    if (this.closing !== undefined) {
      session.destroy();
      return;
    }
    const outcome = this.sessions.admit(session);
    if (outcome !== undefined) this.warnAtCap(outcome);
  }

  /** Says, at most once every CAP_WARNING_EVERY_MS, that the connection cap was reached. */
  private warnAtCap(outcome: NonNullable<AdmitOutcome>): void {
    const nowMs = this.clock.nowMs();
    if (nowMs < this.capWarnedAtMs + CAP_WARNING_EVERY_MS) return;
    this.capWarnedAtMs = nowMs;
    const max = this.options.sessionsMax ?? SESSIONS_MAX_DEFAULT;
    this.options.logger.warn(
      `gRPC connections at the limit of ${max}: a new one ${outcome}` +
        (outcome === "refused"
          ? " (every open one has made an authorized call)"
          : " (one that never made an authorized call)") +
        "; many connections from one place may be an attack, or clients that do not reuse theirs",
    );
  }

  private onStream(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void {
    // A reset can surface as an 'error' before the call installs its own listener.
    stream.on("error", (error) => this.logDebug("gRPC stream error", error));
    this.sessions.trackStream(stream);
    const route = this.routeFor(stream, headers);
    if (route === undefined) return;
    const metadata = metadataOf(headers);
    const access = this.accessOf(stream, route.path, metadata);
    if (access === "refused") return;
    if (access === "proven") this.sessions.trust(stream);
    const routeBytesMax = route.receiveMessageBytesMax ?? this.limits.receiveMessageBytesMax;
    const call = new ServerCall(stream, headers, {
      route,
      limits: {
        ...this.limits,
        receiveMessageBytesMax:
          access === "open" ? Math.min(routeBytesMax, OPEN_CALL_MESSAGE_BYTES_MAX) : routeBytesMax,
      },
      clock: this.clock,
      peer: peerOf(stream.session?.socket),
      metadata,
      unreadAnswers: this.unreadAnswers,
      partialRequests: route.isPeerTraffic === true ? undefined : this.partialRequests,
      onUnexpectedError: (path, error) =>
        this.options.logger.error(`gRPC handler failed: ${describeError(error)}`, { path }),
    });
    this.calls.add(call);
    void call.done.then(() => this.calls.delete(call)); // `done` never rejects.
  }

  /** The route for a request, or undefined after answering it with the right error. */
  private routeFor(
    stream: http2.ServerHttp2Stream,
    headers: http2.IncomingHttpHeaders,
  ): Route | undefined {
    const path = headers[":path"] ?? "";
    if (this.closing !== undefined) {
      rejectStream(stream, {
        grpcCode: GrpcStatus.UNAVAILABLE,
        message: "the server is shutting down",
      });
      return undefined;
    }
    if (headers[":method"] === "GET" && isHealthPath(path) && this.options.health !== undefined) {
      answerHealth(stream, this.options.health());
      return undefined;
    }
    if (headers[":method"] !== "POST") {
      const message = `gRPC needs POST, got ${headers[":method"]}`;
      rejectStream(stream, { grpcCode: GrpcStatus.INTERNAL, message, httpStatus: 405 });
      return undefined;
    }
    const contentType = headerText(headers["content-type"]) ?? "";
    if (!CONTENT_TYPE.test(contentType)) {
      const message = `unsupported content-type '${contentType}'; use application/grpc`;
      rejectStream(stream, { grpcCode: GrpcStatus.INTERNAL, message, httpStatus: 415 });
      return undefined;
    }
    const encoding = headerText(headers["grpc-encoding"]);
    if (encoding !== undefined && encoding !== "identity") {
      const message = `message compression '${encoding}' is not supported; use identity`;
      rejectStream(
        stream,
        { grpcCode: GrpcStatus.UNIMPLEMENTED, message },
        { "grpc-accept-encoding": "identity" },
      );
      return undefined;
    }
    const route = this.routes.get(path);
    if (route === undefined) {
      rejectStream(stream, {
        grpcCode: GrpcStatus.UNIMPLEMENTED,
        message: `unknown method ${path}`,
      });
    }
    return route;
  }

  /** Runs the authorize hook; a refusal is answered here with the status of its code. */
  private accessOf(
    stream: http2.ServerHttp2Stream,
    path: string,
    metadata: Metadata,
  ): "proven" | "open" | "refused" {
    try {
      return (this.options.authorize?.(path, metadata) ?? true) ? "proven" : "open";
    } catch (error) {
      const reply = statusOfError(error);
      if (reply.isUnexpected) this.options.logger.error(`gRPC authorization failed: ${error}`);
      else this.logDebug(`gRPC call refused (${path})`, error);
      rejectStream(stream, reply);
      return "refused";
    }
  }

  private logDebug(what: string, error: unknown): void {
    this.options.logger.debug(`${what}: ${describeError(error)}`);
  }
}

function createHttp2Server(
  streamsPerSessionMax: number,
  tls: ServerTls | undefined,
): http2.Http2Server | http2.Http2SecureServer {
  const settings = { maxConcurrentStreams: streamsPerSessionMax };
  if (tls === undefined) return http2.createServer({ settings });
  return http2.createSecureServer({
    settings,
    cert: tls.cert,
    key: tls.key,
    ...(tls.ca === undefined ? {} : { ca: tls.ca }),
    requestCert: tls.isClientCertRequired,
    rejectUnauthorized: tls.isClientCertRequired,
    // gRPC is HTTP/2 only: a client that cannot negotiate h2 is refused in the handshake.
    ALPNProtocols: ["h2"],
    allowHTTP1: false,
    handshakeTimeout: TLS_HANDSHAKE_TIMEOUT_MS,
  });
}

/** GET /health over HTTP/2: JSON, as over HTTP/1.1. */
function answerHealth(stream: http2.ServerHttp2Stream, { status, json }: PlainHttpAnswer): void {
  try {
    stream.respond({ ":status": status, "content-type": "application/json" });
    stream.end(json);
  } catch (error) {
    // The client reset the stream meanwhile: nobody to tell.
    void error;
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

function systemCodeOf(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null || !("code" in error)) return undefined;
  return typeof error.code === "string" ? error.code : undefined;
}

const SYSTEM_CODE_TEXT: Readonly<Record<string, string>> = {
  EADDRINUSE: "Address already in use",
  EADDRNOTAVAIL: "Address not available on this host",
  EACCES: "Permission denied",
};

function describeListenFailure(error: unknown): string {
  const code = systemCodeOf(error);
  const text = code === undefined ? undefined : SYSTEM_CODE_TEXT[code];
  if (code !== undefined && text !== undefined) return `${text} (${code})`;
  return error instanceof Error ? error.message : String(error);
}

/**
 * Checks at the method's first call that the .proto gives it the shape it was registered
 * with: reading the shape builds the .proto types, which registering should not (protoMethod).
 */
function shapeChecked(route: Route, hasShape: () => boolean, shape: string): Route {
  let isChecked = false;
  return {
    ...route,
    run(requests, context) {
      if (!isChecked) {
        assert(hasShape(), `${route.path} is not ${shape}`);
        isChecked = true;
      }
      return route.run(requests, context);
    },
  };
}
