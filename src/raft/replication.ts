// How a leader sends its log: AppendEntries per follower within flow-control limits,
// heartbeats, and snapshots in chunks when a follower needs compacted entries (§5.3, §7).
// Pure: no I/O, no timers, no await.

import { logIndex, type NodeId } from "../lib/index.ts";
import type { Raft } from "./raft.ts";
import { entryBytes } from "./raft-log.ts";

/**
 * Sends `to` the entries it is missing, if its Progress allows. With `sendIfEmpty` an
 * AppendEntries without entries still goes out (it carries the commit index). Returns
 * whether a message was sent.
 */
export function maybeSendAppend(r: Raft, to: NodeId, sendIfEmpty: boolean): boolean {
  const progress = r.tracker.progress.get(to);
  if (progress === undefined || progress.isPaused()) return false;
  const prevLogIndex = logIndex(progress.next - 1);
  const prevLogTerm = r.log.term(prevLogIndex);
  // With a full inflight window only an empty AppendEntries goes out (after a heartbeat
  // answer): if every inflight message was lost, its ack or rejection unblocks the window.
  const isWindowFull = progress.state === "replicate" && progress.inflights.isFull();
  const entries = isWindowFull
    ? []
    : r.log.slice(progress.next, r.log.lastIndex(), r.config.appendBytesMax);
  if (prevLogTerm === undefined || entries === undefined) {
    // §7: the entries this follower needs were compacted; send the snapshot instead.
    return startSnapshot(r, to);
  }
  if (entries.length === 0 && !sendIfEmpty) return false;
  const isCommitOnly =
    entries.length === 0 && progress.state === "replicate" && prevLogIndex === progress.match;
  r.send({
    type: "AppendEntries",
    from: r.id,
    to,
    term: r.term,
    prevLogIndex,
    prevLogTerm,
    entries,
    leaderCommit: r.log.commit,
    ...(isCommitOnly ? { commitOnly: true } : {}),
  });
  const last = entries.at(-1);
  const bytes = entries.reduce((sum, entry) => sum + entryBytes(entry), 0);
  progress.sentEntries({
    count: entries.length,
    lastIndex: last?.index ?? prevLogIndex,
    bytes,
    commit: r.log.commit,
    tick: r.tickCount,
  });
  return true;
}

export function sendAppend(r: Raft, to: NodeId): void {
  maybeSendAppend(r, to, true);
}

/**
 * Sends every follower its new entries, or else an empty append if it has one to learn: the
 * commit index it was not sent yet, or, while probing, where its log matches ours.
 */
export function broadcastAppend(r: Raft): void {
  for (const id of sortedPeers(r)) {
    const progress = r.tracker.progress.get(id);
    const hasNews = progress?.state !== "replicate" || progress.canLearnCommit(r.log.commit);
    maybeSendAppend(r, id, hasNews);
  }
}

/**
 * Whether broadcastAppend, as leader, would send only empty appends that tell the commit:
 * every peer is in `replicate` and has been sent every entry. Not with no peer at all, where
 * there is nothing to hold back.
 */
export function isCommitNoticeOnly(r: Raft): boolean {
  if (r.role !== "leader") return false;
  const lastIndex = r.log.lastIndex();
  let hasPeer = false;
  for (const [id, progress] of r.tracker.progress) {
    if (id === r.id) continue;
    if (progress.state !== "replicate" || progress.next <= lastIndex) return false;
    hasPeer = true;
  }
  return hasPeer;
}

/** Heartbeats to every follower, carrying the newest pending read context (thesis 6.4). */
export function broadcastHeartbeat(r: Raft): void {
  const readContext = r.readOnly.lastContext();
  for (const id of sortedPeers(r)) sendHeartbeat(r, id, readContext);
}

export function sendHeartbeat(r: Raft, to: NodeId, readContext: string): void {
  const progress = r.tracker.progress.get(to);
  if (progress === undefined) return;
  // A follower may not have every entry up to commit yet; only tell it what it holds.
  const leaderCommit = logIndex(Math.min(progress.match, r.log.commit));
  r.send({
    type: "Heartbeat",
    from: r.id,
    to,
    term: r.term,
    leaderCommit,
    readContext,
    ...(leaderCommit === r.log.commit ? { isWholeCommit: true } : {}),
    leaderTick: r.tickCount,
  });
}

function sortedPeers(r: Raft): NodeId[] {
  return [...r.tracker.progress.keys()].filter((id) => id !== r.id).sort((a, b) => a - b);
}

function startSnapshot(r: Raft, to: NodeId): boolean {
  const progress = r.tracker.progress.get(to);
  const snapshot = r.log.latestSnapshot;
  if (progress === undefined || snapshot === undefined) return false;
  // Like etcd: do not start streaming a snapshot to a follower that seems to be down.
  if (r.tickCount - progress.lastActiveTick >= r.config.electionTicks) return false;
  progress.becomeSnapshot(snapshot);
  sendSnapshotChunk(r, to);
  return true;
}

/** Sends the chunk at the follower's acknowledged offset. */
export function sendSnapshotChunk(r: Raft, to: NodeId): void {
  const transfer = r.tracker.progress.get(to)?.transfer;
  if (transfer === undefined) return;
  const { snapshot } = transfer;
  const end = Math.min(transfer.offset + r.config.snapshotChunkBytes, snapshot.data.byteLength);
  r.send({
    type: "InstallSnapshot",
    from: r.id,
    to,
    term: r.term,
    metadata: snapshot.metadata,
    offset: transfer.offset,
    totalBytes: snapshot.data.byteLength,
    data: snapshot.data.subarray(transfer.offset, end),
  });
  transfer.isChunkInFlight = true;
  transfer.sentAtTick = r.tickCount;
}

/** Thesis 3.10: the transferee is up to date; tell it to campaign now. */
export function sendTimeoutNow(r: Raft, to: NodeId): void {
  r.send({ type: "TimeoutNow", from: r.id, to, term: r.term });
}
