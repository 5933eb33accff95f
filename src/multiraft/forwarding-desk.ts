// Every live proposal of this node, and how it reaches a leader: proposed locally when this
// node leads, forwarded to the leader it knows otherwise, parked while no leader is known.
// Commands carry (origin, incarnation, id) so they can be sent again after a leader change
// without ever being applied twice (dedupe-table.ts); they settle when this node applies
// them. Membership changes are never resent (the leader refuses overlapping ones anyway):
// they settle by their (index, term), and a lost one ends in TIMEOUT.
// A chained command (one that `follows` another) goes into the log only behind the one it
// follows, proposed here as leader in the same term, so that no log holds it without that one
// before it (Log Matching: a leader never drops its own entries within its term). It is never
// forwarded or sent again: where it cannot follow, it fails with PROPOSAL_DROPPED (not
// proposed); once proposed, a leader change or a resend timer fails it with TIMEOUT (it may
// still be applied). Its caller then proposes it again by itself once the first one's outcome
// is known.

import { type Clock, type GroupId, type Logger, NO_NODE, type NodeId } from "../lib/index.ts";
import { decodeConfChange, type Entry, type ProposeResult } from "../raft/index.ts";
import type {
  ForwardOutcome,
  ForwardProposal,
  ForwardResult,
  PeerMessage,
} from "../transport/index.ts";
import { encodeEnvelope, ownProposalId } from "./command-envelope.ts";
import {
  ChainNotFollowedError,
  chainInterrupted,
  groupRemovedUnder,
  overloaded,
  ProposalError,
  proposalTimedOut,
} from "./errors.ts";
import type { HostedGroup } from "./hosted-group.ts";
import type { AppliedOutcome, PendingProposal } from "./pending.ts";

/** A leader hint may be stale; after this many hops the proposal waits for the next tick. */
const FORWARDS_MAX = 3;

export interface ForwardingDeskOptions {
  readonly self: NodeId;
  readonly incarnation: number;
  readonly clock: Clock;
  readonly logger: Logger;
  /** How long an in-flight command waits before it is sent again. */
  readonly retryIntervalMs: number;
  readonly send: (peer: NodeId, message: PeerMessage) => void;
}

type NewProposal = Omit<
  PendingProposal,
  | "state"
  | "index"
  | "term"
  | "forwards"
  | "forwardedTo"
  | "sentTerm"
  | "wasSent"
  | "wasResent"
  | "retryAtMs"
  | "timedResends"
>;

export class ForwardingDesk {
  /** Live proposals in id order, so the first one is the origin's floor. */
  private readonly live = new Map<number, PendingProposal>();

  constructor(private readonly options: ForwardingDeskOptions) {}

  size(): number {
    return this.live.size;
  }

  /** Registers a proposal; settling it (either way) removes it. */
  open(fields: NewProposal): PendingProposal {
    let isSettled = false;
    const settle = () => {
      const wasSettled = isSettled;
      isSettled = true;
      this.live.delete(fields.id);
      return !wasSettled;
    };
    const proposal: PendingProposal = {
      ...fields,
      resolve: (result) => {
        if (settle()) fields.resolve(result);
      },
      reject: (error) => {
        if (settle()) fields.reject(error);
      },
      state: "waiting",
      index: undefined,
      term: undefined,
      forwards: 0,
      forwardedTo: NO_NODE,
      sentTerm: 0,
      wasSent: false,
      wasResent: false,
      retryAtMs: 0,
      timedResends: 0,
    };
    this.live.set(fields.id, proposal);
    return proposal;
  }

  /** Proposes locally, forwards to the known leader, or parks until one is known. */
  propose(group: HostedGroup, proposal: PendingProposal): void {
    // A proposal that expired while parked must not reach the log any more.
    if (!this.live.has(proposal.id)) return;
    if (proposal.follows !== undefined) {
      this.proposeChained(group, proposal, proposal.follows);
      return;
    }
    const data = this.payload(proposal);
    const result = proposeTo(group, proposal.entryType, data);
    if (result.accepted) {
      this.markSent(group, proposal);
      proposal.index = result.index;
      proposal.term = result.term;
      if (proposal.entryType === "confChange") group.track(proposal);
      return;
    }
    this.onRefused(group, proposal, result.reason, result.leaderHint);
  }

  /** Appends `proposal` right behind `first` if this node put `first` in its log this term. */
  private proposeChained(group: HostedGroup, proposal: PendingProposal, first: PendingProposal) {
    const { raw } = group;
    const isBehindFirst =
      this.live.has(first.id) &&
      first.state === "inFlight" &&
      first.forwardedTo === NO_NODE &&
      first.index !== undefined &&
      first.term === raw.currentTerm() &&
      raw.termAt(first.index) === first.term;
    const result = isBehindFirst ? raw.propose(this.payload(proposal)) : undefined;
    if (result?.accepted !== true) {
      proposal.reject(
        result?.reason === "uncommitted-limit"
          ? overloaded(group.id)
          : new ChainNotFollowedError(group.id),
      );
      return;
    }
    this.markSent(group, proposal);
    proposal.index = result.index;
    proposal.term = result.term;
  }

  private onRefused(
    group: HostedGroup,
    proposal: PendingProposal,
    reason: Extract<ForwardOutcome, { accepted: false }>["reason"],
    leaderHint: NodeId,
  ): void {
    switch (reason) {
      case "not-leader":
        if (
          leaderHint !== 0 &&
          leaderHint !== this.options.self &&
          proposal.forwards < FORWARDS_MAX
        ) {
          this.forward(group, leaderHint, proposal);
        } else {
          this.park(group, proposal);
        }
        return;
      case "uncommitted-limit":
        // A copy sent before this one may be in a leader's log and still commit: in doubt.
        proposal.reject(
          proposal.wasResent ? proposalTimedOut(group.id, true) : overloaded(group.id),
        );
        return;
      case "invalid-conf-change":
        proposal.reject(
          new ProposalError("INVALID_ARGUMENT", group.id, "invalid membership change"),
        );
        return;
      default:
        // Transfer in progress or a membership change pending: it will pass shortly. Or
        // "unknown-group": the node taken for the leader left the group, which lives on
        // here; its next leader will take the proposal, as when none is known.
        this.park(group, proposal);
    }
  }

  private payload(proposal: PendingProposal): Uint8Array {
    if (proposal.entryType === "confChange") return proposal.data;
    return encodeEnvelope({
      origin: this.options.self,
      incarnation: this.options.incarnation,
      proposalId: proposal.id,
      floor: this.live.keys().next().value ?? proposal.id,
      command: proposal.data,
    });
  }

  private markSent(group: HostedGroup, proposal: PendingProposal): void {
    proposal.state = "inFlight";
    proposal.forwardedTo = NO_NODE;
    proposal.sentTerm = group.raw.currentTerm();
    // Where an earlier attempt landed says nothing of this one's.
    proposal.index = undefined;
    proposal.term = undefined;
    proposal.wasSent = true;
    proposal.retryAtMs =
      this.options.clock.nowMs() + this.options.retryIntervalMs * 2 ** proposal.timedResends;
  }

  private park(group: HostedGroup, proposal: PendingProposal): void {
    proposal.state = "waiting";
    group.waiting.push(proposal);
  }

  private forward(group: HostedGroup, leader: NodeId, proposal: PendingProposal): void {
    this.markSent(group, proposal);
    proposal.forwards++;
    proposal.forwardedTo = leader;
    this.options.send(leader, {
      type: "forward",
      groupId: group.id,
      requestId: proposal.id,
      entryType: proposal.entryType,
      data: this.payload(proposal),
    });
  }

  /** Gives parked proposals of `group` another chance (a leader may be known now). */
  retryWaiting(group: HostedGroup): void {
    if (group.waiting.length === 0 || group.raw.leaderId() === 0) return;
    const waiting = group.waiting;
    group.waiting = [];
    for (const proposal of waiting) {
      proposal.forwards = 0;
      this.propose(group, proposal);
    }
  }

  /**
   * Sends again every command of `group` in flight (its leader changed), except those this
   * node sent to that leader in its current term: made once it knew the leader (such as those
   * that waited for one and went out this turn), they reach it or come back refused, and
   * sending them again only appended them twice.
   */
  resendInFlight(group: HostedGroup): void {
    const { raw } = group;
    const leader = raw.leaderId();
    const term = raw.currentTerm();
    for (const proposal of [...this.live.values()]) {
      if (proposal.groupId !== group.id || !isResendable(proposal)) continue;
      const sentTo = proposal.forwardedTo === NO_NODE ? this.options.self : proposal.forwardedTo;
      if (proposal.sentTerm === term && sentTo === leader) continue;
      this.resend(group, proposal);
    }
  }

  private resend(group: HostedGroup, proposal: PendingProposal): void {
    if (proposal.follows !== undefined) {
      // It may have been lost with the leader change, and it must never be sent alone.
      proposal.reject(chainInterrupted(group.id));
      return;
    }
    if (proposal.wasSent) proposal.wasResent = true;
    proposal.forwards = 0;
    this.propose(group, proposal);
  }

  /**
   * Notes where this node's forwarded commands landed, from the entries it appends: one that
   * reached its leader's log is then known not to be lost (see resendOverdue).
   */
  noteAppended(entries: readonly Entry[]): void {
    if (this.live.size === 0) return;
    const { self, incarnation } = this.options;
    for (const entry of entries) {
      if (entry.type !== "normal") continue;
      const id = ownProposalId(entry.data, self, incarnation);
      const proposal = id === undefined ? undefined : this.live.get(id);
      if (proposal?.state !== "inFlight" || proposal.forwardedTo === NO_NODE) continue;
      proposal.index = entry.index;
      proposal.term = entry.term;
    }
  }

  /**
   * Sends again the commands in flight for too long, of every group, in one pass over the
   * live proposals (a pass per group would cost groups x proposals at every tick). A command
   * in this node's log, put there by the leader it went to, which still leads, is not lost,
   * only slow: sending it again would append it twice, the more often the busier the leader,
   * until duplicates are most of what it commits. Only a leader change loses it, and that
   * resends at once (resendInFlight).
   */
  resendOverdue(groupOf: (groupId: GroupId) => HostedGroup | undefined): void {
    const now = this.options.clock.nowMs();
    for (const proposal of [...this.live.values()]) {
      if (!isResendable(proposal) || proposal.retryAtMs > now) continue;
      const group = groupOf(proposal.groupId);
      if (group === undefined) continue;
      if (this.isHeldByItsLeader(group, proposal)) {
        proposal.retryAtMs = now + this.options.retryIntervalMs;
        continue;
      }
      proposal.timedResends++;
      this.resend(group, proposal);
    }
  }

  /** The current attempt is in this node's log where the leader it went to, still leading, put it. */
  private isHeldByItsLeader(group: HostedGroup, proposal: PendingProposal): boolean {
    const { raw } = group;
    const leader = proposal.forwardedTo === NO_NODE ? this.options.self : proposal.forwardedTo;
    return (
      proposal.index !== undefined &&
      raw.leaderId() === leader &&
      raw.termAt(proposal.index) === proposal.term
    );
  }

  /** One of our commands was applied here: settle it with its outcome. */
  settleApplied(proposalId: number, outcome: AppliedOutcome): void {
    const proposal = this.live.get(proposalId);
    // A duplicate settles nothing: the first application already did (or the proposal expired).
    if (proposal === undefined || outcome.isDuplicate) return;
    if (outcome.isError) proposal.reject(outcome.result as Error);
    else proposal.resolve(outcome.result);
  }

  /** Leader side: propose a follower's command; answer a refusal, or where a change landed. */
  handleForward(from: NodeId, message: ForwardProposal, group: HostedGroup | undefined): void {
    let outcome: ForwardOutcome;
    if (group === undefined) {
      outcome = { accepted: false, reason: "unknown-group", leaderHint: NO_NODE };
    } else {
      const result = proposeTo(group, message.entryType, message.data);
      // An accepted command settles at its origin when the origin applies it (see the header),
      // so only a refusal (the origin tries elsewhere) and a membership change (it settles by
      // its index and term) are answered: one message fewer per forwarded proposal.
      if (result.accepted && message.entryType !== "confChange") return;
      outcome = result.accepted
        ? { accepted: true, index: result.index, term: result.term }
        : { accepted: false, reason: result.reason, leaderHint: result.leaderHint };
    }
    const reply: ForwardResult = {
      type: "forwardResult",
      groupId: message.groupId,
      requestId: message.requestId,
      outcome,
    };
    this.options.send(from, reply);
  }

  /** Origin side: the leader answered a forwarded proposal (only the one it went to may). */
  handleForwardResult(from: NodeId, message: ForwardResult, group: HostedGroup | undefined): void {
    const proposal = this.live.get(message.requestId);
    if (proposal === undefined || proposal.state !== "inFlight") return;
    if (proposal.forwardedTo !== from || proposal.groupId !== message.groupId) return;
    if (group === undefined) {
      proposal.reject(groupRemovedUnder(message.groupId, message.outcome.accepted));
      return;
    }
    const { outcome } = message;
    if (!outcome.accepted) {
      this.onRefused(group, proposal, outcome.reason, outcome.leaderHint);
    } else if (proposal.entryType === "confChange") {
      proposal.index = outcome.index;
      proposal.term = outcome.term;
      group.track(proposal);
    }
  }

  /** Fails every proposal whose deadline passed. */
  expire(nowMs: number): void {
    for (const proposal of [...this.live.values()]) {
      if (proposal.deadlineMs > nowMs) continue;
      proposal.reject(proposalTimedOut(proposal.groupId, proposal.wasSent));
    }
  }

  failGroup(groupId: GroupId, errorFor: (wasSent: boolean) => Error): void {
    for (const proposal of [...this.live.values()]) {
      if (proposal.groupId === groupId) proposal.reject(errorFor(proposal.wasSent));
    }
  }

  failAll(errorFor: (proposal: PendingProposal) => Error): void {
    for (const proposal of [...this.live.values()]) proposal.reject(errorFor(proposal));
  }
}

/** Membership changes are never sent twice (see the header). */
function isResendable(proposal: PendingProposal): boolean {
  return proposal.state === "inFlight" && proposal.entryType === "normal";
}

function proposeTo(
  group: HostedGroup,
  entryType: PendingProposal["entryType"],
  data: Uint8Array,
): ProposeResult {
  if (entryType === "normal") return group.raw.propose(data);
  const change = decodeConfChange(data);
  if (change === undefined) {
    return {
      accepted: false,
      reason: "invalid-conf-change",
      leaderHint: NO_NODE,
      detail: "undecodable",
    };
  }
  return group.raw.proposeConfChange(change);
}
