// One gRPC call on the server: reads request frames from an HTTP/2 stream, runs the route,
// writes response frames and the status. It never throws into node:http2: a client may reset
// the stream at any moment, and respond() on a reset stream throws (BUN_PLATFORM.md §9.2).

import {
  constants,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
  type ServerHttp2Stream,
} from "node:http2";
import type { Clock } from "../../lib/index.ts";
import type { ByteBudget } from "../index.ts";
import { AsyncQueue } from "./async-queue.ts";
import { encodeFrame, FrameDecoder } from "./framing.ts";
import { encodeGrpcMessage } from "./grpc-message.ts";
import type { CallContext } from "./method.ts";
import { SMALL_REQUEST_BYTES } from "./partial-requests.ts";
import type { Route } from "./route.ts";
import { GrpcStatus, GrpcStatusError, NOT_DONE_HEADER, statusOfError } from "./status.ts";
import { parseGrpcTimeout } from "./timeout.ts";
import { SMALL_ANSWER_BYTES } from "./unread-answers.ts";

/** Whether node:http2 can still take a reply on `stream`. */
export function isStreamWritable(stream: ServerHttp2Stream): boolean {
  return !stream.destroyed && !stream.closed && stream.session?.destroyed === false;
}

/**
 * Ends a stream that never became a call (bad method, content type, path...): Trailers-Only
 * with the status, and `httpStatus` for the errors the spec gives an HTTP status (415, 405).
 */
export function rejectStream(
  stream: ServerHttp2Stream,
  status: { grpcCode: GrpcStatus; message: string; httpStatus?: number; isNotDone?: boolean },
  extraHeaders: OutgoingHttpHeaders = {},
): void {
  if (!isStreamWritable(stream) || stream.headersSent) return;
  try {
    stream.respond(
      {
        ":status": status.httpStatus ?? 200,
        "content-type": "application/grpc",
        ...statusHeaders(status.grpcCode, status.message, status.isNotDone),
        ...extraHeaders,
      },
      { endStream: true },
    );
  } catch (error) {
    // The client reset the stream between our check and the reply: there is nobody to tell.
    void error;
  }
}

function statusHeaders(
  grpcCode: GrpcStatus,
  message: string,
  isNotDone = false,
): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = { "grpc-status": String(grpcCode) };
  if (message !== "") headers["grpc-message"] = encodeGrpcMessage(message);
  if (isNotDone) headers[NOT_DONE_HEADER] = "1";
  return headers;
}

/** Per-call limits, fixed when the server is created. */
export interface ServerCallLimits {
  /** Largest request message accepted (RESOURCE_EXHAUSTED beyond). */
  readonly receiveMessageBytesMax: number;
  /** Largest response message sent (RESOURCE_EXHAUSTED beyond). */
  readonly sendMessageBytesMax: number;
  /** Decoded requests buffered before we stop reading the stream (flow control does the rest). */
  readonly requestQueueMax: number;
  /** How long an answer may stay unread once the call ended; then its stream is reset. */
  readonly unreadAnswerMs: number;
  /** How long a large request message may take from its first byte to its last. */
  readonly partialRequestMs: number;
}

/** What the server passes to a call besides the stream. */
export interface ServerCallSetup {
  readonly route: Route;
  readonly limits: ServerCallLimits;
  readonly clock: Clock;
  readonly peer: string;
  readonly metadata: Readonly<Record<string, string>>;
  /** The server's budget of large answers not yet read (unread-answers.ts). */
  readonly unreadAnswers: ByteBudget;
  /** The server's budget of large requests not yet whole; none for peer batches. */
  readonly partialRequests: ByteBudget | undefined;
  /** Receives errors a handler threw that we did not expect (logged in full by the server). */
  readonly onUnexpectedError: (path: string, error: unknown) => void;
}

/** Runs one call to completion; `done` settles (never rejects) once the status is sent. */
export class ServerCall {
  /** Resolves when the call is over, whatever the outcome. */
  readonly done: Promise<void>;
  private readonly stream: ServerHttp2Stream;
  private readonly setup: ServerCallSetup;
  private readonly abort = new AbortController();
  private readonly requests: AsyncQueue<Uint8Array>;
  private readonly decoder: FrameDecoder;
  private isFinished = false;
  private trailers: OutgoingHttpHeaders | undefined;
  private cancelDeadline: (() => void) | undefined;
  /** Bytes of this call's large answers counted in the server's unread budget. */
  private unreadBytes = 0;
  private cancelUnreadTimer: (() => void) | undefined;
  /** Bytes of this call's large request message counted in the server's partial budget. */
  private partialBytes = 0;
  private cancelPartialTimer: (() => void) | undefined;

  constructor(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, setup: ServerCallSetup) {
    this.stream = stream;
    this.setup = setup;
    this.requests = new AsyncQueue({ onTake: () => this.maybeResume() });
    this.decoder = new FrameDecoder({
      messageBytesMax: setup.limits.receiveMessageBytesMax,
      encoding: headerText(headers["grpc-encoding"]),
      onMessageStart: (bytes) => this.countPartial(bytes),
      onMessageEnd: () => this.givePartial(),
    });
    this.listen();
    const deadlineMs = this.startDeadline(headerText(headers["grpc-timeout"]));
    const context: CallContext = {
      deadlineMs,
      signal: this.abort.signal,
      peer: setup.peer,
      metadata: setup.metadata,
    };
    this.done = this.isFinished ? Promise.resolve() : this.pump(context);
  }

  /** Whether the call is a unary one (Route.isUnary). */
  get isUnary(): boolean {
    return this.setup.route.isUnary === true;
  }

  /**
   * Ends the call with `grpcCode` unless it already ended; aborts the handler's signal.
   * `isNotDone`: the call was refused before it did anything (RaftoralError.isNotDone).
   */
  finish(grpcCode: GrpcStatus, message: string, isNotDone = false): void {
    if (this.isFinished) return;
    this.isFinished = true;
    this.cancelDeadline?.();
    this.givePartial();
    if (grpcCode !== GrpcStatus.OK) {
      const reason = new GrpcStatusError(grpcCode, message);
      this.abort.abort(reason);
      this.requests.fail(reason);
    }
    if (!isStreamWritable(this.stream)) return;
    if (!this.stream.headersSent) {
      rejectStream(this.stream, { grpcCode, message, isNotDone });
      return;
    }
    this.trailers = statusHeaders(grpcCode, message, isNotDone);
    try {
      this.stream.end(); // Emits 'wantTrailers' once queued data is flushed.
    } catch (error) {
      // The stream was reset while we ended it: the client is gone, nothing to deliver.
      void error;
    }
    // A small answer is not timed (a timer per call would cost every call): one that stays
    // unread holds at most the stream's write buffer, and one that did not fit in it already
    // started the timer in sendMessage.
    if (this.unreadBytes > 0) this.resetIfUnread();
  }

  /**
   * Resets the stream if its client has not read what was written a while from now: the
   * answer would otherwise stay in memory for as long as the client keeps its connection.
   */
  private resetIfUnread(): void {
    if (this.cancelUnreadTimer !== undefined || !isStreamWritable(this.stream)) return;
    this.cancelUnreadTimer = this.setup.clock.setTimer(this.setup.limits.unreadAnswerMs, () => {
      if (isStreamWritable(this.stream)) this.stream.close(constants.NGHTTP2_CANCEL);
    });
  }

  private cancelResetIfUnread(): void {
    this.cancelUnreadTimer?.();
    this.cancelUnreadTimer = undefined;
  }

  private listen(): void {
    const stream = this.stream;
    stream.on("data", (chunk: Uint8Array) => this.onData(chunk));
    stream.on("end", () => this.onEnd());
    stream.on("wantTrailers", () => this.sendTrailers());
    // A client reset or a broken connection: the handler must stop and nothing can be sent.
    stream.on("close", () => {
      this.cancelResetIfUnread();
      this.setup.unreadAnswers.give(this.unreadBytes);
      this.unreadBytes = 0;
      this.onGone(`the client closed the stream`);
    });
    stream.on("aborted", () => this.onGone("the client aborted the call"));
    stream.on("error", (error: Error) => this.onGone(`stream error: ${error.message}`));
  }

  private onData(chunk: Uint8Array): void {
    if (this.isFinished) return; // Discard what a client sends after we ended the call.
    let messages: Uint8Array[];
    try {
      messages = this.decoder.push(chunk);
    } catch (error) {
      const reply = statusOfError(error);
      this.finish(reply.grpcCode, reply.message);
      return;
    }
    for (const message of messages) this.requests.push(message);
    if (this.requests.size >= this.setup.limits.requestQueueMax) this.stream.pause();
  }

  private onEnd(): void {
    if (this.isFinished) return;
    if (this.decoder.hasPartialFrame) {
      this.finish(GrpcStatus.INTERNAL, "the request ended inside a message frame (truncated)");
      return;
    }
    this.requests.end();
  }

  private onGone(why: string): void {
    if (this.isFinished) return;
    this.isFinished = true;
    this.cancelDeadline?.();
    this.givePartial();
    const reason = new GrpcStatusError(GrpcStatus.CANCELLED, `call cancelled: ${why}`);
    this.abort.abort(reason);
    this.requests.fail(reason);
  }

  private maybeResume(): void {
    if (this.stream.isPaused() && this.requests.size < this.setup.limits.requestQueueMax) {
      this.stream.resume();
    }
  }

  private sendTrailers(): void {
    if (!isStreamWritable(this.stream)) return;
    try {
      this.stream.sendTrailers(this.trailers ?? statusHeaders(GrpcStatus.INTERNAL, "no status"));
    } catch (error) {
      // The client reset the stream after our last message: the status has nobody to reach.
      void error;
    }
  }

  private startDeadline(timeoutText: string | undefined): number | undefined {
    if (timeoutText === undefined) return undefined;
    const timeoutMs = parseGrpcTimeout(timeoutText);
    if (timeoutMs === undefined) {
      this.finish(GrpcStatus.INTERNAL, `malformed grpc-timeout header '${timeoutText}'`);
      return undefined;
    }
    const clock = this.setup.clock;
    this.cancelDeadline = clock.setTimer(timeoutMs, () =>
      this.finish(GrpcStatus.DEADLINE_EXCEEDED, `deadline exceeded after ${timeoutMs} ms`),
    );
    return clock.nowMs() + timeoutMs;
  }

  /** Runs the route and sends what it yields; turns whatever it throws into the status. */
  private async pump(context: CallContext): Promise<void> {
    try {
      for await (const message of this.setup.route.run(this.requests, context)) {
        if (this.isFinished) break; // Cancelled or past the deadline: stop the handler.
        await this.sendMessage(message);
      }
      this.finish(GrpcStatus.OK, "");
    } catch (error) {
      const reply = statusOfError(error);
      // A reply on a stream the client just reset throws too; that is no bug of ours.
      const isOurBug = reply.isUnexpected && !this.isFinished && isStreamWritable(this.stream);
      if (isOurBug) this.setup.onUnexpectedError(this.setup.route.path, error);
      this.finish(reply.grpcCode, reply.message, reply.isNotDone);
    }
  }

  /**
   * Counts a large answer in the server's budget of unread answers until the stream closes,
   * or refuses it (RESOURCE_EXHAUSTED) when it does not fit (unread-answers.ts).
   */
  private countUnread(bytes: number): void {
    const unread = this.setup.unreadAnswers;
    if (!unread.tryTake(bytes)) {
      throw new GrpcStatusError(
        GrpcStatus.RESOURCE_EXHAUSTED,
        `this node holds ${unread.bytesHeld} bytes of answers that their callers have not ` +
          `read yet, and this answer's ${bytes} more would pass the limit of ` +
          `${unread.bytesMax}; retry shortly (a caller that reads its answers frees them)`,
      );
    }
    this.unreadBytes += bytes;
  }

  /**
   * Counts a large request message in the server's budget until it is whole or the call ends,
   * and ends the call if it is not whole in time; refuses it (RESOURCE_EXHAUSTED) when it
   * does not fit (partial-requests.ts).
   */
  private countPartial(bytes: number): void {
    const partial = this.setup.partialRequests;
    if (partial === undefined || bytes <= SMALL_REQUEST_BYTES) return;
    if (!partial.tryTake(bytes)) {
      throw new GrpcStatusError(
        GrpcStatus.RESOURCE_EXHAUSTED,
        `this node holds ${partial.bytesHeld} bytes of request messages still arriving, and ` +
          `this message's ${bytes} more would pass the limit of ${partial.bytesMax}; retry shortly`,
      );
    }
    this.partialBytes = bytes;
    const ms = this.setup.limits.partialRequestMs;
    this.cancelPartialTimer = this.setup.clock.setTimer(ms, () =>
      this.finish(
        GrpcStatus.DEADLINE_EXCEEDED,
        `the request message (${bytes} bytes) did not arrive within ${ms} ms; send it at once, or send less`,
      ),
    );
  }

  /** The counted request message is whole, or the call ended: its bytes go back. */
  private givePartial(): void {
    this.cancelPartialTimer?.();
    this.cancelPartialTimer = undefined;
    this.setup.partialRequests?.give(this.partialBytes);
    this.partialBytes = 0;
  }

  /** `bytes` of this call's counted answers left; none once the stream closed gave all back. */
  private giveBackSent(bytes: number): void {
    if (this.unreadBytes < bytes) return;
    this.unreadBytes -= bytes;
    this.setup.unreadAnswers.give(bytes);
  }

  private async sendMessage(message: Uint8Array): Promise<void> {
    const max = this.setup.limits.sendMessageBytesMax;
    if (message.byteLength > max) {
      throw new GrpcStatusError(
        GrpcStatus.RESOURCE_EXHAUSTED,
        `response message larger than max (${message.byteLength} vs. ${max} bytes)`,
      );
    }
    if (!isStreamWritable(this.stream)) return;
    const isCounted = message.byteLength > SMALL_ANSWER_BYTES;
    if (isCounted) this.countUnread(message.byteLength);
    if (!this.stream.headersSent) {
      this.stream.respond(
        { ":status": 200, "content-type": "application/grpc" },
        { waitForTrailers: true },
      );
    }
    // A counted answer's bytes come back once they left (the write's callback, which waits
    // for the client's window), not when the stream closes: a stream kept open after reading
    // its answers held them for good.
    const sent = isCounted ? () => this.giveBackSent(message.byteLength) : undefined;
    if (this.stream.write(encodeFrame(message), sent)) return;
    // Backpressure: wait until node:http2 drained its buffer, or the stream went away.
    this.resetIfUnread();
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.stream.off("drain", done);
        this.stream.off("close", done);
        this.cancelResetIfUnread();
        resolve();
      };
      this.stream.on("drain", done);
      this.stream.on("close", done);
    });
  }
}

/** A header value as one string (node gives arrays for repeated headers). */
export function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(", ") : value;
}
