// How many of a group's members vote. A group of two voters loses its majority when either
// member fails, and Raft cannot get it back by itself; one voter and one learner stays up when
// the learner fails. So a group of two keeps one voter, and the second member follows as a
// learner (a copy that is not counted for commitment: an entry is acknowledged once fsynced
// on the voter alone). From three members on, every member votes, up to the maximum.
// Pure: no I/O, no timers, no await.

import type { NodeId } from "../lib/index.ts";

/** The number of voters a group of `members` members should have. */
export function voterTarget(members: number, votersMax: number): number {
  if (members <= 0) return 0;
  if (members === 2) return 1;
  return Math.min(members, votersMax);
}

/** The voter of a group that has exactly one (a two-node cluster's management group). */
export function onlyVoter(voters: readonly NodeId[] | undefined): NodeId | undefined {
  return voters?.length === 1 ? voters[0] : undefined;
}
