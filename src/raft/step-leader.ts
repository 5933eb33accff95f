// Message handling while leader: follower acknowledgements, heartbeat answers (which also
// confirm ReadIndex rounds), snapshot chunk acks, forwarded reads and transfer requests.
// Pure: no I/O, no timers, no await.

import { type LogIndex, NO_NODE, type NodeId } from "../lib/index.ts";
import type {
  AppendEntriesResponse,
  HeartbeatResponse,
  InstallSnapshotResponse,
  RaftMessage,
} from "./messages.ts";
import type { Raft } from "./raft.ts";
import {
  broadcastAppend,
  broadcastHeartbeat,
  maybeSendAppend,
  sendAppend,
  sendSnapshotChunk,
  sendTimeoutNow,
} from "./replication.ts";

export function stepLeader(r: Raft, message: RaftMessage): void {
  switch (message.type) {
    case "AppendEntriesResponse":
      handleAppendResponse(r, message);
      return;
    case "HeartbeatResponse":
      handleHeartbeatResponse(r, message);
      return;
    case "InstallSnapshotResponse":
      handleSnapshotResponse(r, message);
      return;
    case "ReadIndex":
      requestRead(r, message.context, message.from);
      return;
    case "TransferLeader":
      transferLeadership(r, message.transferee);
      return;
    default:
      // Vote answers after winning, or messages only followers act on.
      return;
  }
}

function markActive(r: Raft, from: NodeId): void {
  const progress = r.tracker.progress.get(from);
  if (progress === undefined) return;
  progress.lastActiveTick = r.tickCount;
  progress.hasAnswered = true;
}

/** §5.3: advance a follower's match on success; back off quickly on rejection. */
function handleAppendResponse(r: Raft, message: AppendEntriesResponse): void {
  const progress = r.tracker.progress.get(message.from);
  // An ack past our last index answers nothing we sent: a peer misbehaves. Ignore it.
  if (progress === undefined || message.index > r.log.lastIndex()) return;
  progress.lastActiveTick = r.tickCount;
  progress.hasAnswered = true;
  const isNewReplica = progress.noteIncarnation(message.incarnation, r.log.lastIndex());
  if (!message.success) {
    let matchHint = message.hintIndex;
    if (message.hintTerm > 0)
      matchHint = r.log.findConflictByTerm(message.hintIndex, message.hintTerm).index;
    if (progress.maybeDecrTo(message.index, matchHint) || isNewReplica) {
      if (progress.state === "replicate") progress.becomeProbe();
      sendAppend(r, message.from);
    }
    return;
  }
  const wasPaused = progress.isPaused();
  const isProbeMatch = progress.match === message.index && progress.state === "probe";
  if (!progress.maybeUpdate(message.index) && !isProbeMatch) return;
  if (progress.state === "probe") {
    progress.becomeReplicate();
  } else if (progress.state === "snapshot") {
    const snapshotIndex = progress.transfer?.snapshot.metadata.index ?? 0;
    if (progress.match + 1 >= r.log.firstIndex()) {
      // The follower can continue from our log: resume streaming entries.
      progress.becomeProbe();
      progress.becomeReplicate();
    } else if (progress.match >= snapshotIndex) {
      // It installed the snapshot, but we compacted further meanwhile: probe, which
      // starts a newer snapshot.
      progress.becomeProbe();
    }
  } else if (progress.state === "replicate") {
    progress.freeInflightsThrough(message.index);
  }
  if (r.maybeCommit()) {
    releaseReadsAwaitingCommit(r);
    // Told in the Ready, once: the turn's other acknowledgements may commit more, and its
    // appends with entries may carry the commit already.
    r.isBroadcastPending = true;
  } else if (wasPaused) {
    sendAppend(r, message.from);
  }
  while (maybeSendAppend(r, message.from, false)) {
    // Keep streaming while flow control allows; each call sends at most appendBytesMax.
  }
  if (message.from === r.leadTransferee && progress.match === r.log.lastIndex()) {
    sendTimeoutNow(r, message.from);
  }
}

function handleHeartbeatResponse(r: Raft, message: HeartbeatResponse): void {
  const progress = r.tracker.progress.get(message.from);
  if (progress === undefined) return;
  markActive(r, message.from);
  progress.noteIncarnation(message.incarnation, r.log.lastIndex());
  if (progress.state !== "probe" || progress.isProbeLostBy(message.leaderTick)) {
    progress.isFlowPaused = false;
  }
  if (progress.state === "snapshot") {
    // A chunk unanswered for an election timeout was likely lost: send it again. Not sooner:
    // a chunk of a large snapshot may well take longer than a heartbeat to arrive and be
    // answered, and every copy sent early costs its bytes again.
    const transfer = progress.transfer;
    if (transfer?.isChunkInFlight === true && isOverdue(r, transfer.sentAtTick)) {
      sendSnapshotChunk(r, message.from);
    }
  } else if (progress.match < r.log.lastIndex() || progress.state === "probe") {
    sendAppend(r, message.from);
  }
  if (message.readContext === "") return;
  const acks = r.readOnly.recordAck(message.from, message.readContext);
  if (acks === undefined || r.tracker.quorumOf((id) => acks.has(id)) !== "won") return;
  for (const read of r.readOnly.releaseThrough(message.readContext)) {
    answerRead(r, read.context, read.requester, read.index);
  }
}

function handleSnapshotResponse(r: Raft, message: InstallSnapshotResponse): void {
  const progress = r.tracker.progress.get(message.from);
  const transfer = progress?.transfer;
  markActive(r, message.from);
  if (progress?.state !== "snapshot" || transfer === undefined) return;
  if (transfer.snapshot.metadata.index !== message.snapshotIndex) return;
  const offset = Math.min(Math.max(message.offset, 0), transfer.snapshot.data.byteLength);
  // The follower still waits for the chunk in flight: this answers an earlier copy of the
  // chunk before it. Sending that chunk again would put a second copy in flight, whose answer
  // would send a second copy of the next one, and so on for the rest of the snapshot.
  if (transfer.isChunkInFlight && offset === transfer.offset) return;
  transfer.offset = offset;
  transfer.isChunkInFlight = false;
  if (transfer.offset < transfer.snapshot.data.byteLength) sendSnapshotChunk(r, message.from);
}

function isOverdue(r: Raft, sentAtTick: number): boolean {
  return r.tickCount - sentAtTick >= r.config.electionTicks;
}

// ---- reads (thesis 6.4) ----------------------------------------------------------------

/** Serves or queues a read for `requester` (this node or a follower). */
export function requestRead(r: Raft, context: string, requester: NodeId): void {
  // Thesis 6.4 step 1: until an entry of this term commits, our commit index may lag. So too
  // for a single voter: restarted, its hard state's commit may be behind entries it had
  // committed and answered for before the crash (Raft simulation seed 60474).
  if (r.log.term(r.log.commit) !== r.term) {
    if (r.readsAwaitingCommit.length < r.config.pendingReadsMax) {
      r.readsAwaitingCommit.push({ context, requester });
    }
    return;
  }
  if (r.tracker.isSingleton(r.id)) {
    answerRead(r, context, requester, r.log.commit);
    return;
  }
  if (r.readOnly.size() >= r.config.pendingReadsMax) return;
  r.readOnly.add(context, requester, r.log.commit, r.id);
  broadcastHeartbeat(r);
}

/** Reads that waited for an entry of this term to commit (thesis 6.4 step 1) go ahead. */
export function releaseReadsAwaitingCommit(r: Raft): void {
  if (r.readsAwaitingCommit.length === 0 || r.log.term(r.log.commit) !== r.term) return;
  const waiting = r.readsAwaitingCommit;
  r.readsAwaitingCommit = [];
  for (const read of waiting) requestRead(r, read.context, read.requester);
}

function answerRead(r: Raft, context: string, requester: NodeId, index: LogIndex): void {
  if (requester === r.id) {
    r.readStates.push({ index, context });
    return;
  }
  r.send({ type: "ReadIndexResponse", from: r.id, to: requester, term: r.term, context, index });
}

// ---- leadership transfer (thesis 3.10) -------------------------------------------------

export function transferLeadership(r: Raft, transferee: NodeId): void {
  if (transferee === r.id || transferee === NO_NODE) return;
  if (!r.tracker.isVoter(transferee)) return;
  if (r.leadTransferee === transferee) return;
  // Stop accepting proposals, bring the transferee up to date, then let it time out at once.
  r.leadTransferee = transferee;
  r.electionElapsed = 0;
  const progress = r.tracker.progress.get(transferee);
  if (progress?.match === r.log.lastIndex()) sendTimeoutNow(r, transferee);
  else sendAppend(r, transferee);
}

export function abortLeaderTransfer(r: Raft): void {
  r.leadTransferee = NO_NODE;
}

/**
 * Thesis 4.2.2: a leader that is not part of the new configuration keeps managing the
 * group until that configuration is committed, then steps down. If a remaining voter is
 * fully caught up, it is told to campaign at once rather than wait for a timeout.
 */
export function maybeStepDownAfterRemoval(r: Raft): void {
  if (r.role !== "leader" || r.tracker.isVoter(r.id)) return;
  if (r.log.commit < r.log.membership.latestChangeIndex()) return;
  const lastIndex = r.log.lastIndex();
  const successor = [...r.tracker.progress]
    .filter(
      ([id, progress]) => id !== r.id && r.tracker.isVoter(id) && progress.match === lastIndex,
    )
    .map(([id]) => id)
    .sort((a, b) => a - b)[0];
  // The commit of the change is told before stepping down, which drops what is pending: a
  // follower that never learns it cannot tell which configuration lets it campaign.
  if (r.isBroadcastPending) broadcastAppend(r);
  if (successor !== undefined) sendTimeoutNow(r, successor);
  r.becomeFollower(r.term, NO_NODE);
}
