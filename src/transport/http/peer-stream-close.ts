// How a peer stream over WebSocket (GET /raft/stream) says why it ended: a refusal closes it
// with REFUSAL_CLOSE_CODE and the reason "<CODE>: <message>", which the sender reads back as a
// RaftoralError with that code. Shared by the receiving socket and the sending stream.

import { type ErrorCode, RaftoralError } from "../../lib/index.ts";
import { isHttpErrorCode } from "./http-errors.ts";

export const PEER_STREAM_PATH = "/raft/stream";
/** A close with a reason "<CODE>: <message>": the receiver refused a batch. */
export const REFUSAL_CLOSE_CODE = 4000;
/** RFC 6455 §7.4.1: a message too big to process. */
const TOO_BIG_CLOSE_CODE = 1009;
/** A close reason is at most 123 bytes of UTF-8. */
const REASON_BYTES_MAX = 123;

/** The close reason of a refusal, cut to fit. */
export function refusalReason(code: ErrorCode, message: string): string {
  const encoder = new TextEncoder();
  let text = `${code}: ${message}`.slice(0, REASON_BYTES_MAX);
  // Characters beyond ASCII take more bytes: shorten until it fits, whole characters only.
  while (encoder.encode(text).byteLength > REASON_BYTES_MAX) text = text.slice(0, -1);
  return text;
}

/** Why a stream to `address` ended, from its close code and reason. */
export function errorOfClose(address: string, code: number, reason: string): RaftoralError {
  const match = /^([A-Z_]+): (.*)$/s.exec(reason);
  const errorCode = match?.[1];
  if (code === REFUSAL_CLOSE_CODE && isHttpErrorCode(errorCode)) {
    return new RaftoralError(errorCode, `${address} refused the batch: ${match?.[2] ?? ""}`);
  }
  if (code === TOO_BIG_CLOSE_CODE) {
    return new RaftoralError("RESOURCE_EXHAUSTED", `${address} refused a batch as too large`);
  }
  const why = reason === "" ? `close code ${code}` : `close code ${code}: ${reason}`;
  return new RaftoralError("UNAVAILABLE", `${address} ended the stream (${why})`);
}
