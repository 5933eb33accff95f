// The sending end of the HTTP transport's peer stream: a WebSocket to GET /raft/stream with
// the node's credentials on the upgrade request, each batch one binary message (msgpack).
// The upgrade is the receiver's acceptance; the close code and reason say why it ended
// (peer-stream-close.ts). The socket is pinged while open (keepalive.ts): a receiver gone
// silent ends the stream, where TCP would hold it open for minutes.

import { RaftoralError, RealClock } from "../../lib/index.ts";
import {
  type CallCredentials,
  type ClientTls,
  encodeBatchMsgpack,
  KEEPALIVE_DEFAULT,
  Keepalive,
  type KeepaliveTiming,
  type PeerBatch,
  type PeerStream,
  type PeerStreamEvents,
} from "../index.ts";
import { errorOfClose, PEER_STREAM_PATH } from "./peer-stream-close.ts";

export interface HttpPeerStreamOptions {
  readonly tls?: ClientTls;
  readonly credentials?: CallCredentials;
  /** Largest batch sent, encoded (the receiver's limit). */
  readonly batchBytesMax: number;
  /** Default KEEPALIVE_DEFAULT. */
  readonly keepalive?: KeepaliveTiming;
}

export class HttpPeerStream implements PeerStream {
  private readonly socket: WebSocket;
  private readonly batchBytesMax: number;
  private readonly address: string;
  private readonly keepalive: Keepalive;
  /** Bytes given to the socket so far; minus its bufferedAmount, what left for the kernel. */
  private sentBytes = 0;
  /** At the last progress(): what had left, and what still waited in the socket. */
  private lastLeft = 0;
  private lastBuffered = 0;
  /** Bytes that left while others waited (see progress()). */
  private drained = 0;
  private isClosedHere = false;
  /** The end was reported (onClose); the socket's own close event says nothing more. */
  private isEnded = false;

  constructor(address: string, events: PeerStreamEvents, options: HttpPeerStreamOptions) {
    this.batchBytesMax = options.batchBytesMax;
    this.address = address;
    const { tls, credentials } = options;
    const url = `${tls === undefined ? "ws" : "wss"}://${address}${PEER_STREAM_PATH}`;
    // Bun's WebSocket takes headers and TLS settings (the web standard has neither).
    this.socket = new WebSocket(url, {
      headers: { ...credentials?.(PEER_STREAM_PATH, address) },
      ...(tls === undefined ? {} : { tls }),
    });
    this.socket.binaryType = "arraybuffer";
    let onPong = (): void => undefined;
    this.keepalive = new Keepalive(new RealClock(), options.keepalive ?? KEEPALIVE_DEFAULT, {
      ping: (answered) => {
        onPong = answered;
        // Closing or closed: its close event ends the stream, and the keepalive with it.
        if (this.socket.readyState === WebSocket.OPEN) this.socket.ping();
      },
      dead: (message) => {
        this.end(
          events,
          new RaftoralError("UNAVAILABLE", `${address} stopped answering: ${message}`),
        );
        // No closing handshake with a peer that does not answer: drop the connection.
        this.socket.terminate();
      },
      progress: () => this.progress(),
    });
    this.socket.addEventListener("pong", () => onPong());
    this.socket.addEventListener(
      "open",
      () => {
        this.keepalive.start();
        events.onOpen();
      },
      { once: true },
    );
    this.socket.addEventListener(
      "close",
      (event) =>
        this.end(
          events,
          this.isClosedHere ? undefined : errorOfClose(address, event.code, event.reason),
        ),
      { once: true },
    );
    // Nothing to add: every error is followed by a close, which reports it.
    this.socket.addEventListener("error", () => undefined);
  }

  send(batch: PeerBatch): void {
    if (this.socket.readyState === WebSocket.CONNECTING) {
      throw new RaftoralError("UNAVAILABLE", `the stream to ${this.address} is not open yet`);
    }
    const bytes = encodeBatchMsgpack(batch);
    if (bytes.byteLength > this.batchBytesMax) {
      throw new RaftoralError(
        "RESOURCE_EXHAUSTED",
        `a batch of ${bytes.byteLength} bytes is larger than the ${this.batchBytesMax} the peer takes`,
      );
    }
    this.socket.send(bytes);
    this.sentBytes += bytes.byteLength;
  }

  bufferedBytes(): number {
    return this.socket.bufferedAmount;
  }

  /**
   * Bytes the peer took for sure: those that left the socket while some waited in it at the
   * previous look, so that the kernel's buffer was full and took only what the peer had
   * acknowledged. The ping waits behind all of them (a WebSocket has one queue). Bytes that
   * leave an empty socket prove nothing: a kernel buffer with room takes heartbeats for a
   * black-holed peer for minutes, and that peer must still be found dead in 5 s.
   */
  private progress(): number {
    const buffered = this.socket.bufferedAmount;
    const left = this.sentBytes - buffered;
    if (this.lastBuffered > 0 && left > this.lastLeft) this.drained += left - this.lastLeft;
    this.lastLeft = left;
    this.lastBuffered = buffered;
    return this.drained;
  }

  close(): void {
    if (this.isClosedHere) return;
    this.isClosedHere = true;
    this.keepalive.stop();
    this.socket.close(1000);
  }

  private end(events: PeerStreamEvents, error: RaftoralError | undefined): void {
    if (this.isEnded) return;
    this.isEnded = true;
    this.keepalive.stop();
    events.onClose(error);
  }
}
