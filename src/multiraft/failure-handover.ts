// What a leader can still hand over once its storage failed: it may write nothing more, so it
// cannot go on stepping messages (every answer it gave would promise state it never stored).
// It can still tell the most caught-up voter of each group it leads to take over at once.

import { type GroupId, type Logger, type NodeId, RaftoralError } from "../lib/index.ts";
import type { TimeoutNow } from "../raft/index.ts";
import type { PeerMessage } from "../transport/index.ts";
import type { GroupInspector, PeerSink } from "./host-options.ts";

/**
 * Hands over what it can after `error` stopped the host: after a storage failure, the groups
 * it leads (see timeoutNowAfterFailure); after anything else (a bug) nothing, since the state
 * a message would come from is in doubt.
 */
export function handOverAfterFailure(options: {
  readonly error: Error;
  readonly self: NodeId;
  readonly groups: Iterable<{ readonly id: GroupId; readonly raw: GroupInspector }>;
  readonly peers: PeerSink;
  readonly logger: Logger;
}): void {
  const { error } = options;
  // Storage errors carry STORAGE_* codes (src/storage/storage-error.ts).
  if (!(error instanceof RaftoralError && error.code.startsWith("STORAGE_"))) return;
  const handOvers = timeoutNowAfterFailure(options.self, options.groups);
  for (const { peer, message } of handOvers) options.peers.send(peer, [message]);
  if (handOvers.length === 0) return;
  options.logger.info("Handing over leadership without writing", {
    groups: handOvers.map(({ message }) => message.groupId).join(" "),
  });
}

/**
 * TimeoutNow (thesis 3.10) for every group this node leads, to the voter whose log matches the
 * leader's furthest. Unlike a graceful transfer it does not wait for that voter to catch up
 * fully: the entries it lacks are the ones the failed write held, which no majority stored
 * through this node. Safe without writing: TimeoutNow carries no state of the sender, and the
 * voter's election is an ordinary one that needs a majority of votes from voters whose logs
 * are no more up to date than its own (§5.2, §5.4.1); if it cannot win, the group elects
 * someone else after an election timeout, as it would have anyway.
 */
export function timeoutNowAfterFailure(
  self: NodeId,
  groups: Iterable<{ readonly id: GroupId; readonly raw: GroupInspector }>,
): { readonly peer: NodeId; readonly message: PeerMessage }[] {
  const handOvers: { peer: NodeId; message: PeerMessage }[] = [];
  for (const { id, raw } of groups) {
    const status = raw.status();
    if (status.role !== "leader") continue;
    let successor: NodeId | undefined;
    let successorMatch = -1;
    for (const voter of status.confState.voters) {
      const match = raw.matchOf(voter) ?? -1;
      if (voter !== self && match > successorMatch) {
        successor = voter;
        successorMatch = match;
      }
    }
    if (successor === undefined) continue;
    const message: TimeoutNow = {
      type: "TimeoutNow",
      from: self,
      to: successor,
      term: status.term,
    };
    handOvers.push({ peer: successor, message: { type: "raft", groupId: id, message } });
  }
  return handOvers;
}
