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

/** A new UUID v4 (RFC 9562 section 5.4: version 4, variant 10) from `random`. */
export function newWorkflowId(random: Random): string {
  const bytes = new Uint8Array(16);
  const view = new DataView(bytes.buffer);
  for (let k = 0; k < 4; k++) view.setUint32(4 * k, random.nextU32());
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = [...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
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
