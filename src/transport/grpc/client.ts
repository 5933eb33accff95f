// The gRPC client for one target address: one persistent HTTP/2 session (re-created after it
// closes), many calls multiplexed on it, a bound on calls in flight, and per-call deadlines
// kept with a plain timer (stream.setTimeout leaks session listeners in Bun, §5).

import type { OutgoingHttpHeaders } from "node:http2";
import { type Clock, InvalidArgumentError, RealClock } from "../../lib/index.ts";
import {
  type CallCredentials,
  type ClientTls,
  KEEPALIVE_DEFAULT,
  type KeepaliveTiming,
} from "../index.ts";
import { type ClientCall, startClientCall } from "./client-call.ts";
import { BACKOFF_DEFAULT, type BackoffOptions, ClientConnection } from "./client-connection.ts";
import { MESSAGE_BYTES_MAX_DEFAULT } from "./framing.ts";
import type { Metadata, MethodDescriptor } from "./method.ts";
import { GrpcStatus, GrpcStatusError } from "./status.ts";
import { formatGrpcTimeout } from "./timeout.ts";

export interface GrpcClientOptions {
  /** "host:port" or "[ipv6]:port". */
  readonly address: string;
  readonly clock?: Clock;
  /** Jitter source for reconnect backoff; a seeded one makes tests repeatable. */
  readonly random?: () => number;
  /** Calls in flight at once; one more fails with RESOURCE_EXHAUSTED. Default CALLS_MAX_DEFAULT. */
  readonly concurrentCallsMax?: number;
  readonly receiveMessageBytesMax?: number;
  readonly sendMessageBytesMax?: number;
  readonly backoff?: BackoffOptions;
  /** Default 5000 ms. */
  readonly connectTimeoutMs?: number;
  /** Dial with TLS (https:// in gRPC terms: grpcs://); absent: cleartext h2c. */
  readonly tls?: ClientTls;
  /** Metadata proving who calls (a bearer token, the cluster secret), added to every call. */
  readonly credentials?: CallCredentials;
  /** How the session is pinged while calls are in flight. Default KEEPALIVE_DEFAULT. */
  readonly keepalive?: KeepaliveTiming;
}

export interface CallOptions {
  /** Give up after this long (DEADLINE_EXCEEDED); also sent to the server as grpc-timeout. */
  readonly timeoutMs?: number;
  /** Absolute deadline on the client's clock, e.g. a server handler's `context.deadlineMs`. */
  readonly deadlineMs?: number;
  /** Aborting cancels the call (CANCELLED). */
  readonly signal?: AbortSignal;
  /** Custom metadata: lowercase keys, not reserved by gRPC; `-bin` keys carry base64. */
  readonly metadata?: Metadata;
}

/** A call that streams requests (see GrpcClient.bidiStreaming). */
export interface BidiCall<Request, Response> {
  readonly responses: AsyncIterable<Response>;
  /** Throws GrpcStatusError RESOURCE_EXHAUSTED for a request larger than the send limit. */
  send(request: Request): void;
  /** Bytes sent and not yet on the network. */
  bufferedBytes(): number;
  end(): void;
  /** Ends the call now; the responses fail with CANCELLED. */
  cancel(message: string): void;
}

/** Calls a client has in flight at once by default: a node's HTTP/2 limit per connection. */
export const CALLS_MAX_DEFAULT = 100;

/**
 * The HTTP/2 session's memory cap for a client that has `callsMax` calls in flight, each
 * sending at most `messageBytesMax`: all of them at once, and as much again for the answers
 * and the session's own bookkeeping. Bun's default, 10 MB, guards a server against a peer;
 * on a client it bound first: the 11th call of 1 MB beside calls that waited was refused
 * with ENHANCE_YOUR_CALM, and the session then failed with the answers of calls already sent.
 * What the client holds is what its callers gave it, bounded by these two limits.
 */
function sessionMemoryMb(callsMax: number, messageBytesMax: number): number {
  return Math.ceil((2 * callsMax * messageBytesMax) / (1024 * 1024)) + 16;
}

const RESERVED_METADATA = /^(:|grpc-|content-type$|te$|user-agent$|connection$|host$)/;

/** Calls methods on one server. Failures are GrpcStatusError; close() when done. */
export class GrpcClient {
  readonly address: string;
  private readonly clock: Clock;
  private readonly connection: ClientConnection;
  private readonly concurrentCallsMax: number;
  private readonly receiveMessageBytesMax: number;
  private readonly sendMessageBytesMax: number;
  private readonly credentials: CallCredentials | undefined;
  private activeCallCount = 0;

  constructor(options: GrpcClientOptions) {
    this.address = options.address;
    this.clock = options.clock ?? new RealClock();
    this.concurrentCallsMax = options.concurrentCallsMax ?? CALLS_MAX_DEFAULT;
    this.receiveMessageBytesMax = options.receiveMessageBytesMax ?? MESSAGE_BYTES_MAX_DEFAULT;
    this.sendMessageBytesMax = options.sendMessageBytesMax ?? MESSAGE_BYTES_MAX_DEFAULT;
    this.credentials = options.credentials;
    this.connection = new ClientConnection(options.address, {
      clock: this.clock,
      random: options.random ?? Math.random,
      backoff: options.backoff ?? BACKOFF_DEFAULT,
      connectTimeoutMs: options.connectTimeoutMs ?? 5_000,
      maxHeaderListBytes: 16 * 1024,
      sessionMemoryMb: sessionMemoryMb(this.concurrentCallsMax, this.sendMessageBytesMax),
      ...(options.tls === undefined ? {} : { tls: options.tls }),
      keepalive: options.keepalive ?? KEEPALIVE_DEFAULT,
      hasCalls: () => this.activeCallCount > 0,
    });
  }

  /** Calls in flight now. */
  get activeCalls(): number {
    return this.activeCallCount;
  }

  /** One request, one response. */
  async unary<Request, Response>(
    method: MethodDescriptor<Request, Response>,
    request: Request,
    options: CallOptions = {},
  ): Promise<Response> {
    let response: Uint8Array | undefined;
    let count = 0;
    for await (const message of this.start(method, request, options)) {
      response ??= message;
      count++;
    }
    if (response === undefined || count !== 1) {
      // The gRPC status-code table: a cardinality violation is UNIMPLEMENTED.
      throw new GrpcStatusError(
        GrpcStatus.UNIMPLEMENTED,
        `${method.path}: expected one response message, got ${count}`,
      );
    }
    return method.responseCodec.decode(response);
  }

  /** One request, a stream of responses; stopping the loop early cancels the call. */
  serverStreaming<Request, Response>(
    method: MethodDescriptor<Request, Response>,
    request: Request,
    options: CallOptions = {},
  ): AsyncIterable<Response> {
    return decodeEach(this.start(method, request, options), method);
  }

  /**
   * Requests and responses both streamed: send() each request, end() after the last; the
   * responses come as the server sends them, and the loop over them ends with the status.
   */
  bidiStreaming<Request, Response>(
    method: MethodDescriptor<Request, Response>,
    options: CallOptions = {},
  ): BidiCall<Request, Response> {
    if (!method.isRequestStream) {
      throw new InvalidArgumentError(`${method.path} takes one request; call it with unary()`);
    }
    const call = this.startCall(method.path, undefined, options);
    return {
      responses: decodeEach(call.responses, method),
      send: (request) => {
        call.write(this.encodeRequest(method, request));
      },
      bufferedBytes: () => call.bufferedBytes,
      end: () => call.end(),
      cancel: (message) => call.cancel(GrpcStatus.CANCELLED, message),
    };
  }

  /** The server is known to be up: a reconnect backoff ends (ClientConnection.retryNow). */
  retryNow(): void {
    this.connection.retryNow();
  }

  /** Closes the session; calls in flight fail with UNAVAILABLE, later calls too. */
  close(): void {
    this.connection.close();
  }

  private start<Request>(
    method: MethodDescriptor<Request, unknown>,
    request: Request,
    options: CallOptions,
  ): AsyncIterable<Uint8Array> {
    assertRequestStream(method.path, method.isRequestStream);
    return this.startCall(method.path, this.encodeRequest(method, request), options).responses;
  }

  private encodeRequest<Request>(
    method: MethodDescriptor<Request, unknown>,
    request: Request,
  ): Uint8Array {
    const encoded = method.requestCodec.encode(request);
    if (encoded.byteLength > this.sendMessageBytesMax) {
      throw new GrpcStatusError(
        GrpcStatus.RESOURCE_EXHAUSTED,
        `${method.path}: request larger than max (${encoded.byteLength} vs. ${this.sendMessageBytesMax} bytes); send less: keep large data outside the workflow and pass a reference to it`,
      );
    }
    return encoded;
  }

  /** `request` undefined: the caller writes the requests to the returned call. */
  private startCall(
    path: string,
    request: Uint8Array | undefined,
    options: CallOptions,
  ): ClientCall {
    const timeoutMs = this.timeoutOf(options);
    if (timeoutMs !== undefined && timeoutMs <= 0) {
      throw new GrpcStatusError(GrpcStatus.DEADLINE_EXCEEDED, `${path}: deadline already passed`);
    }
    if (this.activeCallCount >= this.concurrentCallsMax) {
      throw new GrpcStatusError(
        GrpcStatus.RESOURCE_EXHAUSTED,
        `too many calls in flight to ${this.address} (limit ${this.concurrentCallsMax}); retry later`,
      );
    }
    const session = this.connection.session();
    this.activeCallCount++;
    return startClientCall({
      session,
      address: this.address,
      path,
      request,
      headers: {
        ...requestHeaders(options.metadata, timeoutMs),
        ...this.credentials?.(path, this.address),
      },
      timeoutMs,
      signal: options.signal,
      clock: this.clock,
      receiveMessageBytesMax: this.receiveMessageBytesMax,
      onAnswered: () => this.connection.markHealthy(session),
      describeFailure: (failure) => this.connection.describeFailure(failure, session),
      hasPeerSpoken: () => this.connection.hasPeerSpoken(session),
      onDone: () => {
        this.activeCallCount--;
      },
    });
  }

  private timeoutOf(options: CallOptions): number | undefined {
    const fromDeadline =
      options.deadlineMs === undefined ? undefined : options.deadlineMs - this.clock.nowMs();
    if (options.timeoutMs === undefined) return fromDeadline;
    return fromDeadline === undefined
      ? options.timeoutMs
      : Math.min(fromDeadline, options.timeoutMs);
  }
}

async function* decodeEach<Response>(
  messages: AsyncIterable<Uint8Array>,
  method: MethodDescriptor<unknown, Response>,
): AsyncIterable<Response> {
  for await (const message of messages) yield method.responseCodec.decode(message);
}

function assertRequestStream(path: string, isRequestStream: boolean): void {
  if (isRequestStream) {
    throw new InvalidArgumentError(`${path} streams requests; this client sends one request only`);
  }
}

function requestHeaders(
  metadata: Metadata | undefined,
  timeoutMs: number | undefined,
): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  for (const [key, value] of Object.entries(metadata ?? {})) {
    if (!/^[0-9a-z_.-]+$/.test(key) || RESERVED_METADATA.test(key)) {
      throw new InvalidArgumentError(`metadata key '${key}' is reserved or not lowercase`);
    }
    if (!/^[\x20-\x7e]*$/.test(value)) {
      throw new InvalidArgumentError(`metadata '${key}' must be printable ASCII (base64 for -bin)`);
    }
    headers[key] = value;
  }
  if (timeoutMs !== undefined) headers["grpc-timeout"] = formatGrpcTimeout(timeoutMs);
  return headers;
}
