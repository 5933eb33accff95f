// Sends one HTTP/1.1 request as raw bytes over a fresh TCP connection, so a fuzzer controls
// everything fetch would fix for it: Content-Length lies, broken chunking, invalid UTF-8 in
// the target. Reads until the server closes (we ask for Connection: close) or a deadline.

import { connect } from "node:net";

export interface RawHttpRequest {
  readonly method: string;
  /** Request target as sent, e.g. "/workflow/wait?workflow_id=..." (may hold any byte). */
  readonly target: string;
  /** Headers besides Host and Connection; Content-Length is not added automatically. */
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Uint8Array;
  /**
   * False when the request is deliberately unfinished (a declared length longer than the
   * body): the server may wait for the rest forever, so no answer is expected.
   */
  readonly isComplete: boolean;
}

export type RawHttpOutcome =
  | { readonly kind: "answered"; readonly status: number; readonly body: string }
  | { readonly kind: "closed" }
  | { readonly kind: "no-answer" };

const ANSWER_BYTES_MAX = 64 * 1024;

/** The request's bytes: request line, headers, blank line, body. */
export function encodeRawRequest(request: RawHttpRequest, host: string): Uint8Array {
  const head = [
    `${request.method} ${request.target} HTTP/1.1`,
    `Host: ${host}`,
    "Connection: close",
    ...request.headers.map(([name, value]) => `${name}: ${value}`),
    "",
    "",
  ].join("\r\n");
  return Buffer.concat([Buffer.from(head, "latin1"), request.body]);
}

/**
 * Sends `request` to `address` ("host:port"). A complete request waits up to `timeoutMs` for
 * the answer; an unfinished one gives the server `unfinishedWaitMs`, then hangs up.
 */
export function sendRawHttp(
  address: string,
  request: RawHttpRequest,
  options: { readonly timeoutMs: number; readonly unfinishedWaitMs: number },
): Promise<RawHttpOutcome> {
  const colon = address.lastIndexOf(":");
  const host = address.slice(0, colon);
  const port = Number(address.slice(colon + 1));
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const chunks: Buffer[] = [];
    let received = 0;
    let isSettled = false;
    const settle = (isClosedByServer: boolean): void => {
      if (isSettled) return;
      isSettled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(outcomeOf(Buffer.concat(chunks), isClosedByServer));
    };
    const timer = setTimeout(
      () => settle(false),
      request.isComplete ? options.timeoutMs : options.unfinishedWaitMs,
    );
    socket.on("connect", () => socket.write(encodeRawRequest(request, address)));
    socket.on("data", (chunk: Buffer) => {
      received += chunk.byteLength;
      if (received <= ANSWER_BYTES_MAX) chunks.push(chunk);
      else settle(true);
    });
    socket.on("end", () => settle(true));
    socket.on("close", () => settle(true));
    // Handled: a reset is an answer too ("closed"); the outcome is judged from what arrived.
    socket.on("error", () => settle(true));
  });
}

function outcomeOf(bytes: Buffer, isClosedByServer: boolean): RawHttpOutcome {
  if (bytes.byteLength === 0) return isClosedByServer ? { kind: "closed" } : { kind: "no-answer" };
  const text = bytes.toString("latin1");
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(text);
  if (match === null) return { kind: "no-answer" };
  const bodyStart = text.indexOf("\r\n\r\n");
  return {
    kind: "answered",
    status: Number(match[1]),
    body: bodyStart < 0 ? "" : bytes.subarray(bodyStart + 4).toString("utf8"),
  };
}
