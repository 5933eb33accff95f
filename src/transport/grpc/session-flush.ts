// Bun's `node:http2` holds what a session's streams write until the task that wrote it ends,
// so a peer batch written early in a turn of the node's loop would wait for the rest of the
// turn (0.1-0.15 ms a hop on a commit's path, docs/performance.md). Flushing the session sends
// it at once.

import type { Http2Session } from "node:http2";

/** Bun's native session behind a `node:http2` one (an internal of Bun's runtime). */
const BUN_HTTP2_NATIVE = Symbol.for("::bunhttp2native::");

/**
 * Sends what the session's streams wrote so far. On a runtime without that internal it does
 * nothing, and writes leave at the end of the task as before.
 */
export function flushSession(session: Http2Session): void {
  const native = (session as unknown as Record<symbol, { flush?: () => void } | undefined>)[
    BUN_HTTP2_NATIVE
  ];
  native?.flush?.();
}
