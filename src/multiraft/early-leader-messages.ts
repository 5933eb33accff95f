// A leader's heartbeats and empty appends that reach a node for a group it is about to host: a
// restarted node brings its execution groups back only once the cluster accepted its storage
// (node/storage-check-in.ts), and a joining node creates its replica only once the management
// state places it. A leader's message that arrives just before would be dropped, and the
// replica would then wait a whole heartbeat interval to learn its leader (and the node to report
// ready); a new learner's leader, whose first append (a probe without entries) was dropped,
// would wait as long before it sends the learner the log it must catch up on. The latest such
// message per group and sender is kept for a short while and delivered when the group appears.
// Delivering a delayed message is safe: Raft takes any message late, and a stale one is
// answered or ignored by its term and index as usual. Only messages without entries or
// snapshot data, from nodes of the cluster, for a bounded number of groups: the memory held
// stays small.

import type { Clock, GroupId, NodeId } from "../lib/index.ts";
import type { PeerBatch, PeerMessage } from "../transport/index.ts";

/** Older ones are not worth delivering: the leader has sent newer ones since. */
const KEEP_MS = 2_000;
const GROUPS_MAX = 64;

interface Kept {
  readonly batch: PeerBatch;
  readonly atMs: number;
}

export class EarlyLeaderMessages {
  private readonly byGroup = new Map<GroupId, Map<NodeId, Kept>>();

  constructor(private readonly clock: Clock) {}

  /**
   * Keeps `message` (from `batch`) if it is a heartbeat or an empty append; the latest per
   * sender wins.
   */
  keep(batch: PeerBatch, groupId: GroupId, message: PeerMessage): void {
    if (!isKept(message)) return;
    let kept = this.byGroup.get(groupId);
    if (kept === undefined) {
      this.dropExpired();
      if (this.byGroup.size >= GROUPS_MAX) return;
      kept = new Map();
      this.byGroup.set(groupId, kept);
    }
    const { messages: _all, ...envelope } = batch;
    kept.set(batch.from, { batch: { ...envelope, messages: [message] }, atMs: this.clock.nowMs() });
  }

  /** The messages kept for `groupId` that are still recent, as batches to route again. */
  take(groupId: GroupId): PeerBatch[] {
    const kept = this.byGroup.get(groupId);
    if (kept === undefined) return [];
    this.byGroup.delete(groupId);
    const since = this.clock.nowMs() - KEEP_MS;
    return [...kept.values()].filter((entry) => entry.atMs >= since).map((entry) => entry.batch);
  }

  private dropExpired(): void {
    const since = this.clock.nowMs() - KEEP_MS;
    for (const [groupId, kept] of this.byGroup) {
      if ([...kept.values()].every((entry) => entry.atMs < since)) this.byGroup.delete(groupId);
    }
  }
}

function isKept(message: PeerMessage): boolean {
  if (message.type !== "raft") return false;
  const raft = message.message;
  return raft.type === "Heartbeat" || (raft.type === "AppendEntries" && raft.entries.length === 0);
}
