// One gRPC call on the client: sends the request frame (or, for a call that streams requests,
// each frame as the caller writes it), collects response frames and turns the outcome
// (trailers, Trailers-Only headers, HTTP status, RST_STREAM, lost connection, deadline, abort)
// into exactly one result: the queue of responses ends or fails.

import http2 from "node:http2";
import type { Clock } from "../../lib/index.ts";
import { isTlsRefusal } from "../index.ts";
import { AsyncQueue } from "./async-queue.ts";
import { encodeFrame, FrameDecoder } from "./framing.ts";
import { decodeGrpcMessage } from "./grpc-message.ts";
import { flushSession } from "./session-flush.ts";
import { GrpcStatus, GrpcStatusError, NOT_DONE_HEADER, parseGrpcStatus } from "./status.ts";

export interface ClientCallSetup {
  readonly session: http2.ClientHttp2Session;
  readonly address: string;
  readonly path: string;
  /** The encoded request message; undefined: the caller streams them with write() and end(). */
  readonly request: Uint8Array | undefined;
  /** Metadata and grpc-timeout, added to the standard gRPC request headers. */
  readonly headers: http2.OutgoingHttpHeaders;
  /** Cancels the call with DEADLINE_EXCEEDED after this long; undefined = no deadline. */
  readonly timeoutMs: number | undefined;
  readonly signal: AbortSignal | undefined;
  readonly clock: Clock;
  readonly receiveMessageBytesMax: number;
  /** The peer sent response headers: its connection works. */
  readonly onAnswered: () => void;
  /** A lost connection's error text, with a hint on what to do when there is one. */
  readonly describeFailure: (failure: string) => string;
  /** Whether the peer spoke HTTP/2 on the session: only then may it have taken the request. */
  readonly hasPeerSpoken: () => boolean;
  /** Called exactly once when the call is over. */
  readonly onDone: () => void;
}

const {
  NGHTTP2_CANCEL,
  NGHTTP2_NO_ERROR,
  NGHTTP2_REFUSED_STREAM,
  NGHTTP2_ENHANCE_YOUR_CALM,
  NGHTTP2_INTERNAL_ERROR,
} = http2.constants;

/** Decoded responses buffered for a slow consumer before we stop reading the stream. */
const RESPONSE_QUEUE_MAX = 16;

/** Starts the call; its `responses` yield response messages and end with the status. */
export function startClientCall(setup: ClientCallSetup): ClientCall {
  return new ClientCall(setup);
}

interface Status {
  readonly code: GrpcStatus;
  readonly message: string;
  /** No status came from the peer, which may have received the request (isAnswerLost). */
  readonly isAnswerLost?: boolean;
  /** The peer sent this status (RaftoralError.isAnswer). */
  readonly isAnswer?: boolean;
  /** The peer said it did nothing for the call (RaftoralError.isNotDone). */
  readonly isNotDone?: boolean;
}

export class ClientCall {
  readonly responses: AsyncQueue<Uint8Array>;
  private readonly setup: ClientCallSetup;
  private readonly stream: http2.ClientHttp2Stream;
  private readonly decoder: FrameDecoder;
  private status: Status | undefined;
  private streamError: Error | undefined;
  private isFinished = false;
  private cancelTimer: (() => void) | undefined;
  private readonly onAbort = (): void =>
    this.cancel(GrpcStatus.CANCELLED, `call to ${this.setup.path} cancelled by the caller`);

  constructor(setup: ClientCallSetup) {
    this.setup = setup;
    this.responses = new AsyncQueue({
      onTake: () => {
        if (this.stream.isPaused() && this.responses.size < RESPONSE_QUEUE_MAX)
          this.stream.resume();
      },
      onReturn: () => this.cancel(GrpcStatus.CANCELLED, "the caller stopped reading"),
    });
    this.decoder = new FrameDecoder({ messageBytesMax: setup.receiveMessageBytesMax });
    this.stream = this.open();
    this.stream.on("response", (headers) => this.onResponse(headers));
    this.stream.on("data", (chunk: Uint8Array) => this.onData(chunk));
    this.stream.on("trailers", (trailers) => {
      this.status ??= statusOf(trailers);
      this.endRequests();
    });
    // Errors also end in 'close', where the outcome is decided; keep the first for the text.
    this.stream.on("error", (error: Error) => {
      this.streamError ??= error;
    });
    this.stream.on("close", () => this.onClose());
    if (setup.request !== undefined) this.stream.end(encodeFrame(setup.request));
    if (setup.timeoutMs !== undefined) {
      const timeoutMs = setup.timeoutMs;
      this.cancelTimer = setup.clock.setTimer(timeoutMs, () =>
        this.cancel(GrpcStatus.DEADLINE_EXCEEDED, `deadline of ${timeoutMs} ms exceeded`),
      );
    }
    setup.signal?.addEventListener("abort", this.onAbort, { once: true });
  }

  /**
   * Writes one more request message and sends it at once; after the call is over, nothing
   * (its end was reported).
   */
  write(message: Uint8Array): void {
    if (this.isFinished || this.stream.closed || this.stream.destroyed) return;
    this.stream.write(encodeFrame(message));
    flushSession(this.setup.session);
  }

  /** Bytes written and not yet sent (HTTP/2 flow control or a slow socket holds them). */
  get bufferedBytes(): number {
    return this.stream.writableLength;
  }

  /** No more requests: half-closes the stream; the responses and the status still come. */
  end(): void {
    if (!this.isFinished && !this.stream.closed && !this.stream.destroyed) this.stream.end();
  }

  /**
   * The server sent its status: the call is over. A call that streams requests half-closes
   * too, or the stream would never close (HTTP/2 closes it once both sides ended).
   */
  private endRequests(): void {
    if (this.setup.request === undefined) this.end();
  }

  private open(): http2.ClientHttp2Stream {
    try {
      return this.setup.session.request(
        {
          ":method": "POST",
          ":path": this.setup.path,
          "content-type": "application/grpc",
          te: "trailers",
          "grpc-accept-encoding": "identity",
          "user-agent": "raftoral-grpc",
          ...this.setup.headers,
        },
        { endStream: false },
      );
    } catch (error) {
      // The session died between our check and the request (GOAWAY, reset): retryable.
      this.setup.onDone();
      throw new GrpcStatusError(
        GrpcStatus.UNAVAILABLE,
        `cannot start a call to ${this.setup.address}: ${error instanceof Error ? error.message : error}`,
        { cause: error },
      );
    }
  }

  private onResponse(headers: http2.IncomingHttpHeaders & http2.IncomingHttpStatusHeader): void {
    this.setup.onAnswered();
    const grpcStatus = statusOf(headers);
    if (grpcStatus !== undefined) {
      this.status = grpcStatus; // Trailers-Only: the headers carry the status.
      this.endRequests();
      return;
    }
    const httpStatus = headers[":status"] ?? 0;
    if (httpStatus !== 200) {
      this.status = { code: grpcCodeOfHttp(httpStatus), message: `HTTP status ${httpStatus}` };
      return;
    }
    const contentType = String(headers["content-type"] ?? "");
    if (!contentType.startsWith("application/grpc")) {
      this.status = {
        code: GrpcStatus.UNKNOWN,
        message: `unexpected content-type '${contentType}' in the response`,
      };
    }
  }

  private onData(chunk: Uint8Array): void {
    if (this.isFinished) return;
    try {
      for (const message of this.decoder.push(chunk)) this.responses.push(message);
      // A slow stream consumer: stop reading and let HTTP/2 flow control hold the server.
      if (this.responses.size >= RESPONSE_QUEUE_MAX) this.stream.pause();
    } catch (error) {
      const failure = error instanceof GrpcStatusError ? error : undefined;
      this.cancel(failure?.grpcCode ?? GrpcStatus.INTERNAL, failure?.message ?? String(error));
    }
  }

  private onClose(): void {
    if (this.isFinished) return;
    const status = this.status ?? this.statusWithoutTrailers();
    if (status.code === GrpcStatus.OK && this.decoder.hasPartialFrame) {
      this.finish({ code: GrpcStatus.INTERNAL, message: "the response ended inside a message" });
      return;
    }
    this.finish(status);
  }

  /** Why a stream closed without a grpc-status: a reset, a lost connection, or a bad peer. */
  private statusWithoutTrailers(): Status {
    const rstCode = this.stream.rstCode ?? NGHTTP2_NO_ERROR;
    // A connection that failed or dropped cancels its streams with assorted RST codes (Bun
    // uses INTERNAL_ERROR for a refused connect, and for the calls of a server that destroyed
    // its connection, such as one stopping, which may say so before the session does); the
    // call itself is then retryable.
    const isSessionGone =
      this.setup.session.destroyed ||
      this.setup.session.closed ||
      rstCode === NGHTTP2_INTERNAL_ERROR;
    const errorCode = codeOf(this.streamError);
    if (isSessionGone || (errorCode !== undefined && errorCode !== "ERR_HTTP2_STREAM_ERROR")) {
      const why = this.setup.describeFailure(this.streamError?.message ?? "connection closed");
      // A stream the session would not create, the server having said GOAWAY: never sent.
      const isNeverSent = errorCode === "ERR_HTTP2_GOAWAY_SESSION" || isTlsRefusal(why);
      return {
        code: GrpcStatus.UNAVAILABLE,
        message: `${this.setup.address} unavailable: ${why}`,
        isAnswerLost: this.setup.hasPeerSpoken() && !isNeverSent,
      };
    }
    if (rstCode === NGHTTP2_REFUSED_STREAM) {
      return { code: GrpcStatus.UNAVAILABLE, message: `${this.setup.address} refused the call` };
    }
    if (rstCode === NGHTTP2_CANCEL) {
      return { code: GrpcStatus.CANCELLED, message: `${this.setup.address} cancelled the call` };
    }
    if (rstCode === NGHTTP2_ENHANCE_YOUR_CALM) {
      return {
        code: GrpcStatus.RESOURCE_EXHAUSTED,
        message: `${this.setup.address}: too many calls`,
      };
    }
    const reason =
      rstCode === NGHTTP2_NO_ERROR ? "without a grpc-status" : `(RST_STREAM ${rstCode})`;
    return { code: GrpcStatus.INTERNAL, message: `${this.setup.address} ended the call ${reason}` };
  }

  /** Ends the call locally (deadline, abort, bad frame, the caller) and resets the stream. */
  cancel(code: GrpcStatus, message: string): void {
    if (this.isFinished) return;
    this.finish({ code, message });
    if (!this.stream.destroyed && !this.stream.closed) this.stream.close(NGHTTP2_CANCEL);
  }

  private finish(status: Status): void {
    this.isFinished = true;
    this.cancelTimer?.();
    this.setup.signal?.removeEventListener("abort", this.onAbort);
    this.setup.onDone();
    if (status.code === GrpcStatus.OK) this.responses.end();
    else {
      const options = {
        isAnswerLost: status.isAnswerLost === true,
        isAnswer: status.isAnswer === true,
        isNotDone: status.isNotDone === true,
      };
      this.responses.fail(new GrpcStatusError(status.code, status.message, options));
    }
  }
}

function statusOf(headers: http2.IncomingHttpHeaders): Status | undefined {
  const code = parseGrpcStatus(headerValue(headers["grpc-status"]));
  if (code === undefined) return undefined;
  const message = decodeGrpcMessage(headerValue(headers["grpc-message"]) ?? "");
  const isNotDone = headerValue(headers[NOT_DONE_HEADER]) === "1";
  return { code, message, isAnswer: true, isNotDone };
}

function codeOf(error: Error | undefined): string | undefined {
  if (error === undefined || !("code" in error)) return undefined;
  return typeof error.code === "string" ? error.code : undefined;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The gRPC spec's mapping for an HTTP status that came without a grpc-status. */
function grpcCodeOfHttp(httpStatus: number): GrpcStatus {
  switch (httpStatus) {
    case 400:
      return GrpcStatus.INTERNAL;
    case 401:
      return GrpcStatus.UNAUTHENTICATED;
    case 403:
      return GrpcStatus.PERMISSION_DENIED;
    case 404:
      return GrpcStatus.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return GrpcStatus.UNAVAILABLE;
    default:
      return GrpcStatus.UNKNOWN;
  }
}
