// Tunables of one Raft group, with their limits checked once at construction.

import { assert, type NodeId } from "../lib/index.ts";

export interface RaftConfig {
  readonly id: NodeId;
  /** Followers start an election after a random timeout in [electionTicks, 2*electionTicks). */
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  /** Thesis 9.6: ask for votes without changing term first, so a rejoining node cannot disrupt. */
  readonly preVote: boolean;
  /** Thesis 6.2: a leader steps down when it has not heard from a quorum for electionTicks. */
  readonly checkQuorum: boolean;
  readonly inflightAppendsMax: number;
  readonly inflightBytesMax: number;
  /** Bytes of entries per AppendEntries message. */
  readonly appendBytesMax: number;
  /** Proposals are refused while the leader's uncommitted entries exceed this (backpressure). */
  readonly uncommittedBytesMax: number;
  /** Bytes of snapshot data per InstallSnapshot chunk. */
  readonly snapshotChunkBytes: number;
  /** A follower refuses snapshots larger than this. */
  readonly snapshotBytesMax: number;
  /** Bytes of committed entries handed out per Ready, so one turn stays short. */
  readonly committedBytesPerReadyMax: number;
  /**
   * Committed entries handed out per Ready. Small entries cost more to apply than their bytes
   * say, and a follower catching up holds thousands: without this, one turn applied them all
   * while every other group on the node waited (docs/raft.md).
   */
  readonly committedEntriesPerReadyMax: number;
  /** Pending ReadIndex requests per leader. */
  readonly pendingReadsMax: number;
  /**
   * Names this replica among all replicas this node ever held of the group: a node may
   * delete its replica and later host a new, empty one. Answers carry it, so an answer
   * still in flight from the old replica cannot vouch for entries the new one lacks.
   */
  readonly incarnation: number;
}

export const DEFAULT_RAFT_CONFIG: Omit<RaftConfig, "id"> = {
  electionTicks: 10,
  heartbeatTicks: 1,
  preVote: true,
  checkQuorum: true,
  inflightAppendsMax: 256,
  inflightBytesMax: 4 * 1024 * 1024,
  appendBytesMax: 1024 * 1024,
  uncommittedBytesMax: 64 * 1024 * 1024,
  snapshotChunkBytes: 512 * 1024,
  snapshotBytesMax: 1024 * 1024 * 1024,
  committedBytesPerReadyMax: 16 * 1024 * 1024,
  committedEntriesPerReadyMax: 1024,
  pendingReadsMax: 4096,
  incarnation: 0,
};

export function validateRaftConfig(config: RaftConfig): void {
  assert(config.id > 0, "raft config: id must be positive");
  assert(config.heartbeatTicks > 0, "raft config: heartbeatTicks must be positive");
  assert(
    config.electionTicks > config.heartbeatTicks,
    "raft config: electionTicks must be greater than heartbeatTicks",
  );
  assert(config.inflightAppendsMax > 0, "raft config: inflightAppendsMax must be positive");
  assert(config.appendBytesMax > 0, "raft config: appendBytesMax must be positive");
  assert(config.snapshotChunkBytes > 0, "raft config: snapshotChunkBytes must be positive");
  assert(config.pendingReadsMax > 0, "raft config: pendingReadsMax must be positive");
  assert(
    config.committedEntriesPerReadyMax > 0,
    "raft config: committedEntriesPerReadyMax must be positive",
  );
}
