// How long the client gives its calls, unless the caller says otherwise.

/** Every call's time, unless the caller gives one. */
export const DEFAULT_TIMEOUT_MS = 10_000;
/** A wait's call deadline runs this much past the wait itself, so the server's answer wins. */
export const WAIT_MARGIN_MS = 5_000;
/** A probe of the other protocol after a node gave no sensible answer. */
export const PROBE_TIMEOUT_MS = 2_000;
/**
 * A leave answers once the node's groups no longer count on it: with the default 10 s
 * proposal timeout, up to 10 s for its removal and 60 s for its groups to replace it.
 */
export const LEAVE_TIMEOUT_MS = 90_000;
/**
 * A recovery answers once each forced group is led by the node again (up to 10 s) and the
 * management group recorded the voters left behind (up to 10 s more): with the client's 10 s
 * the caller was told "it may still do it" of a recovery that was done.
 */
export const RECOVER_TIMEOUT_MS = 30_000;
