// The messages Raft nodes exchange. A discriminated union on `type`, using the paper's names.
// `term` is the sender's term; forwarded requests (ReadIndex, TransferLeader) carry term 0,
// like a local request, because they are only hints for the leader.

import type { LogIndex, NodeId, Term } from "../lib/index.ts";
import type { Entry, SnapshotMetadata } from "./types.ts";

interface Envelope {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly term: Term;
}

/** §5.2 RequestVote, and its pre-vote twin (thesis 9.6) which changes no state. */
export interface VoteRequest extends Envelope {
  readonly type: "RequestVote" | "RequestPreVote";
  readonly lastLogIndex: LogIndex;
  readonly lastLogTerm: Term;
  /** Sent after TimeoutNow (thesis 3.10): voters must not refuse it for having a leader. */
  readonly isLeaderTransfer: boolean;
}

export interface VoteResponse extends Envelope {
  readonly type: "RequestVoteResponse" | "RequestPreVoteResponse";
  readonly voteGranted: boolean;
}

/** §5.3 AppendEntries. */
export interface AppendEntries extends Envelope {
  readonly type: "AppendEntries";
  readonly prevLogIndex: LogIndex;
  readonly prevLogTerm: Term;
  readonly entries: readonly Entry[];
  readonly leaderCommit: LogIndex;
  /**
   * Set on an AppendEntries without entries to a follower known to hold everything up to
   * prevLogIndex: it only moves the commit index, so a success needs no answer (the answer
   * would tell the leader nothing it does not know). A rejection is still answered.
   */
  readonly commitOnly?: true;
}

/**
 * Answer to AppendEntries (and to a completed InstallSnapshot). On success `index` is the
 * last index known to match the leader. On rejection `index` is the rejected prevLogIndex
 * and (hintIndex, hintTerm) let the leader skip a whole conflicting term at once (§5.3's
 * optimisation, as in etcd: the largest index <= prevLogIndex with term <= prevLogTerm).
 */
export interface AppendEntriesResponse extends Envelope {
  readonly type: "AppendEntriesResponse";
  /** The answering replica's incarnation (RaftConfig.incarnation). */
  readonly incarnation: number;
  readonly success: boolean;
  readonly index: LogIndex;
  readonly hintIndex: LogIndex;
  readonly hintTerm: Term;
}

/**
 * Leader heartbeat. Carries only the commit index the follower can safely use
 * (min(match, commit)), and the newest pending ReadIndex context (thesis 6.4).
 */
export interface Heartbeat extends Envelope {
  readonly type: "Heartbeat";
  readonly leaderCommit: LogIndex;
  readonly readContext: string;
  /**
   * leaderCommit is the leader's whole commit index (the follower holds all of it), not
   * capped: a replica back from a restart learns from it that it is not behind. Absent from
   * older nodes' heartbeats.
   */
  readonly isWholeCommit?: true;
  /** The leader's tick count when it sent this; the answer echoes it. Absent from older nodes. */
  readonly leaderTick?: number;
}

export interface HeartbeatResponse extends Envelope {
  readonly type: "HeartbeatResponse";
  readonly incarnation: number;
  readonly readContext: string;
  /** The heartbeat's leaderTick, which tells the leader how old the heartbeat answered is. */
  readonly leaderTick?: number;
}

/** One chunk of a snapshot (§7). Chunks are sent in order; the follower restores on the last. */
export interface InstallSnapshot extends Envelope {
  readonly type: "InstallSnapshot";
  readonly metadata: SnapshotMetadata;
  readonly offset: number;
  readonly totalBytes: number;
  readonly data: Uint8Array;
}

/** Acknowledges snapshot bytes: `offset` is how many bytes the follower holds so far. */
export interface InstallSnapshotResponse extends Envelope {
  readonly type: "InstallSnapshotResponse";
  readonly snapshotIndex: LogIndex;
  readonly offset: number;
}

/** Thesis 3.10: the leader tells the transferee to start an election at once. */
export interface TimeoutNow extends Envelope {
  readonly type: "TimeoutNow";
}

/** A follower forwards a linearizable read to the leader (thesis 6.4). */
export interface ReadIndexRequest extends Envelope {
  readonly type: "ReadIndex";
  readonly context: string;
}

export interface ReadIndexResponse extends Envelope {
  readonly type: "ReadIndexResponse";
  readonly context: string;
  /** The read may be served once the follower has applied this index. */
  readonly index: LogIndex;
}

/** A follower forwards a leadership transfer request to the leader. */
export interface TransferLeaderRequest extends Envelope {
  readonly type: "TransferLeader";
  readonly transferee: NodeId;
}

export type RaftMessage =
  | VoteRequest
  | VoteResponse
  | AppendEntries
  | AppendEntriesResponse
  | Heartbeat
  | HeartbeatResponse
  | InstallSnapshot
  | InstallSnapshotResponse
  | TimeoutNow
  | ReadIndexRequest
  | ReadIndexResponse
  | TransferLeaderRequest;

export type RaftMessageType = RaftMessage["type"];

/**
 * Thesis 10.2.1: a leader may send these before its own log write is durable, because it
 * counts itself for commitment only from state that a later turn sees persisted. Every
 * other message (votes, acknowledgements) depends on durable state and waits.
 */
export function canSendBeforePersist(message: RaftMessage): boolean {
  switch (message.type) {
    case "AppendEntries":
    case "Heartbeat":
    case "InstallSnapshot":
    case "TimeoutNow":
      return true;
    default:
      return false;
  }
}
