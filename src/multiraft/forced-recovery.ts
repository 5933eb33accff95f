// An operator's recovery of one hosted group that lost its majority for good: the replica
// becomes the group's only voter (RawNode.forceSoleVoter), and the caller learns what it kept.

import {
  type GroupId,
  type Logger,
  type LogIndex,
  type NodeId,
  RaftoralError,
  type Term,
  term,
} from "../lib/index.ts";
import { unknownGroup } from "./errors.ts";
import type { HostedGroup } from "./hosted-group.ts";

/** What an operator's recovery of a group kept (see MultiRaftHost.forceSoleVoter). */
export interface ForcedRecovery {
  readonly groupId: GroupId;
  /** The last entry of the surviving log: everything up to it is kept, and now committed. */
  readonly lastIndex: LogIndex;
  readonly lastTerm: Term;
  /** What this replica knew was committed before: entries past it were not known to be. */
  readonly commitBefore: LogIndex;
  /** The other voters of the lost configuration: the group drops them. */
  readonly droppedVoters: readonly NodeId[];
}

/** FAILED_PRECONDITION when the replica cannot (it leads already, it is no member). */
export function forceSoleVoter(
  groupId: GroupId,
  group: HostedGroup | undefined,
  options: { readonly self: NodeId; readonly logger: Logger },
): ForcedRecovery | Error {
  if (group === undefined) return unknownGroup(groupId);
  const { self, logger } = options;
  const before = group.raw.status();
  const forced = group.raw.forceSoleVoter();
  if (!forced.ok) {
    return new RaftoralError("FAILED_PRECONDITION", `group ${group.id}: ${forced.reason}`);
  }
  logger.warn("Forced this replica to be the group's only voter", {
    group: group.id,
    kept_through: before.lastIndex,
    committed_before: before.commit,
  });
  const voters = new Set([...before.confState.voters, ...before.confState.votersOutgoing]);
  return {
    groupId: group.id,
    lastIndex: before.lastIndex,
    lastTerm: group.raw.termAt(before.lastIndex) ?? term(0),
    commitBefore: before.commit,
    droppedVoters: [...voters].filter((id) => id !== self).sort((a, b) => a - b),
  };
}
