// A leader whose log has another entry where this node has a committed one. Raft rules that
// out (a leader holds every committed entry), as long as what each node synced to disk stays
// there. So it means writes a majority had made durable were lost: a disk that dropped them,
// or a node started from an old copy, took part in electing a leader without them. Taking the
// leader's log would drop acknowledged entries here too, and answering that the logs match
// would hide the loss from the leader; the replica refuses the message instead, and its host
// says so (multiraft/batch-router.ts), keeping what it holds.
// Pure: no I/O.

import { type LogIndex, RaftoralError, type Term } from "../lib/index.ts";

export class CommittedEntryLostError extends RaftoralError {
  constructor(claim: { index: LogIndex; term: Term; ourTerm: Term; commit: LogIndex }) {
    super(
      "STORAGE_CORRUPT",
      `the leader's log has entry ${claim.index} at term ${claim.term}, where this node ` +
        `committed one at term ${claim.ourTerm} (it has committed up to ${claim.commit}): ` +
        "a majority of the group elected a leader without entries it had acknowledged, so " +
        "some node lost writes it had synced to disk (a damaged disk, or a node started from an " +
        "old copy). This replica takes nothing from that leader and keeps its log: it may " +
        'hold the only copy of them. See "Lost writes" in docs/storage.md',
    );
    this.name = "CommittedEntryLostError";
  }
}
