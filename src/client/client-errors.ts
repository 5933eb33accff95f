// The errors RaftoralClient adds to the codes every RaftoralError carries: no node could be
// reached, and a node that answers in the other protocol. Both are RaftoralErrors, so callers
// that only look at `code` keep working.

import { RaftoralError } from "../lib/index.ts";
import type { TransportKind } from "../transport/index.ts";

/** Codes that say "this node cannot serve now": another node may. */
export const ANOTHER_NODE_MAY_SERVE: ReadonlySet<string> = new Set([
  "UNAVAILABLE",
  "NOT_LEADER",
  "NO_LEADER",
  "SHUTTING_DOWN",
]);

/** Whether the same call to another node of the cluster may succeed where this one failed. */
export function isWorthAnotherNode(error: unknown): boolean {
  return error instanceof RaftoralError && ANOTHER_NODE_MAY_SERVE.has(error.code);
}

/** The call's own deadline passed before the node answered: the node may still do it. */
export function isUnanswered(error: RaftoralError): boolean {
  return error.code === "TIMEOUT" && !error.isAnswer;
}

/**
 * A call the client never sent: its deadline passed while it waited for room among the
 * client's calls in flight (long-call-slots.ts). Nothing was done, and another node is no
 * help, since the deadline has passed; the message says what held it.
 */
export class NotSentError extends RaftoralError {
  constructor(message: string) {
    super("TIMEOUT", message);
    this.name = "NotSentError";
  }
}

/** One failed attempt: which node, and why. */
export interface FailedAttempt {
  readonly address: string;
  readonly error: RaftoralError;
}

/** No node tried could be reached: each call failed to connect or lost its answer. */
export class UnreachableError extends RaftoralError {
  readonly attempts: readonly FailedAttempt[];

  /** `isWrite`: whether the call changes something, which an answer lost may hide. */
  constructor(what: string, attempts: readonly FailedAttempt[], isWrite = true) {
    // An attempt whose answer was lost was received: "no answer" must not read as "not done".
    const lost = isWrite
      ? attempts.find((attempt) => attempt.error.isAnswerLost)?.address
      : undefined;
    const done =
      lost === undefined
        ? ""
        : `; ${lost} received it before its answer was lost, so it may have been done`;
    super(
      "UNAVAILABLE",
      `no node answered ${what} (${reasonsOf(attempts)})${done}; check that the node runs and the address is right`,
      { cause: attempts.at(-1)?.error },
    );
    this.name = "UnreachableError";
    this.attempts = attempts;
  }
}

/**
 * A call that close() ended, or one made after it: the client's own doing, not the nodes'.
 * Its attempts failed only because their connections were closed, so "no node answered ...
 * check that the node runs" would send the caller to look at nodes that are fine.
 */
export class ClientClosedError extends RaftoralError {
  readonly attempts: readonly FailedAttempt[];

  /** `isWrite`: whether the call changes something, which an answer lost may hide. */
  constructor(what: string, attempts: readonly FailedAttempt[], isWrite = true) {
    const sent =
      isWrite && attempts.some((attempt) => attempt.error.isAnswerLost)
        ? "; a node received it before, so it may have been done"
        : "";
    super(
      "UNAVAILABLE",
      `${what} ended: the client was closed (close()) while the call was in flight or ` +
        `queued, or before it was made${sent}; make calls before closing the client, or use a new one`,
      { cause: attempts.at(-1)?.error },
    );
    this.name = "ClientClosedError";
    this.attempts = attempts;
  }
}

/**
 * No node served the call, and at least one was reached and answered that it cannot serve
 * it now (a group with no leader, a node shutting down). The code is the last answer's: the
 * cluster, not the network, is what to look at.
 */
export class UnservedError extends RaftoralError {
  readonly attempts: readonly FailedAttempt[];

  constructor(what: string, attempts: readonly FailedAttempt[], answer: RaftoralError) {
    super(answer.code, `no node could serve ${what} (${reasonsOf(attempts)})`, { cause: answer });
    this.name = "UnservedError";
    this.attempts = attempts;
  }
}

/** Each address once, in the order first tried, with how its last attempt failed. */
function reasonsOf(attempts: readonly FailedAttempt[]): string {
  // The first failure says most often what is wrong (a node silent for seconds); the last
  // what ended the call (the little time left for it).
  const byAddress = new Map<string, { first: string; last: string }>();
  for (const { address, error } of attempts) {
    const first = byAddress.get(address)?.first ?? error.message;
    byAddress.set(address, { first, last: error.message });
  }
  return [...byAddress]
    .map(([address, { first, last }]) =>
      first === last ? `${address}: ${last}` : `${address}: ${first}, then ${last}`,
    )
    .join("; ");
}

/** The node answers, but in the other protocol: the caller picked the wrong transport. */
export class TransportMismatchError extends RaftoralError {
  readonly address: string;
  readonly tried: TransportKind;
  readonly spoken: TransportKind;

  constructor(address: string, tried: TransportKind, spoken: TransportKind, isTls = false) {
    super(
      "INVALID_ARGUMENT",
      `${address} speaks ${label(spoken)}, not ${label(tried)}: use --transport ${spoken} ` +
        `(or the address ${spoken}${isTls ? "s" : ""}://${address})`,
    );
    this.name = "TransportMismatchError";
    this.address = address;
    this.tried = tried;
    this.spoken = spoken;
  }
}

function label(transport: TransportKind): string {
  return transport === "grpc" ? "gRPC" : "HTTP";
}

/** A failure of any kind as a RaftoralError (one already is kept as it is). */
export function asRaftoralError(error: unknown): RaftoralError {
  if (error instanceof RaftoralError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new RaftoralError("INTERNAL", `unexpected client failure: ${message}`, { cause: error });
}

/**
 * How a repeated write ended: `failure`, unless an earlier attempt was sent and never answered
 * (its deadline passed, or its answer was lost). That node may still do it, so the write's
 * outcome is unknown (TIMEOUT) whatever a later node said: a refusal from another node
 * (RESOURCE_EXHAUSTED under overload) read as "not done" left a workflow running that its
 * caller believed refused.
 */
export function writeOutcome(
  what: string,
  attempts: readonly FailedAttempt[],
  failure: RaftoralError,
): RaftoralError {
  // A node's TIMEOUT answer says the same as no answer: it may still do it.
  const unanswered = attempts.find(
    ({ error }) => error.isAnswerLost || error.code === "TIMEOUT" || isUnanswered(error),
  );
  if (unanswered === undefined) return failure;
  const how = unanswered.error.isAnswer
    ? "could not say whether it did it"
    : "did not answer it in time";
  return new RaftoralError(
    "TIMEOUT",
    `${what} may have been done: ${unanswered.address} ${how} ` +
      `(${unanswered.error.message}), and may still do it; the last attempt failed with ` +
      `${failure.code}: ${failure.message}. Sending it again as it was is safe: its id makes ` +
      "a repeat harmless",
    { cause: failure, isAnswerLost: true },
  );
}

/**
 * A call that must not be done twice, sent, whose deadline passed before an answer came: the
 * node may still do it (a start waits for its execution cluster to commit it, and one that has
 * just lost its majority takes a few seconds to say so).
 */
export function unansweredError(what: string, idName: string, { address, error }: FailedAttempt) {
  return new RaftoralError(
    "TIMEOUT",
    `${address} did not answer ${what} in time (${error.message}): it may still be done, so ` +
      `it was not sent again; give it ${idName} to let the client send it again safely, or ` +
      "ask `raftoral cluster status` whether its execution cluster has a leader",
    { cause: error },
  );
}
