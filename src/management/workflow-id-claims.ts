// Claims on caller-chosen workflow ids: the management log serializes concurrent starts of
// one id, so that every starter sends it to the same execution group. A claim lives only
// while a start is in flight: the starter releases it once the group committed the Start
// (from then on the group itself answers for the id, and a later start finds it there by
// asking every group). Under rules 3 a claim also counts its starters, each of whom gives up
// its part once its own Start can never commit; the claim goes with the last part, since no
// Start under it can commit any more. See docs/workflows.md, "Caller-chosen ids".
// Pure but for the claims map, which these functions change in place (see
// ManagementState.workflowIdClaims): no I/O, no timers, no await.

import type { GroupId, LogIndex } from "../lib/index.ts";
import {
  COUNTED_CLAIMS_RULES,
  everyMemberApplies,
  type ManagementState,
  type WorkflowIdClaim,
} from "./management-state.ts";

/**
 * Claims kept at most. Claims normally live for one start; only a starter that crashed
 * between its claim and its release leaves one behind. Past this many, the oldest claim is
 * dropped: it dates from this many claims ago, far longer than any start stays in flight.
 */
export const WORKFLOW_ID_CLAIMS_MAX = 100_000;

/**
 * The existing claim on `workflowId`, or a new one on `group` made at `index`; either way
 * one more starter counts on it, once every member counts starters.
 */
export function claimWorkflowId(
  state: ManagementState,
  command: { readonly workflowId: string; readonly groupId: GroupId },
  index: LogIndex,
): { state: ManagementState; claim: WorkflowIdClaim } {
  const existing = state.workflowIdClaims.get(command.workflowId);
  if (existing !== undefined) {
    if (existing.starters === undefined) return { state, claim: existing };
    const claim = { ...existing, starters: existing.starters + 1 };
    return { state: withClaim(state, command.workflowId, claim), claim };
  }
  const claims = state.workflowIdClaims;
  if (claims.size >= WORKFLOW_ID_CLAIMS_MAX) {
    // Maps iterate in insertion order: the first key is the oldest claim.
    const oldest = claims.keys().next().value;
    if (oldest !== undefined) claims.delete(oldest);
  }
  const claim: WorkflowIdClaim = {
    groupId: command.groupId,
    claimedAt: index,
    ...(everyMemberApplies(state, COUNTED_CLAIMS_RULES) ? { starters: 1 } : {}),
  };
  claims.set(command.workflowId, claim);
  return { state, claim };
}

/**
 * Drops the claim on `workflowId` if it is still the one made at `claimedAt`. A starter that
 * releases late never removes a newer claim another starter holds. With `starterOnly`, one
 * starter's part goes, and the claim with the last part; a claim that counts no starters
 * stays (only a build that counts them proposes such a release).
 */
export function releaseWorkflowId(
  state: ManagementState,
  command: {
    readonly workflowId: string;
    readonly claimedAt: LogIndex;
    readonly starterOnly?: true;
  },
): ManagementState {
  const existing = state.workflowIdClaims.get(command.workflowId);
  if (existing === undefined || existing.claimedAt !== command.claimedAt) return state;
  if (command.starterOnly === true) {
    if (existing.starters === undefined) return state;
    if (existing.starters > 1) {
      const claim = { ...existing, starters: existing.starters - 1 };
      return withClaim(state, command.workflowId, claim);
    }
  }
  state.workflowIdClaims.delete(command.workflowId);
  return state;
}

/** `state` with the claim on `workflowId` replaced, keeping its place among the claims. */
function withClaim(
  state: ManagementState,
  workflowId: string,
  claim: WorkflowIdClaim,
): ManagementState {
  state.workflowIdClaims.set(workflowId, claim);
  return state;
}
