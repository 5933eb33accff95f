// Message handling as follower, pre-candidate and candidate: accepting the leader's log
// (§5.3), heartbeats, snapshot chunks (§7), vote counting (§5.2) and TimeoutNow (thesis 3.10).
// Pure: no I/O, no timers, no await.

import { type LogIndex, logIndex, NO_NODE, type NodeId, term as toTerm } from "../lib/index.ts";
import type { AppendEntries, Heartbeat, InstallSnapshot, RaftMessage } from "./messages.ts";
import type { Raft } from "./raft.ts";
import { receiveSnapshotChunk } from "./snapshot-receiver.ts";
import type { Snapshot } from "./types.ts";

export function stepFollower(r: Raft, message: RaftMessage): void {
  switch (message.type) {
    case "AppendEntries":
      acceptLeader(r, message);
      handleAppendEntries(r, message);
      return;
    case "Heartbeat":
      acceptLeader(r, message);
      handleHeartbeat(r, message);
      return;
    case "InstallSnapshot":
      acceptLeader(r, message);
      handleInstallSnapshot(r, message);
      return;
    case "TimeoutNow":
      // Thesis 3.10: the leader asks us to take over; skip pre-vote and the lease check. Only
      // the leader we follow may ask: from anyone else it would be a disruption (a member
      // that is not the leader has no transfer to finish), and the real transfer that found
      // us not yet following its leader simply times out.
      if (message.from === r.leaderId) r.campaign(true);
      return;
    case "ReadIndexResponse":
      r.readStates.push({ index: message.index, context: message.context });
      return;
    default:
      // Answers meant for a leader or candidate, and forwarded requests we cannot serve.
      return;
  }
}

export function stepCandidate(r: Raft, message: RaftMessage): void {
  switch (message.type) {
    case "AppendEntries":
    case "Heartbeat":
    case "InstallSnapshot":
      // §5.2: a leader of our term exists; return to follower and accept it.
      r.becomeFollower(message.term, message.from);
      stepFollower(r, message);
      return;
    case "RequestVoteResponse":
    case "RequestPreVoteResponse": {
      const expected = r.role === "preCandidate" ? "RequestPreVoteResponse" : "RequestVoteResponse";
      if (message.type !== expected) return;
      const result = r.tracker.recordVote(message.from, message.voteGranted);
      if (result === "won") r.onElectionWon();
      else if (result === "lost") r.becomeFollower(r.term, NO_NODE);
      return;
    }
    default:
      return;
  }
}

function acceptLeader(r: Raft, message: AppendEntries | Heartbeat | InstallSnapshot): void {
  r.electionElapsed = 0;
  r.leaderId = message.from;
  // A heartbeat's commit is capped at what the leader last knew this replica to hold, which
  // may be from before a restart, unless it says it is whole; an append's and a snapshot's
  // tell how far the group has committed (every such index is committed, whatever the term).
  if (message.type === "Heartbeat" && message.isWholeCommit !== true) return;
  const told = message.type === "InstallSnapshot" ? message.metadata.index : message.leaderCommit;
  if (told > r.heardCommit) r.heardCommit = told;
  r.hasHeardCommit = true;
}

/** §5.3: the consistency check, then append and advance commit. */
function handleAppendEntries(r: Raft, message: AppendEntries): void {
  const respond = (success: boolean, index: number, hintIndex: number, hintTerm: number) => {
    if (success && message.commitOnly === true) return;
    if (success && raiseEarlierAck(r, message.from, logIndex(index))) return;
    r.send({
      type: "AppendEntriesResponse",
      incarnation: r.config.incarnation,
      from: r.id,
      to: message.from,
      term: r.term,
      success,
      index: logIndex(index),
      hintIndex: logIndex(hintIndex),
      hintTerm: toTerm(hintTerm),
    });
  };
  if (message.prevLogIndex < r.log.commit) {
    // Everything up to commit already matches the leader (Log Matching), unless a committed
    // entry was lost (lost-commit.ts); say how far we are.
    r.log.checkCommitted({ index: message.prevLogIndex, term: message.prevLogTerm });
    for (const entry of message.entries) {
      if (entry.index > r.log.commit) break;
      r.log.checkCommitted(entry);
    }
    respond(true, r.log.commit, 0, 0);
    return;
  }
  const lastNew = r.log.maybeAppend(
    message.prevLogIndex,
    message.prevLogTerm,
    message.leaderCommit,
    message.entries,
  );
  if (lastNew !== undefined) {
    r.syncMembership();
    respond(true, lastNew, 0, 0);
    return;
  }
  const hint = r.log.findConflictByTerm(
    logIndex(Math.min(message.prevLogIndex, r.log.lastIndex())),
    message.prevLogTerm,
  );
  respond(false, message.prevLogIndex, hint.index, hint.term);
}

/**
 * Appends that arrive together are answered together: if this Ready already acknowledges an
 * append from `leader`, that answer now says `index` if it is higher, and no second one goes
 * out (an acknowledgement says the log matches through its index, so the highest says all).
 * Returns whether there was such an answer.
 */
function raiseEarlierAck(r: Raft, leader: NodeId, index: LogIndex): boolean {
  for (let k = r.outbox.length - 1; k >= 0; k--) {
    const earlier = r.outbox[k];
    if (earlier?.type !== "AppendEntriesResponse" || earlier.to !== leader) continue;
    // A rejection in between must stay before what follows it.
    if (!earlier.success || earlier.term !== r.term) return false;
    if (earlier.index < index) r.outbox[k] = { ...earlier, index };
    return true;
  }
  return false;
}

function handleHeartbeat(r: Raft, message: Heartbeat): void {
  r.log.commitTo(logIndex(Math.min(message.leaderCommit, r.log.lastIndex())));
  r.send({
    type: "HeartbeatResponse",
    incarnation: r.config.incarnation,
    from: r.id,
    to: message.from,
    term: r.term,
    readContext: message.readContext,
    ...(message.leaderTick === undefined ? {} : { leaderTick: message.leaderTick }),
  });
}

function handleInstallSnapshot(r: Raft, message: InstallSnapshot): void {
  if (message.metadata.index <= r.log.commit) {
    // Already covered, e.g. a retransmitted last chunk: just say how far we are.
    r.incomingSnapshot = undefined;
    installSnapshot(r, { metadata: message.metadata, data: message.data }, message.from);
    return;
  }
  const snapshot = receiveSnapshotChunk(r, message);
  if (snapshot !== undefined) installSnapshot(r, snapshot, message.from);
}

const term0 = toTerm(0);

/** §7: replace our log with the leader's snapshot unless we already hold its state. */
function installSnapshot(r: Raft, snapshot: Snapshot, leader: Raft["id"]): void {
  const { index, term } = snapshot.metadata;
  if (index > r.log.commit && !r.log.matchTerm(index, term)) {
    r.log.restore(snapshot);
    r.syncMembership();
  } else if (index > r.log.commit) {
    // We hold the snapshot's last entry, hence (Log Matching) everything before it.
    r.log.commitTo(index);
  }
  // Everything up to commit now matches the leader: the snapshot's index, or further.
  r.send({
    type: "AppendEntriesResponse",
    incarnation: r.config.incarnation,
    from: r.id,
    to: leader,
    term: r.term,
    success: true,
    index: r.log.commit,
    hintIndex: logIndex(0),
    hintTerm: term0,
  });
}
