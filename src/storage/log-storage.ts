// The durable copy of every Raft group's log on one node, and the node's identity. The Raft
// host keeps each group's log in memory; it calls write() once per event-loop turn and reads
// back only at restart. Implementations: MemoryLogStorage, SqliteLogStorage.

import type { GroupId, LogIndex, NodeId, Term } from "../lib/index.ts";
import type { Entry, HardState, Snapshot } from "../raft/index.ts";

/**
 * What one group asks to persist in one loop turn. The parts are applied in this order:
 * deleteGroup, hardState, snapshot (with snapshotReplacesLog), entries, compactThrough.
 * A write that breaks a log invariant (a gap, overwriting committed entries, compacting past
 * the snapshot...) is a bug in the caller: it rejects with an AssertionError and nothing of
 * its batch is stored.
 */
export interface GroupWrite {
  readonly groupId: GroupId;
  /** Term, vote and commit to store; absent when they did not change. */
  readonly hardState?: HardState;
  /**
   * Store as the group's latest snapshot (its metadata carries the conf state). Entries stay
   * as they are, so a local snapshot keeps the trailing entries slow followers still need;
   * compactThrough removes the old ones. Its index never goes below the stored snapshot's.
   */
  readonly snapshot?: Snapshot;
  /**
   * The snapshot came from the leader (InstallSnapshot) and replaces the whole log: every
   * stored entry of the group is deleted. Requires `snapshot`.
   */
  readonly snapshotReplacesLog?: boolean;
  /**
   * New entries, contiguous and in index order. Stored entries with index >= entries[0].index
   * are deleted first (a new leader overwrote an uncommitted suffix, §5.3), then these are
   * inserted. entries[0].index must be above the stored commit and the snapshot index, and at
   * most one past the last stored index.
   */
  readonly entries: readonly Entry[];
  /**
   * Compaction: delete entries with index <= compactThrough. The host already subtracted the
   * trailing margin it keeps for slow followers. Must not exceed the stored snapshot's index,
   * or a restart could not rebuild the state those entries led to.
   */
  readonly compactThrough?: LogIndex;
  /**
   * Remove the group's log, snapshot and hard state (this node left the group, or it was
   * destroyed). Nothing else may be set with it but a tombstone.
   */
  readonly deleteGroup?: boolean;
  /** With deleteGroup: what a later replica of the group on this node must not forget. */
  readonly tombstone?: GroupTombstone;
}

/**
 * The last term, vote and entry of a deleted replica (see RaftInitialState.voteFloor): a
 * replica created again must not vote as if this node had never been in the group. The entry
 * is the replica's vote floor when it was deleted (RawNode.voteFloor): its own last entry, or
 * what an earlier replica held if that is later.
 */
export interface GroupTombstone {
  readonly term: Term;
  readonly vote: NodeId;
  readonly lastIndex: LogIndex;
  readonly lastTerm: Term;
}

/** What a restart needs to rebuild one group, apart from the entries themselves. */
export interface StoredGroup {
  /** The stored hard state; term 0, no vote, commit 0 if none was ever written. */
  readonly hardState: HardState;
  readonly snapshot?: Snapshot;
  /**
   * Entries [firstIndex, lastIndex] are stored (read them with readEntries). When none are,
   * firstIndex = lastIndex + 1 and lastIndex is the snapshot index (0 without a snapshot).
   * Invariant: firstIndex <= snapshot index + 1 and lastIndex >= snapshot index.
   */
  readonly firstIndex: LogIndex;
  readonly lastIndex: LogIndex;
}

export type NodeTransport = "grpc" | "http";

/** Who this node is: written once it has an id, read at restart. */
export interface NodeIdentity {
  readonly nodeId: NodeId;
  /** Identifies the cluster the node joined, so it never rejoins a different one by mistake. */
  readonly clusterId: string;
  /** host:port other nodes reach this node at. */
  readonly advertiseAddress: string;
  readonly transport: NodeTransport;
  /**
   * The last start of this storage that the cluster accepted (src/management/incarnation.ts);
   * absent: none yet (0).
   */
  readonly incarnation?: number;
  /** The check-in a start of this storage made and has not seen accepted yet. */
  readonly claim?: IncarnationClaim;
  /** The node left the cluster for good (`node leave`): no start resumes this storage. */
  readonly hasLeft?: boolean;
  /**
   * A leave began (its removal may be committed): a start that finds the cluster removed the
   * node takes the leave as done instead of registering again (src/node/rejoin.ts).
   */
  readonly isLeaving?: boolean;
}

/** A start's claim of the next incarnation: kept until the cluster answers, then reused. */
export interface IncarnationClaim {
  readonly incarnation: number;
  readonly nonce: string;
}

/** Arguments of LogStorage.readEntries. */
export interface ReadEntriesRange {
  readonly groupId: GroupId;
  /** First index to read; must be >= the group's firstIndex. */
  readonly fromIndex: LogIndex;
  /** Last index wanted; must be <= the group's lastIndex. */
  readonly toIndexInclusive: LogIndex;
  /**
   * Stop before the data passes this many bytes. The first entry is always returned, however
   * large, so a caller looping on the last returned index always makes progress.
   */
  readonly bytesMax: number;
}

export interface WriteOptions {
  /**
   * false: the batch needs not be on disk before write() resolves (it only moves commit
   * indexes or compacts: a crash may lose it, and a restart recovers it from the log). It
   * still becomes durable with the next synced write. Default true.
   */
  readonly sync?: boolean;
}

/**
 * Durable storage of all Raft groups of one node. Every method may reject with a
 * StorageError (src/storage/storage-error.ts); after a failed write the node must stop and
 * restart from disk (never retry an fsync).
 */
export interface LogStorage {
  /**
   * Makes every group's writes of one loop turn durable in one transaction (one fsync).
   * Resolves only once they are durable; all or nothing.
   */
  write(batch: readonly GroupWrite[], options?: WriteOptions): Promise<void>;
  /** Ids of the groups with anything stored, ascending. */
  listGroups(): Promise<GroupId[]>;
  /** The stored state of one group, or undefined if the group has nothing stored. */
  loadGroup(groupId: GroupId): Promise<StoredGroup | undefined>;
  /** The tombstone the group's last deleted replica left here, if any (the newest one). */
  loadTombstone(groupId: GroupId): Promise<GroupTombstone | undefined>;
  /**
   * Entries from fromIndex on, in order and contiguous, at most READ_ENTRIES_MAX of them and
   * about bytesMax bytes of data, and at least one. Every entry's checksum is verified: a
   * corrupt or missing entry rejects with a StorageCorruptError, it is never returned.
   */
  readEntries(range: ReadEntriesRange): Promise<Entry[]>;
  loadIdentity(): Promise<NodeIdentity | undefined>;
  /** Durably stores the identity, replacing any earlier one. */
  saveIdentity(identity: NodeIdentity): Promise<void>;
  /**
   * Prepares room that makes later writes cheaper and that no start needs to wait for: the
   * node calls it once it is ready. Resolves false when the disk has no room to spare (writes
   * still work); rejects as a failed write does. Absent where there is nothing to prepare.
   */
  reserveSpace?(): Promise<boolean>;
  /**
   * Throws the StorageError a write would, once the storage's file is gone or replaced: a
   * node that writes nothing for a while asks at each tick (cheap: it looks at most once a
   * second). Absent where there is no file.
   */
  checkFile?(): void;
  /** Releases the storage; every later call rejects. Waits for writes in flight. */
  close(): Promise<void>;
}

/** Most entries one readEntries call returns, whatever bytesMax allows. */
export const READ_ENTRIES_MAX = 10_000;
