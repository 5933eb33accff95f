// What both client gateways (gRPC and HTTP) demand of a request's text fields and waits, so
// that the two transports refuse the same requests with the same words.

import { InvalidArgumentError } from "../lib/index.ts";

/** Longest workflow name, workflow id, cluster id or address accepted. */
export const TEXT_FIELD_LENGTH_MAX = 1024;
/** The wait a caller gets when it names none (or 0), in seconds. */
export const WAIT_TIMEOUT_SECONDS_DEFAULT = 30;
/** The longest wait a caller may ask for, in seconds. */
export const WAIT_TIMEOUT_SECONDS_MAX = 3_600;

/** A non-empty string field of at most TEXT_FIELD_LENGTH_MAX characters; `hint` says what. */
export function requiredText(value: unknown, field: string, hint: string): string {
  if (typeof value !== "string" || value.length === 0) {
    throw new InvalidArgumentError(`field '${field}' must be a non-empty string (${hint})`);
  }
  if (value.length > TEXT_FIELD_LENGTH_MAX) {
    throw new InvalidArgumentError(
      `field '${field}' is too long (${value.length} characters; at most ${TEXT_FIELD_LENGTH_MAX})`,
    );
  }
  return value;
}
