// What a gRPC server holds of request messages not yet whole. A call keeps what arrived of a
// message until its last byte does; a client that sends all of a 1 MiB message but that byte,
// on each of many calls, and then waits, made a node hold 1 MiB a call for as long as it liked
// (400 calls on 4 connections held 410 MB, and a connection takes 100 calls). So large
// messages (over one default stream window) share one budget per server, as large answers do
// (unread-answers.ts): one that does not fit is refused with RESOURCE_EXHAUSTED before a byte
// of it is kept, and one that is not whole within a deadline ends its call, as an HTTP body
// must arrive within one. Small messages always go, and peer batches (RouteLimits.isPeerTraffic)
// are never counted, so that what clients hold never stops Raft traffic.

/** Messages up to this size are never refused for the budget: one default stream window. */
export const SMALL_REQUEST_BYTES = 64 * 1024;
/** Default budget of large request messages begun and not yet whole, per server. */
export const PARTIAL_REQUEST_BYTES_MAX_DEFAULT = 64 * 1024 * 1024;
/** Default time a large request message may take from its first byte to its last. */
export const PARTIAL_REQUEST_MS_DEFAULT = 20_000;
