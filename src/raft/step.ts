// Entry points of the Raft state machine: tick() and step(). Handles what is common to all
// roles (term comparison, votes) and dispatches the rest by role.
// Pure: no I/O, no timers, no await.

import { NO_NODE, unreachable } from "../lib/index.ts";
import type { RaftMessage } from "./messages.ts";
import type { Raft } from "./raft.ts";
import { broadcastHeartbeat } from "./replication.ts";
import { stepCandidate, stepFollower } from "./step-follower.ts";
import { abortLeaderTransfer, stepLeader } from "./step-leader.ts";

/** Advances logical time by one tick. */
export function tick(r: Raft): void {
  r.tickCount++;
  if (r.role === "leader") tickLeader(r);
  else tickElection(r);
}

/**
 * A follower whose leader has not told it how far the group committed (Raft.hasHeardCommit)
 * after this many election timeouts counts as told: an older leader never marks a heartbeat
 * whole, and with nothing to append it sends only those. A follower behind gets an append
 * right after its answer to a heartbeat, much sooner.
 */
export const UNHEARD_ELECTION_TIMEOUTS = 5;

/** §5.2: a follower or candidate that hears nothing for its election timeout campaigns. */
function tickElection(r: Raft): void {
  r.electionElapsed++;
  if (!r.hasHeardCommit && r.leaderId !== NO_NODE) {
    r.ticksUnheard++;
    if (r.ticksUnheard >= UNHEARD_ELECTION_TIMEOUTS * r.config.electionTicks) {
      r.hasHeardCommit = true;
    }
  }
  if (r.isPromotable() && r.electionElapsed >= r.randomizedElectionTimeout) {
    r.electionElapsed = 0;
    r.campaign(false);
  }
}

function tickLeader(r: Raft): void {
  r.electionElapsed++;
  if (r.electionElapsed >= r.config.electionTicks) {
    r.electionElapsed = 0;
    // Thesis 3.10: a transfer that did not finish within an election timeout is abandoned.
    if (r.leadTransferee !== NO_NODE) abortLeaderTransfer(r);
  }
  if (r.config.checkQuorum && !hasRecentQuorum(r)) {
    // Thesis 6.2: without a quorum heard from within an election timeout, stop leading,
    // so clients find the real leader and stale reads cannot be served.
    r.becomeFollower(r.term, NO_NODE);
    return;
  }
  // At most heartbeatTicks apart, and in step with the host's other groups (see `ticks`).
  if (r.tickCount % r.config.heartbeatTicks === 0) broadcastHeartbeat(r);
}

function hasRecentQuorum(r: Raft): boolean {
  const result = r.tracker.quorumOf((id) => {
    if (id === r.id) return true;
    const progress = r.tracker.progress.get(id);
    return progress !== undefined && r.tickCount - progress.lastActiveTick < r.config.electionTicks;
  });
  return result === "won";
}

/** Processes one message from another node (or a forwarded request with term 0). */
export function step(r: Raft, message: RaftMessage): void {
  if (message.term > r.term) {
    if (!stepHigherTerm(r, message)) return;
  } else if (message.term < r.term && message.term !== 0) {
    stepLowerTerm(r, message);
    return;
  }
  switch (message.type) {
    case "RequestVote":
    case "RequestPreVote":
      r.handleVoteRequest(message);
      return;
    default:
      stepByRole(r, message);
  }
}

/** §5.1: a higher term makes us a follower, except for votes we must not honour. */
function stepHigherTerm(r: Raft, message: RaftMessage): boolean {
  switch (message.type) {
    case "RequestVote":
    case "RequestPreVote":
      // Thesis 4.2.3: while a leader is alive, ignore candidates (e.g. a removed server).
      if (r.isInLease(message)) return false;
      // Thesis 9.6: a pre-vote never changes our term.
      if (message.type === "RequestVote") followWithoutLeader(r, message.term);
      return true;
    case "RequestPreVoteResponse":
      // A granted pre-vote carries the term we would campaign for; it is not a newer term.
      if (!message.voteGranted) followWithoutLeader(r, message.term);
      return true;
    case "AppendEntries":
    case "Heartbeat":
    case "InstallSnapshot":
      r.becomeFollower(message.term, message.from);
      return true;
    default:
      followWithoutLeader(r, message.term);
      return true;
  }
}

/**
 * Adopts a newer term heard from someone who is not its leader. The election timer keeps
 * running (Figure 2: only the current leader or a granted vote restarts it). Otherwise a
 * candidate that cannot win, because its log is behind ours, restarts our timer with every
 * campaign: with pre-vote off and a faster clock it campaigns before we ever do, and we are
 * the one it needs (Raft simulation seed 40710).
 */
function followWithoutLeader(r: Raft, term: Raft["term"]): void {
  const elapsed = r.electionElapsed;
  r.becomeFollower(term, NO_NODE);
  r.electionElapsed = elapsed;
}

function stepLowerTerm(r: Raft, message: RaftMessage): void {
  if (message.type === "AppendEntries" || message.type === "Heartbeat") {
    // A leader cut off by a partition keeps its old term. With pre-vote or check-quorum our
    // term does not reach it through votes, so answer with our term to make it step down.
    if (r.config.checkQuorum || r.config.preVote) {
      r.send({
        type: "AppendEntriesResponse",
        incarnation: r.config.incarnation,
        from: r.id,
        to: message.from,
        term: r.term,
        success: false,
        index: r.log.lastIndex(),
        hintIndex: r.log.lastIndex(),
        hintTerm: r.log.lastTerm(),
      });
    }
  } else if (message.type === "RequestPreVote") {
    r.send({
      type: "RequestPreVoteResponse",
      from: r.id,
      to: message.from,
      term: r.term,
      voteGranted: false,
    });
  }
  // Anything else from an older term is stale and ignored (§5.1).
}

function stepByRole(r: Raft, message: RaftMessage): void {
  switch (r.role) {
    case "leader":
      stepLeader(r, message);
      return;
    case "candidate":
    case "preCandidate":
      stepCandidate(r, message);
      return;
    case "follower":
      stepFollower(r, message);
      return;
    default:
      unreachable(r.role);
  }
}
