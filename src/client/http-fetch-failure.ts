// What a failed fetch to a node means for the caller: whether the request may have been taken
// (an answer lost) or cannot have been (no connection, a TLS handshake refused either way, a
// cleartext request reset by a TLS port), and a hint at the likely mistake.

import { RaftoralError } from "../lib/index.ts";
import {
  type ClientTls,
  connectionHint,
  isCertificateRejection,
  isTlsRefusal,
} from "../transport/index.ts";
import { refusesCertificate, speaksTls } from "./tls-port-probe.ts";

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
  /** The client's TLS options when it dials with TLS (https://). */
  readonly tls: ClientTls | undefined;
  /** The node answered this client before: a failure then says nothing of TLS. */
  readonly hasAnswered: boolean;
}

/** The RaftoralError for `error`, thrown by fetch while it called `context.call`. */
export async function fetchFailure(error: unknown, context: FetchContext): Promise<RaftoralError> {
  const isTimeout = (error as Error).name === "TimeoutError";
  // Bun's advice to its own caller ("pass `verbose: true` ... to fetch()") is not ours.
  const failure = (error as Error).message.replace(/ For more information, pass .*$/, "");
  const { address, tls, hasAnswered } = context;
  const isTls = tls !== undefined;
  const prefix = `${address} did not answer ${context.call}: ${failure}`;
  const isFirstReset = !isTimeout && !hasAnswered && /ECONNRESET|closed/i.test(failure);
  // Bun's fetch says only "handshake failed" whatever the cause; one cause is certain when
  // the port takes no TLS handshake at all.
  const isFirstHandshake = isTls && !hasAnswered && /handshake failed|EPROTO/i.test(failure);
  const refusal = isFirstReset
    ? await refusalOf(address, tls)
    : isFirstHandshake && !(await speaksTls(address))
      ? "the node does not speak TLS on this port: use http:// (and no --tls-ca)"
      : undefined;
  if (refusal !== undefined) {
    return new RaftoralError("UNAVAILABLE", `${prefix}; ${refusal}`, {
      cause: error,
      isAnswerLost: false,
    });
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

/** Why a node that reset a client's first request refused it before reading it, if it did. */
async function refusalOf(address: string, tls: ClientTls | undefined): Promise<string | undefined> {
  if (tls === undefined) {
    return (await speaksTls(address))
      ? "the node speaks TLS on this port: call it with https:// (and --tls-ca); a node joining it needs --tls-cert, --tls-key and --tls-ca"
      : undefined;
  }
  return (await refusesCertificate(address, tls))
    ? "the node closed the connection right after the TLS handshake: it refuses this client's certificate (signed by another CA than its --tls-ca, out of its dates, or none given): pass --tls-cert and --tls-key of a certificate its CA signed"
    : undefined;
}
