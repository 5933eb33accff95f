// What a failed fetch to a node means for the caller: whether the request may have been taken
// (an answer lost) or cannot have been (no connection, a TLS handshake refused either way, a
// cleartext request reset by a TLS port), and a hint at the likely mistake.

import { RaftoralError } from "../lib/index.ts";
import { connectionHint, isCertificateRejection, isTlsRefusal } from "../transport/index.ts";
import { speaksTls } from "./tls-port-probe.ts";

/** fetch's codes for a connection that was never made: the request cannot have arrived. */
const NOT_CONNECTED_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ENETUNREACH",
]);

export interface FetchContext {
  readonly address: string;
  /** The method and route, as the message names them. */
  readonly call: string;
  /** The client dials with TLS (https://). */
  readonly isTls: boolean;
  /** The node answered this client before: a failure then says nothing of TLS. */
  readonly hasAnswered: boolean;
}

/** The RaftoralError for `error`, thrown by fetch while it called `context.call`. */
export async function fetchFailure(error: unknown, context: FetchContext): Promise<RaftoralError> {
  const isTimeout = (error as Error).name === "TimeoutError";
  // Bun's advice to its own caller ("pass `verbose: true` ... to fetch()") is not ours.
  const failure = (error as Error).message.replace(/ For more information, pass .*$/, "");
  const { address, isTls, hasAnswered } = context;
  const prefix = `${address} did not answer ${context.call}: ${failure}`;
  const isReset = !isTimeout && !isTls && !hasAnswered && /ECONNRESET|closed/i.test(failure);
  if (isReset && (await speaksTls(address))) {
    return new RaftoralError(
      "UNAVAILABLE",
      `${prefix}; the node speaks TLS on this port: call it with https:// (and --tls-ca); ` +
        "a node joining it needs --tls-cert, --tls-key and --tls-ca",
      { cause: error, isAnswerLost: false },
    );
  }
  // A handshake that failed, or that either side refused, took no request.
  const isUnsent =
    NOT_CONNECTED_CODES.has((error as { code?: string }).code ?? "") ||
    isTlsRefusal(failure) ||
    isCertificateRejection(failure) ||
    /handshake failed/i.test(failure);
  return new RaftoralError(
    isTimeout ? "TIMEOUT" : "UNAVAILABLE",
    `${prefix}${connectionHint(failure, isTls, hasAnswered)}`,
    { cause: error, isAnswerLost: !isTimeout && !isUnsent },
  );
}
