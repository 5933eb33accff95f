// Typed failures of proposals and reads, with messages that say what happened and what the
// caller can do. The code says whether the command may still have been applied.

import { type ErrorCode, type GroupId, RaftoralError } from "../lib/index.ts";

export class ProposalError extends RaftoralError {
  readonly groupId: GroupId;

  constructor(code: ErrorCode, groupId: GroupId, message: string) {
    super(code, `group ${groupId}: ${message}`);
    this.name = "ProposalError";
    this.groupId = groupId;
  }
}

/** The command was definitely not committed: another entry took its place in the log. */
export function proposalDropped(groupId: GroupId): ProposalError {
  return new ProposalError(
    "PROPOSAL_DROPPED",
    groupId,
    "the proposal was dropped during a leader change and was not applied; it is safe to retry",
  );
}

/** A chained command that was not proposed: it could not follow the one before it. */
export class ChainNotFollowedError extends ProposalError {
  constructor(groupId: GroupId) {
    super(
      "PROPOSAL_DROPPED",
      groupId,
      "the command could not go right behind the one it follows (this node does not lead, or that one was not accepted), so it was not proposed; propose it by itself",
    );
    this.name = "ChainNotFollowedError";
  }
}

/** A chained command in flight through a leader change: it is never sent again by itself. */
export function chainInterrupted(groupId: GroupId): ProposalError {
  return new ProposalError(
    "TIMEOUT",
    groupId,
    "the leader changed or no answer came while the chained command was in flight: it may still be applied; propose it again only if it is idempotent",
  );
}

/** The deadline passed; the command may or may not be applied later. */
export function proposalTimedOut(groupId: GroupId, isAmbiguous: boolean): ProposalError {
  if (!isAmbiguous) {
    return new ProposalError(
      "NO_LEADER",
      groupId,
      "no leader accepted the proposal before the deadline; it was not applied",
    );
  }
  return new ProposalError(
    "TIMEOUT",
    groupId,
    "the proposal was accepted but its outcome is unknown: it may still be applied",
  );
}

export function unknownGroup(groupId: GroupId): ProposalError {
  return new ProposalError("UNKNOWN_GROUP", groupId, "this node does not host the group");
}

/**
 * The group went from this node while a proposal waited. One that was sent to a leader may
 * be in the log and applied by the members: its outcome is unknown, like a timeout's.
 */
export function groupRemovedUnder(groupId: GroupId, wasSent: boolean): ProposalError {
  if (!wasSent) return unknownGroup(groupId);
  return new ProposalError(
    "TIMEOUT",
    groupId,
    "this node stopped hosting the group while the proposal was in flight: it may still be applied",
  );
}

export function shuttingDown(groupId: GroupId): ProposalError {
  return new ProposalError("SHUTTING_DOWN", groupId, "the node is shutting down");
}

/**
 * The node stopped while a proposal waited. One it had sent to a leader (itself included, as
 * leader) may be committed by the members: its outcome is unknown, as after a timeout.
 */
export function stoppedUnder(groupId: GroupId, wasSent: boolean): ProposalError {
  if (!wasSent) return shuttingDown(groupId);
  return new ProposalError(
    "TIMEOUT",
    groupId,
    "the node is shutting down and the command was already on its way: it may still be applied; check with another node before retrying",
  );
}

/**
 * The node stopped after a fatal error (its storage failed) while the command was in flight.
 * Its entry may have reached the other members before the failure, so they may still commit
 * it: the outcome is unknown, as after a timeout, and a blind retry could apply it twice.
 */
export function stoppedUnsettled(groupId: GroupId): ProposalError {
  return new ProposalError(
    "TIMEOUT",
    groupId,
    "this node stopped after a fatal error (see its log) before the outcome was known: the command may still be applied by the other members; check with another node before retrying",
  );
}

export function overloaded(groupId: GroupId): ProposalError {
  return new ProposalError(
    "RESOURCE_EXHAUSTED",
    groupId,
    "too many uncommitted proposals; retry later",
  );
}

/** A state machine threw while applying a committed command (on every member alike). */
export class ApplyError extends RaftoralError {
  constructor(groupId: GroupId, cause: unknown) {
    super(
      "INVALID_ARGUMENT",
      `group ${groupId}: the command failed when applied: ${String((cause as Error)?.message ?? cause)}`,
      {
        cause,
      },
    );
    this.name = "ApplyError";
  }
}
