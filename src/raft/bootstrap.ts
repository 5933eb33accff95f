// The first state of a brand-new group. Like etcd's Bootstrap, the initial members are
// written as committed ConfChange entries, so every member, including ones that join later
// and catch up from the log, rebuilds the same membership by applying the log.
// Pure: no I/O, no timers, no await.

import { assert, logIndex, NO_NODE, type NodeId, term } from "../lib/index.ts";
import { encodeConfChange } from "./conf-change-codec.ts";
import type { RaftInitialState } from "./raft.ts";
import { EMPTY_CONF_STATE, type Entry } from "./types.ts";

/** The state to persist, then start from, when creating a group with `voters`. */
export function bootstrapState(voters: readonly NodeId[]): RaftInitialState {
  assert(voters.length > 0, "bootstrap: a group needs at least one voter");
  assert(new Set(voters).size === voters.length, "bootstrap: duplicate voters");
  const entries: Entry[] = voters.map((id, k) => ({
    term: term(1),
    index: logIndex(k + 1),
    type: "confChange",
    data: encodeConfChange({
      transition: "auto",
      changes: [{ type: "addVoter", nodeId: id }],
      context: new Uint8Array(),
    }),
  }));
  return {
    hardState: { term: term(1), vote: NO_NODE, commit: logIndex(entries.length) },
    confState: EMPTY_CONF_STATE,
    log: { entries, commit: logIndex(entries.length) },
  };
}

/** The state of a node that will receive the group's log from its leader. */
export function emptyState(): RaftInitialState {
  return {
    hardState: { term: term(0), vote: NO_NODE, commit: logIndex(0) },
    confState: EMPTY_CONF_STATE,
    log: { entries: [], commit: logIndex(0) },
  };
}
