// Quorum arithmetic for simple majorities and joint configurations (thesis 4.3).
// Pure functions over sets of voters; property-tested against slow versions.

import type { LogIndex, NodeId } from "../lib/index.ts";

export type VoteResult = "won" | "lost" | "pending";

/** Looks up a voter's acknowledged index; undefined when the voter has acknowledged nothing. */
export type AckedIndex = (id: NodeId) => LogIndex | undefined;

/**
 * The largest index acknowledged by a majority of `voters`. An empty configuration
 * returns +Infinity so that it never limits a joint configuration (thesis 4.3: a joint
 * decision needs both halves; an empty half agrees to everything).
 */
export function majorityCommittedIndex(voters: ReadonlySet<NodeId>, acked: AckedIndex): number {
  const n = voters.size;
  if (n === 0) return Number.POSITIVE_INFINITY;
  const indexes: number[] = [];
  for (const id of voters) indexes.push(acked(id) ?? 0);
  // Sorted descending, the (n/2+1)-th largest value is held by at least a majority.
  indexes.sort((a, b) => b - a);
  return indexes[Math.floor(n / 2)] ?? 0;
}

/** Outcome of an election among `voters`, given the votes received so far. */
export function majorityVoteResult(
  voters: ReadonlySet<NodeId>,
  votes: ReadonlyMap<NodeId, boolean>,
): VoteResult {
  if (voters.size === 0) return "won";
  let granted = 0;
  let missing = 0;
  for (const id of voters) {
    const vote = votes.get(id);
    if (vote === undefined) missing++;
    else if (vote) granted++;
  }
  const quorum = Math.floor(voters.size / 2) + 1;
  if (granted >= quorum) return "won";
  if (granted + missing >= quorum) return "pending";
  return "lost";
}

/** A configuration: `incoming` always; `outgoing` non-empty only while joint. */
export interface JointVoters {
  readonly incoming: ReadonlySet<NodeId>;
  readonly outgoing: ReadonlySet<NodeId>;
}

/** Thesis 4.3: in a joint configuration an entry is committed only by majorities of both. */
export function jointCommittedIndex(voters: JointVoters, acked: AckedIndex): number {
  return Math.min(
    majorityCommittedIndex(voters.incoming, acked),
    majorityCommittedIndex(voters.outgoing, acked),
  );
}

/** Thesis 4.3: an election in a joint configuration needs majorities of both halves. */
export function jointVoteResult(
  voters: JointVoters,
  votes: ReadonlyMap<NodeId, boolean>,
): VoteResult {
  const incoming = majorityVoteResult(voters.incoming, votes);
  const outgoing = majorityVoteResult(voters.outgoing, votes);
  if (incoming === outgoing) return incoming;
  if (incoming === "lost" || outgoing === "lost") return "lost";
  return "pending";
}

/** Every node that votes in either half. */
export function allVoters(voters: JointVoters): Set<NodeId> {
  return new Set([...voters.incoming, ...voters.outgoing]);
}

/**
 * How many more voters may fail before `voters` (a joint configuration: both halves) loses
 * its majority, given which voters are healthy now. 0 when it cannot lose any, or has already
 * lost its majority.
 */
export function toleratedFailures(voters: JointVoters, isHealthy: (id: NodeId) => boolean): number {
  const slack = (half: ReadonlySet<NodeId>) => {
    if (half.size === 0) return Number.POSITIVE_INFINITY;
    const healthy = [...half].filter(isHealthy).length;
    return healthy - (Math.floor(half.size / 2) + 1);
  };
  const result = Math.min(slack(voters.incoming), slack(voters.outgoing));
  return Number.isFinite(result) ? Math.max(0, result) : 0;
}

/**
 * Whether the voters not in `absent` still make a majority of every half: false when their
 * votes are indispensable (one is a sole voter, or one of two), so losing them stops all commits.
 */
export function majorityWithout(voters: JointVoters, absent: ReadonlySet<NodeId>): boolean {
  const holds = (half: ReadonlySet<NodeId>) => {
    const present = [...half].filter((id) => !absent.has(id)).length;
    return half.size === 0 || present >= Math.floor(half.size / 2) + 1;
  };
  return holds(voters.incoming) && holds(voters.outgoing);
}
