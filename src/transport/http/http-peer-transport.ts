// Delivers peer batches over HTTP or HTTPS, with the node's credentials (proof of the cluster
// secret): on a WebSocket per peer (http-peer-stream.ts), or in a POST /raft/message per
// batch with its JSON form. Bun's fetch keeps connections alive and reuses them per host, so
// a busy peer costs no handshake per batch. Every failure becomes a RaftoralError with a
// stable code; nothing is retried here.

import { RaftoralError } from "../../lib/index.ts";
import {
  batchToJson,
  type CallCredentials,
  type ClientTls,
  type KeepaliveTiming,
  type PeerBatch,
  type PeerStream,
  type PeerStreamEvents,
  type PeerTransport,
} from "../index.ts";
import { codeOfHttpStatus, isHttpErrorCode } from "./http-errors.ts";
import { HttpPeerStream } from "./http-peer-stream.ts";
import { PEER_BODY_BYTES_MAX_DEFAULT } from "./http-transport-server.ts";
import { readBytesLimited } from "./request-body.ts";

/** The most of an answer we read: ours are a few hundred bytes; more means a wrong server. */
const RESPONSE_BYTES_MAX = 64 * 1024;
const PATH = "/raft/message";

export interface HttpPeerTransportOptions {
  /** Dial peers with HTTPS. */
  readonly tls?: ClientTls;
  /** Headers added to every delivery (proof of the cluster secret). */
  readonly credentials?: CallCredentials;
  /** Largest batch sent on a stream, encoded. Default 64 MiB, the server's default limit. */
  readonly batchBytesMax?: number;
  /** How an open stream is pinged. Default KEEPALIVE_DEFAULT. */
  readonly keepalive?: KeepaliveTiming;
}

/** The client half of the HTTP transport. */
export class HttpPeerTransport implements PeerTransport {
  /** Aborted by close(): cancels deliveries in flight and refuses new ones. */
  private readonly closing = new AbortController();
  /** Open streams, closed with the transport. */
  private readonly streams = new Set<HttpPeerStream>();
  private readonly options: HttpPeerTransportOptions;

  constructor(options: HttpPeerTransportOptions = {}) {
    this.options = options;
  }

  /**
   * POSTs `batch` to http(s)://`address`/raft/message. Rejects with TIMEOUT after `timeoutMs`,
   * UNAVAILABLE when the peer cannot be reached or after close(), and with the code of the
   * peer's error body (or of its HTTP status) when it refuses the batch.
   */
  async deliver(address: string, batch: PeerBatch, timeoutMs: number): Promise<void> {
    if (this.closing.signal.aborted) {
      throw new RaftoralError("UNAVAILABLE", `the HTTP peer transport is closed (to ${address})`);
    }
    // One controller per delivery, aborted by its timer or by close(); both are removed when
    // the delivery ends, so thousands of batches leave no timers or listeners behind.
    const call = new AbortController();
    let isTimedOut = false;
    const timer = setTimeout(() => {
      isTimedOut = true;
      call.abort();
    }, timeoutMs);
    const onClose = (): void => call.abort();
    this.closing.signal.addEventListener("abort", onClose, { once: true });
    let status: number;
    let answer: string;
    try {
      const { tls, credentials } = this.options;
      const response = await fetch(`${tls === undefined ? "http" : "https"}://${address}${PATH}`, {
        method: "POST",
        headers: { "content-type": "application/json", ...credentials?.(PATH, address) },
        ...(tls === undefined ? {} : { tls }),
        body: batchToJson(batch),
        keepalive: true,
        redirect: "error",
        signal: call.signal,
      });
      status = response.status;
      answer =
        response.body === null
          ? ""
          : new TextDecoder().decode(await readBytesLimited(response.body, RESPONSE_BYTES_MAX));
    } catch (error) {
      if (isTimedOut) {
        throw new RaftoralError("TIMEOUT", `${address} did not answer within ${timeoutMs} ms`, {
          cause: error,
        });
      }
      const why = this.closing.signal.aborted ? "the transport was closed" : messageOf(error);
      throw new RaftoralError("UNAVAILABLE", `cannot deliver to ${address}: ${why}`, {
        cause: error,
      });
    } finally {
      clearTimeout(timer);
      this.closing.signal.removeEventListener("abort", onClose);
    }
    if (status < 200 || status > 299) throw refusal(address, status, answer);
  }

  /** A WebSocket to `address`; see PeerTransport.openStream. */
  openStream(address: string, events: PeerStreamEvents): PeerStream {
    const ended: PeerStreamEvents = {
      onOpen: () => events.onOpen(),
      onClose: (error) => {
        this.streams.delete(stream);
        events.onClose(error);
      },
    };
    const stream = new HttpPeerStream(address, ended, {
      ...this.options,
      batchBytesMax: this.options.batchBytesMax ?? PEER_BODY_BYTES_MAX_DEFAULT,
    });
    this.streams.add(stream);
    // A transport already closed still answers through the events, as the contract says.
    if (this.closing.signal.aborted) stream.close();
    return stream;
  }

  /** Cancels deliveries in flight and closes streams; later ones reject with UNAVAILABLE. */
  async close(): Promise<void> {
    this.closing.abort(new RaftoralError("UNAVAILABLE", "the HTTP peer transport is closed"));
    for (const stream of this.streams) stream.close();
    this.streams.clear();
  }
}

/** The peer answered with an error: keep its code and message when it sent our error body. */
function refusal(address: string, status: number, answer: string): RaftoralError {
  let body: unknown;
  try {
    body = JSON.parse(answer);
  } catch (error) {
    // Not our error body (a proxy, another server): the HTTP status is all there is.
    void error;
  }
  if (typeof body === "object" && body !== null && "error" in body && "code" in body) {
    const code = isHttpErrorCode(body.code) ? body.code : codeOfHttpStatus(status);
    return new RaftoralError(code, `${address} refused the batch: ${String(body.error)}`);
  }
  const text = answer.length > 200 ? `${answer.slice(0, 200)}...` : answer;
  return new RaftoralError(
    codeOfHttpStatus(status),
    `${address} refused the batch with HTTP ${status}${text === "" ? "" : `: ${text}`}`,
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
