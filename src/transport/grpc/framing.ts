// gRPC length-prefixed messages: 1 flag byte (bit 0 = compressed), a uint32 big-endian
// length, then the message. The decoder checks the declared length before it buffers the
// body, so a peer cannot make us hold more than `messageBytesMax`. Pure: no I/O.

import { GrpcStatus, GrpcStatusError } from "./status.ts";

/** gRPC's own default limit for received messages; also our default for sent ones. */
export const MESSAGE_BYTES_MAX_DEFAULT = 4 * 1024 * 1024;

/** Bytes in a frame header. */
export const FRAME_HEADER_BYTES = 5;
const FLAG_COMPRESSED = 0x01;

/** Prefixes `message` with an uncompressed frame header. */
export function encodeFrame(message: Uint8Array): Uint8Array {
  const frame = new Uint8Array(FRAME_HEADER_BYTES + message.byteLength);
  // The length big-endian, byte by byte: a DataView would need frame.buffer, and asking a small
  // Uint8Array for its buffer makes JavaScriptCore move its bytes into one of their own.
  const length = message.byteLength;
  frame[1] = length >>> 24;
  frame[2] = (length >>> 16) & 0xff;
  frame[3] = (length >>> 8) & 0xff;
  frame[4] = length & 0xff;
  frame.set(message, FRAME_HEADER_BYTES);
  return frame;
}

export interface FrameDecoderOptions {
  /** Largest message accepted; a larger declared length fails with RESOURCE_EXHAUSTED. */
  readonly messageBytesMax: number;
  /** The peer's grpc-encoding header; we decode only identity, so it picks the error code. */
  readonly encoding?: string | undefined;
  /** Told each message's length once its header is read; may throw to refuse the message. */
  readonly onMessageStart?: (bytes: number) => void;
  /** Told when the message whose start it was told is whole. */
  readonly onMessageEnd?: (bytes: number) => void;
}

/**
 * Splits a byte stream into messages, whatever the chunk boundaries. push() throws a
 * GrpcStatusError for a frame we must refuse; after that the decoder must not be used.
 */
export class FrameDecoder {
  private readonly options: FrameDecoderOptions;
  private chunks: Uint8Array[] = [];
  private bufferedBytes = 0;
  /** Body length of the frame whose header we have read, or -1 while reading a header. */
  private bodyBytes = -1;

  constructor(options: FrameDecoderOptions) {
    this.options = options;
  }

  /** True when bytes of an unfinished frame are buffered: an end of stream now is a truncation. */
  get hasPartialFrame(): boolean {
    return this.bufferedBytes > 0 || this.bodyBytes >= 0;
  }

  /** Adds received bytes and returns every message they complete, in order. */
  push(chunk: Uint8Array): Uint8Array[] {
    if (chunk.byteLength > 0) {
      this.chunks.push(chunk);
      this.bufferedBytes += chunk.byteLength;
    }
    const messages: Uint8Array[] = [];
    for (;;) {
      if (this.bodyBytes < 0) {
        if (this.bufferedBytes < FRAME_HEADER_BYTES) break;
        this.bodyBytes = this.readHeader(this.take(FRAME_HEADER_BYTES));
        this.options.onMessageStart?.(this.bodyBytes);
      }
      if (this.bufferedBytes < this.bodyBytes) break;
      messages.push(this.take(this.bodyBytes));
      this.options.onMessageEnd?.(this.bodyBytes);
      this.bodyBytes = -1;
    }
    return messages;
  }

  private readHeader(header: Uint8Array): number {
    const flags = header[0] ?? 0;
    const length = new DataView(header.buffer, header.byteOffset, FRAME_HEADER_BYTES).getUint32(1);
    if ((flags & ~FLAG_COMPRESSED) !== 0) {
      throw new GrpcStatusError(
        GrpcStatus.INTERNAL,
        `invalid gRPC frame: reserved flag bits set (0x${flags.toString(16)})`,
      );
    }
    if ((flags & FLAG_COMPRESSED) !== 0) throw this.compressedError();
    if (length > this.options.messageBytesMax) {
      throw new GrpcStatusError(
        GrpcStatus.RESOURCE_EXHAUSTED,
        `received message larger than max (${length} vs. ${this.options.messageBytesMax} bytes)`,
      );
    }
    return length;
  }

  // The compression spec: a compressed frame with identity (or no) grpc-encoding is a
  // protocol error (INTERNAL); an encoding we do not implement is UNIMPLEMENTED.
  private compressedError(): GrpcStatusError {
    const encoding = this.options.encoding;
    if (encoding === undefined || encoding === "identity") {
      return new GrpcStatusError(
        GrpcStatus.INTERNAL,
        "compressed gRPC frame received but grpc-encoding is identity",
      );
    }
    return new GrpcStatusError(
      GrpcStatus.UNIMPLEMENTED,
      `message compression '${encoding}' is not supported; send uncompressed messages`,
    );
  }

  /** Removes and returns the first `count` buffered bytes, copying only when they span chunks. */
  private take(count: number): Uint8Array {
    this.bufferedBytes -= count;
    const first = this.chunks[0];
    if (first !== undefined && first.byteLength >= count) {
      if (first.byteLength === count) this.chunks.shift();
      else this.chunks[0] = first.subarray(count);
      return first.subarray(0, count);
    }
    const out = new Uint8Array(count);
    let filled = 0;
    while (filled < count) {
      const chunk = this.chunks[0];
      if (chunk === undefined) break;
      const part = Math.min(chunk.byteLength, count - filled);
      out.set(chunk.subarray(0, part), filled);
      filled += part;
      if (part === chunk.byteLength) this.chunks.shift();
      else this.chunks[0] = chunk.subarray(part);
    }
    return out;
  }
}
