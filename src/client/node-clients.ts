// One protocol client per node address, and the error for a call that no node served: a node
// that answered says what is wrong; one that answers in the other protocol is the real problem.

import { RaftoralError } from "../lib/index.ts";
import { bearerCredentials, type ClientTls, type TransportKind } from "../transport/index.ts";
import type { NodeTarget } from "./client-address.ts";
import {
  type FailedAttempt,
  TransportMismatchError,
  UnreachableError,
  UnservedError,
} from "./client-errors.ts";
import { PROBE_TIMEOUT_MS } from "./client-timeouts.ts";
import { GrpcProtocolClient } from "./grpc-client.ts";
import { HttpProtocolClient } from "./http-client.ts";
import type { OperatorProtocolClient, ProtocolClientOptions } from "./protocol-client.ts";

/** TLS settings and token shared by every node's client. */
export interface ConnectionSettings {
  readonly tls: ClientTls;
  readonly token?: string;
}

export function clientFor(
  target: NodeTarget,
  connection: ConnectionSettings,
): OperatorProtocolClient {
  const options: ProtocolClientOptions = {
    ...(target.isTls ? { tls: connection.tls } : {}),
    ...(connection.token === undefined ? {} : { credentials: bearerCredentials(connection.token) }),
  };
  // A program's calls past the node's limit wait their turn, as over HTTP (GrpcProtocolClient).
  return target.transport === "grpc"
    ? new GrpcProtocolClient(target.address, { ...options, isQueuedWhenBusy: true })
    : new HttpProtocolClient(target.address, options);
}

/** What a node answers a call without the token it wants: it speaks the call's protocol. */
const AUTH_REFUSALS: ReadonlySet<string> = new Set(["UNAUTHENTICATED", "PERMISSION_DENIED"]);

/**
 * The error for a call no node served. A node that answered says what is wrong; when none
 * did and the first node (`target`) answers in the other protocol, that is the real problem.
 * The probe for it takes no more than is left of the call's budget, which ends at `endMs`.
 */
export async function failedCallError(
  what: string,
  attempts: readonly FailedAttempt[],
  options: {
    readonly isWrite: boolean;
    readonly endMs: number;
    readonly target: NodeTarget | undefined;
    readonly connection: ConnectionSettings;
  },
): Promise<RaftoralError> {
  const { isWrite, target } = options;
  const answer = attempts.findLast((attempt) => attempt.error.isAnswer)?.error;
  if (answer !== undefined) return new UnservedError(what, attempts, answer);
  const probeMs = Math.min(PROBE_TIMEOUT_MS, Math.floor(options.endMs - performance.now()));
  // A node that did not answer in time is no server of the other protocol either.
  if (target !== undefined && attempts[0]?.error.code !== "TIMEOUT" && probeMs > 0) {
    const other: TransportKind = target.transport === "grpc" ? "http" : "grpc";
    const probe = clientFor({ ...target, transport: other }, options.connection);
    const isOther = await probe.discover({ timeoutMs: probeMs }).then(
      () => true,
      // A node of the other protocol that wants a token (discovery does; health, the call
      // that failed, does not) still speaks it. Any other failure: not that protocol either.
      (error: unknown) => error instanceof RaftoralError && AUTH_REFUSALS.has(error.code),
    );
    await probe.close();
    if (isOther) {
      return new TransportMismatchError(target.address, target.transport, other, target.isTls);
    }
  }
  return new UnreachableError(what, attempts, isWrite);
}
