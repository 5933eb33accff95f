// The bookkeeping of callers waiting on a group: proposals until their entry is applied,
// and reads until their ReadIndex is applied. Every waiter has a deadline: no caller waits
// forever. A proposal has one record, PendingProposal, whose `state` says where it stands;
// two indexes point at it, each for the lookup its owner needs: the ForwardingDesk finds the
// node's live proposals by id (answers from a leader, retries, deadlines), the HostedGroup
// finds its group's by log index (apply) and holds those queued while it has no leader.

import type { GroupId, LogIndex, NodeId, Term } from "../lib/index.ts";
import type { EntryType } from "../raft/index.ts";

export type ProposalState =
  /** Queued here until a leader is known. */
  | "waiting"
  /** Proposed locally or forwarded to the leader; settles when this node applies it. */
  | "inFlight"
  /** A membership change in the log at (index, term); settles when that index is applied. */
  | "accepted";

export interface PendingProposal {
  readonly id: number;
  readonly groupId: GroupId;
  readonly entryType: EntryType;
  readonly data: Uint8Array;
  readonly deadlineMs: number;
  readonly resolve: (result: unknown) => void;
  readonly reject: (error: Error) => void;
  state: ProposalState;
  index: LogIndex | undefined;
  term: Term | undefined;
  /** Forwarding hops of the current attempt; bounded so stale leader hints cannot loop. */
  forwards: number;
  /** The leader the current attempt was forwarded to: only its answer counts (0: none). */
  forwardedTo: NodeId;
  /** This node's term when it made the current attempt (see ForwardingDesk.resendInFlight). */
  sentTerm: number;
  /** Sent to a leader at least once: from then on a timeout leaves its outcome unknown. */
  wasSent: boolean;
  /**
   * Sent again after it was sent: an earlier copy may sit in some leader's log, so a refusal
   * of a later copy says nothing of its outcome (ForwardingDesk.onRefused).
   */
  wasResent: boolean;
  /** When to send an in-flight command again (it may have been lost with a leader change). */
  retryAtMs: number;
  /**
   * Times sent again by the resend timer: each such wait is twice the one before, so a leader
   * too slow to commit within one wait is not sent every command again and again.
   */
  timedResends: number;
  /**
   * Set on the second command of a chain (MultiRaftHost.proposeChained): the proposal it must
   * directly follow in the log. Such a command is appended only behind it, by this node as
   * leader in the same term, and never sent again (forwarding-desk.ts).
   */
  readonly follows: PendingProposal | undefined;
}

export interface PendingRead {
  readonly groupId: GroupId;
  readonly deadlineMs: number;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
  /** The ReadIndex context in flight, if any. */
  context: string | undefined;
  /** Set once the leader confirmed it: resolve when applied reaches it. */
  index: LogIndex | undefined;
  /** When to ask again if the read was lost with a leader change. */
  retryAtMs: number;
}

/** A read not yet sent as ReadIndex. */
export function newPendingRead(
  fields: Pick<PendingRead, "groupId" | "deadlineMs" | "resolve" | "reject">,
): PendingRead {
  return { ...fields, context: undefined, index: undefined, retryAtMs: 0 };
}

/** The outcome of an applied entry, kept a while to settle late forwarded proposals. */
export interface AppliedOutcome {
  readonly term: Term;
  readonly isError: boolean;
  /** A retried command already applied earlier: skipped, its first outcome stands. */
  readonly isDuplicate: boolean;
  readonly result: unknown;
}
