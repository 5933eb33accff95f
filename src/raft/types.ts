// The data Raft persists and exchanges: log entries, hard state, membership (conf state),
// snapshots and configuration changes. Plain immutable values; no behaviour.

import type { LogIndex, NodeId, Term } from "../lib/index.ts";

/**
 * What an entry carries. `normal` entries hold application commands (an empty one is the
 * no-op a new leader appends, §5.4.2 / thesis 3.6.2); `confChange` entries hold an encoded
 * ConfChange (see conf-change-codec.ts).
 */
export type EntryType = "normal" | "confChange";

export interface Entry {
  readonly term: Term;
  readonly index: LogIndex;
  readonly type: EntryType;
  readonly data: Uint8Array;
}

/** The state a node must persist before answering anyone (§5.2, §5.3; thesis 3.8). */
export interface HardState {
  readonly term: Term;
  /** The candidate voted for in `term`, or NO_NODE. */
  readonly vote: NodeId;
  /** Highest index known committed. Persisted so restarts can re-apply without waiting. */
  readonly commit: LogIndex;
}

/**
 * Group membership. Outside a joint configuration `votersOutgoing` is empty. During joint
 * consensus (thesis 4.3) decisions need a majority of `voters` AND of `votersOutgoing`.
 * `learnersNext` are voters of the outgoing configuration that become learners when the
 * joint configuration is left (a voter cannot turn into a learner in one step).
 */
export interface ConfState {
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
  readonly votersOutgoing: readonly NodeId[];
  readonly learnersNext: readonly NodeId[];
  /** Leave the joint configuration automatically once it is committed. */
  readonly autoLeave: boolean;
}

export interface SnapshotMetadata {
  /** The last index the snapshot covers. */
  readonly index: LogIndex;
  readonly term: Term;
  /** Membership as of `index`. */
  readonly confState: ConfState;
}

/** Application state as of metadata.index, plus what Raft needs to continue after it. */
export interface Snapshot {
  readonly metadata: SnapshotMetadata;
  readonly data: Uint8Array;
}

export type ConfChangeType = "addVoter" | "removeNode" | "addLearner";

export interface ConfChangeSingle {
  readonly type: ConfChangeType;
  readonly nodeId: NodeId;
}

/**
 * How a change is carried out. `auto`: a single voter change is applied directly (thesis
 * 4.1), anything else goes through a joint configuration that is left automatically.
 * `joint`: always enter a joint configuration, left automatically. `jointExplicit`: enter a
 * joint configuration that stays until an empty ConfChange (leaveJoint) is committed.
 * `force`: the configuration becomes exactly the voters and learners the changes add, without
 * any agreement: only written by an operator's recovery of a group that lost its majority
 * (RawNode.forceSoleVoter), never proposed.
 */
export type ConfChangeTransition = "auto" | "joint" | "jointExplicit" | "force";

/** A membership change, in the style of etcd's ConfChangeV2. No changes = leave joint. */
export interface ConfChange {
  readonly transition: ConfChangeTransition;
  readonly changes: readonly ConfChangeSingle[];
  /** Opaque application context carried with the change (e.g. the new node's address). */
  readonly context: Uint8Array;
}

export const EMPTY_CONF_STATE: ConfState = {
  voters: [],
  learners: [],
  votersOutgoing: [],
  learnersNext: [],
  autoLeave: false,
};
