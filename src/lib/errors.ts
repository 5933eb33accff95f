// Typed operating errors. Every error a caller can meet has a stable `code` that scripts
// and clients may match on; the message says what happened and what to do about it.

/** Stable error codes. Add new ones; never rename or reuse one. */
export type ErrorCode =
  | "INVALID_ARGUMENT"
  | "NOT_FOUND"
  | "ALREADY_EXISTS"
  | "NOT_LEADER"
  | "NO_LEADER"
  | "TIMEOUT"
  | "PROPOSAL_DROPPED"
  | "UNAVAILABLE"
  | "RESOURCE_EXHAUSTED"
  | "UNSUPPORTED_MEDIA_TYPE"
  | "STORAGE_CORRUPT"
  | "STORAGE_FAILED"
  | "STORAGE_VERSION"
  | "IDENTITY_CONFLICT"
  | "STALE_INCARNATION"
  | "UNKNOWN_GROUP"
  | "DETERMINISM_VIOLATION"
  | "SHUTTING_DOWN"
  | "FAILED_PRECONDITION"
  | "PERMISSION_DENIED"
  | "UNAUTHENTICATED"
  /** A workflow ended because it was cancelled (a workflow outcome, never an API failure). */
  | "CANCELLED"
  /** A workflow was terminated (a workflow outcome, never an API failure). */
  | "TERMINATED"
  | "INTERNAL";

export interface RaftoralErrorOptions {
  readonly cause?: unknown;
  /** See RaftoralError.isAnswerLost. */
  readonly isAnswerLost?: boolean;
  /** See RaftoralError.isAnswer. */
  readonly isAnswer?: boolean;
  /** See RaftoralError.isNotDone. */
  readonly isNotDone?: boolean;
}

/** Base of every error Raftoral throws on purpose. */
export class RaftoralError extends Error {
  readonly code: ErrorCode;
  /**
   * A call failed after its request may have reached the other side, which did not answer
   * (the connection was lost): whatever it asked for may have been done. Sending it again
   * is safe only for a call that is idempotent.
   */
  readonly isAnswerLost: boolean;
  /**
   * The other side was reached and sent this error as its answer (a refusal, or "cannot
   * serve now"), as opposed to a call that could not reach it or lost its answer.
   */
  readonly isAnswer: boolean;
  /**
   * The call was refused before anything was proposed for it (a node still starting, a
   * replica not running yet, a group without a leader): nothing was done, so it may be sent
   * again, to this node or another, even a call that must not be done twice. Travels with the
   * refusal (gRPC trailer `raftoral-not-done`, HTTP field `not_done`).
   */
  readonly isNotDone: boolean;

  constructor(code: ErrorCode, message: string, options?: RaftoralErrorOptions) {
    super(message, options);
    this.code = code;
    this.isAnswerLost = options?.isAnswerLost === true;
    this.isAnswer = options?.isAnswer === true;
    this.isNotDone = options?.isNotDone === true;
    this.name = "RaftoralError";
  }
}

/** A caller passed something we cannot accept; the message names the field and the fix. */
export class InvalidArgumentError extends RaftoralError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("INVALID_ARGUMENT", message, options);
    this.name = "InvalidArgumentError";
  }
}

/** Returns `error` as an Error, wrapping a thrown non-Error value so nothing is lost. */
export function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
