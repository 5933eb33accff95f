// What a leader knows about one follower's log (etcd's Progress). States:
//
//   probe ----(ack)----> replicate
//     ^  \                  |
//     |   (needs compacted  | (reject, unreachable)
//     |    entries)         v
//     +--- snapshot <----- probe
//
// probe: one AppendEntries at a time until the match point is found, sent again when its
//   answer asks for an earlier index or a heartbeat answer shows it lost (isProbeLostBy).
// replicate: stream entries optimistically, bounded by inflights.
// snapshot: sending the snapshot in chunks; no entries until the follower installed it.
// Pure: no I/O, no timers, no await.

import { assert, type LogIndex, logIndex } from "../lib/index.ts";
import { Inflights } from "./inflights.ts";
import type { Snapshot } from "./types.ts";

export type ProgressState = "probe" | "replicate" | "snapshot";

/** A snapshot being streamed to a follower. */
export interface SnapshotTransfer {
  readonly snapshot: Snapshot;
  /** Bytes the follower has acknowledged; the next chunk starts here. */
  offset: number;
  /** A chunk was sent and not yet acknowledged. */
  isChunkInFlight: boolean;
  /** The leader's tick count when that chunk was last sent. */
  sentAtTick: number;
}

export interface ProgressLimits {
  readonly inflightAppendsMax: number;
  readonly inflightBytesMax: number;
}

export class Progress {
  // Invariant: match < next
  match: LogIndex = logIndex(0);
  next: LogIndex;
  state: ProgressState = "probe";
  /**
   * Probe: an AppendEntries is unanswered. Replicate: the inflight window is full. Either
   * way, hold back until an ack, a rejection, or a heartbeat answer that shows the probe lost
   * (probe) or that the follower is there (replicate).
   */
  isFlowPaused = false;
  /** Probe: the leader's tick count when the probe in flight was sent. */
  probeSentAtTick: number | undefined;
  transfer: SnapshotTransfer | undefined;
  /** Leader-local tick at which this follower was last heard from (check-quorum). */
  lastActiveTick: number;
  /**
   * Whether it answered this leader at all: lastActiveTick starts at the leader's first tick
   * (check-quorum gives every voter its first timeout), which says nothing of the follower.
   */
  hasAnswered = false;
  isLearner: boolean;
  readonly inflights: Inflights;
  /** The follower replica's incarnation (RaftConfig.incarnation), once an answer told it. */
  incarnation: number | undefined;
  /**
   * The highest commit index the AppendEntries sent to this follower can have told it: each
   * tells at most its own last index (etcd's sentCommit). An empty append that would tell no
   * more is not sent; a heartbeat still carries the commit if one got lost.
   */
  sentCommit: LogIndex = logIndex(0);

  constructor(options: {
    next: LogIndex;
    isLearner: boolean;
    lastActiveTick: number;
    limits: ProgressLimits;
  }) {
    this.next = options.next;
    this.isLearner = options.isLearner;
    this.lastActiveTick = options.lastActiveTick;
    this.inflights = new Inflights(
      options.limits.inflightAppendsMax,
      options.limits.inflightBytesMax,
    );
  }

  private resetState(state: ProgressState): void {
    this.isFlowPaused = false;
    this.probeSentAtTick = undefined;
    this.transfer = undefined;
    this.state = state;
    this.inflights.reset();
  }

  /**
   * Adopts the incarnation an answer came from. Returns true when it differs from the one
   * before: the node holds a new replica now, possibly empty, so everything learned from the
   * old one is forgotten and the leader probes from its last index again.
   */
  noteIncarnation(incarnation: number, leaderLastIndex: LogIndex): boolean {
    const isNewReplica = this.incarnation !== undefined && this.incarnation !== incarnation;
    this.incarnation = incarnation;
    if (!isNewReplica) return false;
    this.match = logIndex(0);
    this.sentCommit = logIndex(0);
    this.resetState("probe");
    this.next = logIndex(leaderLastIndex + 1);
    return true;
  }

  becomeProbe(): void {
    // Leaving snapshot state, the follower will hold at least the snapshot.
    const snapshotIndex = this.transfer?.snapshot.metadata.index ?? 0;
    const wasSnapshot = this.state === "snapshot";
    this.resetState("probe");
    this.next = logIndex(Math.max(this.match + 1, wasSnapshot ? snapshotIndex + 1 : 0));
  }

  becomeReplicate(): void {
    this.resetState("replicate");
    this.next = logIndex(this.match + 1);
  }

  becomeSnapshot(snapshot: Snapshot): void {
    this.resetState("snapshot");
    this.transfer = { snapshot, offset: 0, isChunkInFlight: false, sentAtTick: 0 };
  }

  /** Acks free inflight messages; with room again, replication may continue. */
  freeInflightsThrough(index: LogIndex): void {
    this.inflights.freeLE(index);
    if (!this.inflights.isFull()) this.isFlowPaused = false;
  }

  /** An ack up to `index` arrived. Returns whether it moved `match`. */
  maybeUpdate(index: LogIndex): boolean {
    let isUpdated = false;
    if (this.match < index) {
      this.match = index;
      isUpdated = true;
      this.isFlowPaused = false;
    }
    this.next = logIndex(Math.max(this.next, index + 1));
    return isUpdated;
  }

  /**
   * A rejection of the AppendEntries whose prevLogIndex was `rejected` arrived, with the
   * follower's hint that its log matches at most up to `matchHint`. Returns false when the
   * rejection is stale (answers an older message) and must be ignored.
   */
  maybeDecrTo(rejected: LogIndex, matchHint: LogIndex): boolean {
    if (this.state === "replicate") {
      if (rejected <= this.match) return false;
      this.next = logIndex(this.match + 1);
    } else {
      if (this.next - 1 !== rejected) return false;
      this.next = logIndex(Math.max(Math.min(rejected, matchHint + 1), this.match + 1));
      this.isFlowPaused = false;
    }
    // What was sent past the follower's log told it nothing.
    this.sentCommit = logIndex(Math.min(this.sentCommit, this.next - 1));
    return true;
  }

  /**
   * Probe: whether a heartbeat answer says the probe in flight was lost, so that it may go
   * again. A leader's messages to a follower mostly travel in order (one stream) and are
   * answered in order, so the answer to a heartbeat sent after the probe comes after the
   * probe's own answer: if it comes while the probe is unanswered, the probe was lost. Where
   * order breaks (a batch sent by request while a stream opens), a probe may go twice, never
   * less often than it must. The answer to an earlier heartbeat says
   * nothing of it. A follower busy for a while answers several heartbeats at once, and each
   * answer used to send the probe again, entries and all: a node back after missing 1,000
   * entries in each of 100 groups was sent each group's backlog about five times. An answer
   * without the tick (an older node) counts as before.
   */
  isProbeLostBy(answeredTick: number | undefined): boolean {
    const sentAt = this.probeSentAtTick;
    return sentAt === undefined || answeredTick === undefined || answeredTick > sentAt;
  }

  /** Whether an empty AppendEntries would tell this follower of a commit it cannot know. */
  canLearnCommit(commit: LogIndex): boolean {
    return this.sentCommit < Math.min(commit, this.next - 1);
  }

  /**
   * Records that an AppendEntries with `count` entries (ending at `lastIndex`, `bytes` of them)
   * and the leader's `commit` was sent at the leader's `tick`.
   */
  sentEntries(sent: {
    count: number;
    lastIndex: LogIndex;
    bytes: number;
    commit: LogIndex;
    tick: number;
  }): void {
    const { count, lastIndex, bytes, commit } = sent;
    this.sentCommit = logIndex(Math.max(this.sentCommit, Math.min(commit, lastIndex)));
    if (this.state === "replicate") {
      if (count > 0) {
        this.next = logIndex(lastIndex + 1);
        this.inflights.add(lastIndex, bytes);
      }
      this.isFlowPaused = this.inflights.isFull();
    } else if (this.state === "probe") {
      this.isFlowPaused = true;
      this.probeSentAtTick = sent.tick;
    } else {
      assert(false, "progress: sending entries while in snapshot state");
    }
  }

  /** Whether the leader must hold back AppendEntries to this follower for now. */
  isPaused(): boolean {
    return this.state === "snapshot" || this.isFlowPaused;
  }
}
