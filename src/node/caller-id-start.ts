// Starting a workflow under a caller-chosen id, and finding any workflow without its
// execution cluster id. An id must never run twice, in one group or in two, whatever groups
// come and go and whichever node the caller asks. The protocol (docs/workflows.md,
// "Caller-chosen ids"):
//   1. Claim the id in the management log. Concurrent starters are serialized there: the
//      first claim names the group, later ones get the same claim back.
//   2. Ask every other execution group whether it knows the id already (a start that
//      committed under an earlier, released claim). The management state is read once the
//      claim applied here (a proposal settles when its origin applies it), so it knows every
//      group created before the claim; each group answers after a read barrier of its own,
//      so a Start committed before our claim is seen. A group whose leader never reported
//      its configuration is skipped: no start is sent to one. The claimed group is asked
//      only if it was sealed: otherwise the Start sent there meets the id at apply.
//   3. Propose the Start in the group that knows the id, else in the claimed group (or the
//      group holding its results, if it was drained and destroyed). The group's own apply
//      refuses other input for a known id (ALREADY_EXISTS).
//   4. Release the claim, but only once the Start is committed there: from then on step 2
//      of any later start finds it, so the claim is no longer needed. Nobody waits for the
//      release: it goes a moment later, with others, in one commit (batched-proposals.ts).
//      A claim whose start failed stays, and a retry reuses it (same group), so nothing is
//      started elsewhere.
//      Each starter counts on the claim, though, and gives up its part once its own Start
//      can never commit (refused, or never sent): the claim goes with the last part.

import {
  type GroupId,
  InvalidArgumentError,
  type Logger,
  RaftoralError,
  toError,
} from "../lib/index.ts";
import {
  encodeManagementCommand,
  type ManagementState,
  managementResultOf,
  type WorkflowIdClaim,
} from "../management/index.ts";
import type { StartWorkflowResult } from "../transport/index.ts";
import { UnknownWorkflowError, WorkflowRefusedError } from "../workflow/index.ts";

/** Rounds of claim, look-up and start before giving up (a claimed group that went away). */
const START_ROUNDS_MAX = 3;

export interface CallerIdStartDeps {
  /** Proposes a management command; resolves with its apply result once applied here. */
  readonly proposeManagement: (command: Uint8Array) => Promise<unknown>;
  /** As proposeManagement, a moment later, with others: for what nobody waits for. */
  readonly proposeManagementLater: (command: Uint8Array) => Promise<unknown>;
  /** The execution groups that exist now and ever took workflows (see workflowGroups). */
  readonly groups: () => readonly GroupId[];
  /** The group holding `id`'s executions now, undefined if none does (see resultsHolder). */
  readonly holderOf: (id: GroupId) => GroupId | undefined;
  /** The group a new workflow goes to (the caller's choice, or the least loaded one). */
  readonly chooseGroup: (excluded: readonly GroupId[]) => Promise<GroupId>;
  /** Whether group `id` knows the workflow, after a read barrier in it. */
  readonly isKnownIn: (id: GroupId, workflowId: string) => Promise<boolean>;
  /**
   * Starts in group `id`: proposed here when this node hosts it, else sent to a member, which
   * claims the id for its own part before it proposes (`onForwarded` is called first then).
   */
  readonly startIn: (id: GroupId, onForwarded: () => void) => Promise<StartWorkflowResult>;
  /** Whether this node hosts group `id` and has applied its Seal (no Start can follow it). */
  readonly isSealedHere: (id: GroupId) => boolean;
  readonly logger: Logger;
}

export async function startWithCallerId(
  deps: CallerIdStartDeps,
  workflowId: string,
): Promise<StartWorkflowResult> {
  const excluded: GroupId[] = [];
  for (let round = 1; ; round++) {
    // This round's failure, thrown as is when it is the last round.
    let failure: unknown;
    const claim = await claimId(deps, workflowId, await deps.chooseGroup(excluded));
    let target: GroupId | undefined;
    try {
      target = await targetOf(deps, workflowId, claim);
    } catch (error) {
      // Nothing was sent: this starter's part of the claim ends here.
      void release(deps, workflowId, claim, { starterOnly: true });
      throw error;
    }
    if (target !== undefined) {
      let isForwarded = false;
      try {
        const started = await deps.startIn(target, () => {
          isForwarded = true;
        });
        // release() never rejects; the caller need not wait for it.
        void release(deps, workflowId, claim);
        return started;
      } catch (error) {
        const code = (error as RaftoralError).code;
        // ALREADY_EXISTS answers for a committed Start. Any other failure ends only this
        // starter's part, and only if its Start can never commit: claims are shared (a
        // concurrent start of the id gets the same claim back), and another starter's Start
        // may still be in flight to the claimed group, or this one's, its answer lost.
        if (code === "ALREADY_EXISTS") void release(deps, workflowId, claim);
        else if (isForwarded || isRefusedHere(error)) {
          void release(deps, workflowId, claim, { starterOnly: true });
        }
        // Sealed meanwhile, or gone from where the start went: the next round decides,
        // after a barrier, whether to move on.
        const isGone = code === "UNKNOWN_GROUP" || code === "NOT_FOUND";
        if (!isGone && (code !== "UNAVAILABLE" || !deps.isSealedHere(target))) throw error;
        failure = error;
      }
    } else {
      // The claimed group is gone, or sealed before the look-up: no Start of the id can
      // commit there any more, so the claim may move to another group.
      // At once: the next round's claim must not get this one back.
      await release(deps, workflowId, claim, { isUrgent: true });
      excluded.push(claim.groupId);
    }
    if (round >= START_ROUNDS_MAX) {
      throw (
        failure ??
        new RaftoralError(
          "UNAVAILABLE",
          `workflow ${workflowId}: its execution cluster ${claim.groupId} is draining or gone; retry shortly`,
        )
      );
    }
  }
}

/**
 * Where this round's Start goes: the group that knows the id, else the claimed group (or the
 * group holding its results), unless that one was sealed before the look-up (undefined).
 */
async function targetOf(
  deps: CallerIdStartDeps,
  workflowId: string,
  claim: WorkflowIdClaim,
): Promise<GroupId | undefined> {
  // The claim applied here, so the groups asked below include every group an earlier
  // start of the id could have used.
  const claimed = deps.holderOf(claim.groupId);
  // Read before the look-up's barrier: a Seal applied by then admits no later Start.
  const wasSealed = claimed !== undefined && deps.isSealedHere(claimed);
  // Unsealed, the claimed group answers for the id itself when the Start arrives (the same
  // run for the same input, ALREADY_EXISTS otherwise), as it would to the look-up: not asked.
  const asked = deps.groups().filter((id) => wasSealed || id !== claimed);
  const known = await findInGroups(asked, (id) =>
    deps.isKnownIn(id, workflowId).then((isKnown) => (isKnown ? id : undefined)),
  );
  return known ?? (wasSealed ? undefined : claimed);
}

/**
 * Whether a start proposed on this node failed so that its Start can never commit: the
 * group's apply refused it (a refusal after an attempt whose answer was lost comes back as
 * that TIMEOUT instead), or a check refused it before anything was proposed.
 */
function isRefusedHere(error: unknown): boolean {
  return (
    error instanceof WorkflowRefusedError ||
    error instanceof UnknownWorkflowError ||
    error instanceof InvalidArgumentError
  );
}

async function claimId(
  deps: CallerIdStartDeps,
  workflowId: string,
  groupId: GroupId,
): Promise<WorkflowIdClaim> {
  const answer = await deps.proposeManagement(
    encodeManagementCommand({ type: "claimWorkflowId", workflowId, groupId }),
  );
  return managementResultOf(answer, "claim", `the claim of workflow id ${workflowId}`).claim;
}

/**
 * Resolves once the release is committed, or failed: a claim left behind only routes a
 * later start of the id to the same group, which releases it then. Unless urgent, it is
 * proposed a moment later with other releases, as nothing waits for it. A release of this
 * starter's part is proposed only for a claim that counts starters: every member's build then
 * applies it alike.
 */
async function release(
  deps: CallerIdStartDeps,
  workflowId: string,
  claim: WorkflowIdClaim,
  options: { readonly starterOnly?: true; readonly isUrgent?: true } = {},
): Promise<void> {
  const { starterOnly, isUrgent } = options;
  if (starterOnly === true && claim.starters === undefined) return;
  const command = encodeManagementCommand({
    type: "releaseWorkflowId",
    workflowId,
    claimedAt: claim.claimedAt,
    ...(starterOnly === true ? { starterOnly } : {}),
  });
  try {
    await (isUrgent === true ? deps.proposeManagement : deps.proposeManagementLater)(command);
  } catch (error) {
    // Handled: see above; the next start of this id releases the claim.
    deps.logger.debug("Workflow id claim not released", {
      workflow_id: workflowId,
      error: toError(error).message,
    });
  }
}

/**
 * Runs `probe` on every group at once; resolves with the first answer that is not
 * undefined, or undefined when every group answered undefined. A group that cannot answer
 * fails the whole look-up (the workflow might be there): the caller retries.
 */
export function findInGroups<T>(
  groups: readonly GroupId[],
  probe: (id: GroupId) => Promise<T | undefined>,
): Promise<T | undefined> {
  return new Promise((resolve, reject) => {
    let pending = groups.length;
    let firstError: Error | undefined;
    if (pending === 0) resolve(undefined);
    for (const id of groups) {
      probe(id).then(
        (value) => {
          if (value !== undefined) resolve(value);
          if (--pending === 0) settle();
        },
        (error: unknown) => {
          firstError ??= toError(error);
          if (--pending === 0) settle();
        },
      );
    }
    function settle(): void {
      // A promise settles once: after a found value these calls change nothing.
      if (firstError === undefined) resolve(undefined);
      else reject(firstError);
    }
  });
}

/**
 * The execution groups that may hold workflows: those whose leader reported a configuration.
 * A start is never sent to a group before that (WorkflowExecution.startIn refuses), so a
 * look-up need not ask a group that is still forming, and may not get an answer from one.
 */
export function workflowGroups(state: ManagementState): GroupId[] {
  return [...state.groups.values()].filter((group) => group.configIndex > 0).map((g) => g.id);
}
