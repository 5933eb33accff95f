// How a failure becomes an HTTP answer: the status for each stable error code and the JSON
// error body every route shares ({success: false, error, code}). An error we did not expect
// is answered with a fixed message, because its text may hold paths or internals; the server
// logs the real one.

import { type ErrorCode, RaftoralError } from "../../lib/index.ts";

/**
 * A request the HTTP layer refuses by itself, before NodeApi sees it: unknown route, wrong
 * method, wrong media type, body too large or not JSON. `httpStatus` is sent as is; `code`
 * is the stable code in the body.
 */
export class HttpRequestError extends RaftoralError {
  readonly httpStatus: number;

  constructor(httpStatus: number, code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.httpStatus = httpStatus;
    this.name = "HttpRequestError";
  }
}

/** The HTTP status of each error code a caller can act on. Codes not listed become 500. */
const STATUS_OF_CODE: ReadonlyMap<ErrorCode, number> = new Map<ErrorCode, number>([
  ["INVALID_ARGUMENT", 400],
  ["NOT_FOUND", 404],
  ["UNKNOWN_GROUP", 404],
  // Not in the brief's table, but a caller can fix it, so it must not hide behind a 500.
  ["ALREADY_EXISTS", 409],
  ["FAILED_PRECONDITION", 409],
  ["UNAUTHENTICATED", 401],
  ["PERMISSION_DENIED", 403],
  ["UNSUPPORTED_MEDIA_TYPE", 415],
  ["RESOURCE_EXHAUSTED", 429],
  ["NOT_LEADER", 503],
  ["NO_LEADER", 503],
  ["UNAVAILABLE", 503],
  ["SHUTTING_DOWN", 503],
  ["PROPOSAL_DROPPED", 503],
  ["TIMEOUT", 504],
]);

/** Text sent for errors we did not expect. */
export const INTERNAL_MESSAGE = "internal error; see the server log";

/** The JSON body of every error answer; routes may add their own fields (set to null). */
export interface ErrorBody {
  readonly success: false;
  readonly error: string;
  readonly code: ErrorCode;
  /** Present (true) only when the call was refused before it did anything (isNotDone). */
  readonly not_done?: true;
}

export interface ErrorReply {
  readonly httpStatus: number;
  readonly body: ErrorBody;
  /** True for errors we did not expect: the server logs them in full. */
  readonly isUnexpected: boolean;
}

/** Maps a thrown value to the answer: typed errors keep their message, the rest is a 500. */
export function replyOfError(error: unknown): ErrorReply {
  if (error instanceof HttpRequestError) {
    return replyOf(error.httpStatus, error.code, error.message);
  }
  if (error instanceof RaftoralError) {
    const httpStatus = STATUS_OF_CODE.get(error.code);
    if (httpStatus !== undefined) {
      return replyOf(httpStatus, error.code, error.message, error.isNotDone);
    }
  }
  return { ...replyOf(500, "INTERNAL", INTERNAL_MESSAGE), isUnexpected: true };
}

function replyOf(
  httpStatus: number,
  code: ErrorCode,
  message: string,
  isNotDone = false,
): ErrorReply {
  const body: ErrorBody = {
    success: false,
    error: message,
    code,
    ...(isNotDone ? { not_done: true } : {}),
  };
  return { httpStatus, body, isUnexpected: false };
}

/**
 * Narrows the `code` of a received error body to one an HTTP server of ours sends, so a peer
 * can rethrow it under the same code; anything else is treated as unknown.
 */
export function isHttpErrorCode(value: unknown): value is ErrorCode {
  return (
    typeof value === "string" && (value === "INTERNAL" || STATUS_OF_CODE.has(value as ErrorCode))
  );
}

/** The stable code for an HTTP status that came without a usable error body. */
export function codeOfHttpStatus(httpStatus: number): ErrorCode {
  switch (httpStatus) {
    case 400:
      return "INVALID_ARGUMENT";
    case 404:
      return "NOT_FOUND";
    case 409:
      return "ALREADY_EXISTS";
    case 413:
    case 429:
      return "RESOURCE_EXHAUSTED";
    case 415:
      return "UNSUPPORTED_MEDIA_TYPE";
    case 502:
    case 503:
      return "UNAVAILABLE";
    case 504:
      return "TIMEOUT";
    default:
      return "INTERNAL";
  }
}
