// gRPC status codes (https://grpc.github.io/grpc/core/md_doc_statuscodes.html) and the one
// error type the gRPC layer throws. Pure: no I/O.

import { type ErrorCode, RaftoralError, type RaftoralErrorOptions } from "../../lib/index.ts";

/** The canonical gRPC status codes, as sent in the `grpc-status` trailer. */
export const GrpcStatus = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

export type GrpcStatus = (typeof GrpcStatus)[keyof typeof GrpcStatus];

const NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(GrpcStatus).map(([name, code]) => [code, name]),
);

/** "NOT_FOUND" for 5; "CODE_42" for a number outside the table. */
export function grpcStatusName(code: number): string {
  return NAMES.get(code) ?? `CODE_${code}`;
}

/** Narrows a received `grpc-status` value; unknown codes become UNKNOWN, as the spec asks. */
export function parseGrpcStatus(text: string | undefined): GrpcStatus | undefined {
  if (text === undefined || !/^\d{1,3}$/.test(text)) return undefined;
  const code = Number(text);
  return NAMES.has(code) ? (code as GrpcStatus) : GrpcStatus.UNKNOWN;
}

/** How our stable error codes travel as gRPC statuses. Codes not listed become INTERNAL. */
const STATUS_OF_ERROR_CODE: Partial<Readonly<Record<ErrorCode, GrpcStatus>>> = {
  INVALID_ARGUMENT: GrpcStatus.INVALID_ARGUMENT,
  NOT_FOUND: GrpcStatus.NOT_FOUND,
  UNKNOWN_GROUP: GrpcStatus.NOT_FOUND,
  ALREADY_EXISTS: GrpcStatus.ALREADY_EXISTS,
  FAILED_PRECONDITION: GrpcStatus.FAILED_PRECONDITION,
  PERMISSION_DENIED: GrpcStatus.PERMISSION_DENIED,
  UNAUTHENTICATED: GrpcStatus.UNAUTHENTICATED,
  RESOURCE_EXHAUSTED: GrpcStatus.RESOURCE_EXHAUSTED,
  TIMEOUT: GrpcStatus.DEADLINE_EXCEEDED,
  UNAVAILABLE: GrpcStatus.UNAVAILABLE,
  NOT_LEADER: GrpcStatus.UNAVAILABLE,
  NO_LEADER: GrpcStatus.UNAVAILABLE,
  PROPOSAL_DROPPED: GrpcStatus.UNAVAILABLE,
  SHUTTING_DOWN: GrpcStatus.UNAVAILABLE,
};

/** The error code a received status gets, so callers can match on `code` as everywhere else. */
function errorCodeOf(status: GrpcStatus): ErrorCode {
  switch (status) {
    case GrpcStatus.INVALID_ARGUMENT:
    case GrpcStatus.OUT_OF_RANGE:
      return "INVALID_ARGUMENT";
    case GrpcStatus.NOT_FOUND:
      return "NOT_FOUND";
    case GrpcStatus.ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case GrpcStatus.FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case GrpcStatus.PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case GrpcStatus.UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    case GrpcStatus.RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case GrpcStatus.DEADLINE_EXCEEDED:
      return "TIMEOUT";
    case GrpcStatus.UNAVAILABLE:
      return "UNAVAILABLE";
    default:
      return "INTERNAL";
  }
}

/**
 * A call ended with a non-OK gRPC status. Thrown by the client for every failed call, and
 * thrown by handlers to choose the status the server sends. `grpcCode` is the exact gRPC
 * status; `code` is the nearest stable Raftoral error code (UNAVAILABLE, TIMEOUT, ...).
 */
export class GrpcStatusError extends RaftoralError {
  readonly grpcCode: GrpcStatus;

  constructor(grpcCode: GrpcStatus, message: string, options?: RaftoralErrorOptions) {
    super(errorCodeOf(grpcCode), message, options);
    this.grpcCode = grpcCode;
    this.name = "GrpcStatusError";
  }
}

/** What the server sends for an error a handler threw. */
export interface StatusReply {
  readonly grpcCode: GrpcStatus;
  readonly message: string;
  /** True when the error was not one we expected: the server logs it in full. */
  readonly isUnexpected: boolean;
  /** RaftoralError.isNotDone: sent as the NOT_DONE_HEADER trailer. */
  readonly isNotDone?: boolean;
}

/** The trailer (or Trailers-Only header) that says a refused call did nothing ("1"). */
export const NOT_DONE_HEADER = "raftoral-not-done";

/** Message sent for unexpected errors: their text may hold paths or internals. */
export const INTERNAL_MESSAGE = "internal error; see the server log";

/**
 * Maps a thrown value to a status. GrpcStatusError keeps its code; a RaftoralError with a
 * mapped code keeps its message (those are written for callers); anything else is INTERNAL
 * with a fixed message.
 */
export function statusOfError(error: unknown): StatusReply {
  if (error instanceof GrpcStatusError) {
    const { grpcCode, message, isNotDone } = error;
    return { grpcCode, message, isUnexpected: false, isNotDone };
  }
  if (error instanceof RaftoralError) {
    const grpcCode = STATUS_OF_ERROR_CODE[error.code];
    const { message, isNotDone } = error;
    if (grpcCode !== undefined) return { grpcCode, message, isUnexpected: false, isNotDone };
  }
  return { grpcCode: GrpcStatus.INTERNAL, message: INTERNAL_MESSAGE, isUnexpected: true };
}
