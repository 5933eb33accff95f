// Workflow ids are UUID v4 strings drawn from an injected Random (never crypto), so a
// seeded simulation produces the same ids on every run.
// Pure: no I/O.

import type { Random } from "../lib/index.ts";

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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

/** True for a UUID in its canonical text form (any version), as API callers must pass. */
export function isWorkflowId(text: string): boolean {
  return UUID_PATTERN.test(text);
}
