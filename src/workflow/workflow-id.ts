// Workflow ids: either chosen by the caller at start, or a UUID v4 drawn from an injected
// Random (never crypto), so a seeded simulation produces the same ids on every run. Both
// kinds follow one syntax, checked where an id enters the node.
// Pure: no I/O.

import { InvalidArgumentError, type Random } from "../lib/index.ts";

/** Longest workflow id a caller may choose. */
export const WORKFLOW_ID_CHARS_MAX = 128;
/**
 * Letters, digits and `. _ : @ -`, starting with a letter or digit: safe in URLs, file
 * names, log lines and shell arguments without quoting. A UUID fits.
 */
const WORKFLOW_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@-]*$/;

/** Two hex digits for each byte value. */
const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));

/** A new UUID v4 (RFC 9562 section 5.4: version 4, variant 10) from `random`. */
export function newWorkflowId(random: Random): string {
  // Four words, big-endian; one id per workflow start, so built without intermediate arrays.
  const hexOf = (word: number, shift: number) => HEX[(word >>> shift) & 0xff] as string;
  const a = random.nextU32();
  const b = random.nextU32();
  const c = random.nextU32();
  const d = random.nextU32();
  const version = HEX[((b >>> 8) & 0x0f) | 0x40] as string;
  const variant = HEX[((c >>> 24) & 0x3f) | 0x80] as string;
  return (
    `${hexOf(a, 24)}${hexOf(a, 16)}${hexOf(a, 8)}${hexOf(a, 0)}-${hexOf(b, 24)}${hexOf(b, 16)}-` +
    `${version}${hexOf(b, 0)}-${variant}${hexOf(c, 16)}-${hexOf(c, 8)}${hexOf(c, 0)}` +
    `${hexOf(d, 24)}${hexOf(d, 16)}${hexOf(d, 8)}${hexOf(d, 0)}`
  );
}

/** Returns `text` if it is a valid workflow id; INVALID_ARGUMENT naming `field` otherwise. */
export function checkWorkflowId(text: string, field = "workflow_id"): string {
  if (text.length === 0 || text.length > WORKFLOW_ID_CHARS_MAX) {
    throw new InvalidArgumentError(
      `${field} must have 1 to ${WORKFLOW_ID_CHARS_MAX} characters (got ${text.length})`,
    );
  }
  if (!WORKFLOW_ID_PATTERN.test(text)) {
    throw new InvalidArgumentError(
      `${field} '${text}' may only hold letters, digits and . _ : @ - and must start with a ` +
        `letter or digit, e.g. "order-1234"`,
    );
  }
  return text;
}
