// What a gRPC server holds for callers that do not read their answers. HTTP/2 sends a stream
// only as much as its client's window allows; the rest of an answer waits in the server's
// memory until the client reads. A client that advertised a window of 0 and asked for 2,000
// descriptions of a workflow with a 1 MB input held 3.6 GB of a node's memory, as long as it
// kept its connections. So large answers share one budget per server: an answer that does
// not fit is refused with RESOURCE_EXHAUSTED instead of being held, and its bytes count until
// they left for the client (or its stream closed). Small answers (acks, starts, health)
// always go, so that a full budget never stops Raft traffic or the calls that run workflows.
// An answer still unread a while after its call ended has its stream reset (ServerCall).

/** Answers up to this size are never refused for the budget: one default stream window. */
export const SMALL_ANSWER_BYTES = 64 * 1024;
/** Default budget of large answers not yet read, per server. */
export const UNREAD_ANSWER_BYTES_MAX_DEFAULT = 64 * 1024 * 1024;
/** Default time a call's answer may stay unread after the call ended before its stream is reset. */
export const UNREAD_ANSWER_MS_DEFAULT = 60_000;
