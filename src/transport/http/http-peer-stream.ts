// The sending end of the HTTP transport's peer stream: a WebSocket to GET /raft/stream with
// the node's credentials on the upgrade request, each batch one binary message (msgpack).
// The upgrade is the receiver's acceptance; the close code and reason say why it ended
// (peer-stream-close.ts).

import { RaftoralError } from "../../lib/index.ts";
import {
  type CallCredentials,
  type ClientTls,
  encodeBatchMsgpack,
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
}

export class HttpPeerStream implements PeerStream {
  private readonly socket: WebSocket;
  private readonly batchBytesMax: number;
  private readonly address: string;
  private isClosedHere = false;

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
    this.socket.addEventListener("open", () => events.onOpen(), { once: true });
    this.socket.addEventListener(
      "close",
      (event) =>
        events.onClose(
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
  }

  bufferedBytes(): number {
    return this.socket.bufferedAmount;
  }

  close(): void {
    if (this.isClosedHere) return;
    this.isClosedHere = true;
    this.socket.close(1000);
  }
}
