// How the owner-side runtime reaches its group's log: an injected proposer (the node wires
// it to MultiRaftHost.propose / read for one group), and a retry loop that keeps proposing
// an idempotent command through leader changes until the group gives an answer.
// No timers of its own: waiting goes through the injected sleep.

import { type ErrorCode, RaftoralError } from "../lib/index.ts";
import { isApplyResult, type WorkflowApplyResult } from "./apply-result.ts";
import { encodeCommand, type WorkflowCommand } from "./commands.ts";

/** One execution group's log, as the runtime needs it. */
export interface WorkflowProposer {
  /**
   * Proposes a command; resolves with WorkflowStateMachine.apply's result once this node
   * applied it, or rejects with a RaftoralError (e.g. TIMEOUT, NO_LEADER, PROPOSAL_DROPPED).
   */
  propose(command: Uint8Array): Promise<unknown>;
  /**
   * Proposes `first` and, where this node leads, `then` behind it in the same term; `then`
   * is never sent by itself, and fails where it cannot follow (MultiRaftHost.proposeChained).
   * Each answer is propose's. Absent: runs never go ahead of a step's commit.
   */
  proposeChained?(
    first: Uint8Array,
    then: Uint8Array,
  ): readonly [Promise<unknown>, Promise<unknown>];
  /** Resolves once this node applied everything committed before the call (a read barrier). */
  barrier(): Promise<void>;
}

/** Codes after which the same command may simply be proposed again. */
const RETRYABLE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  "TIMEOUT",
  "NO_LEADER",
  "PROPOSAL_DROPPED",
  "RESOURCE_EXHAUSTED",
  "UNAVAILABLE",
]);

export const PROPOSE_BACKOFF_INITIAL_MS = 20;
export const PROPOSE_BACKOFF_MAX_MS = 1_000;

/** True if `error` says the proposal may be retried (it was not applied, or is idempotent). */
export function isRetryable(error: unknown): boolean {
  return error instanceof RaftoralError && RETRYABLE_CODES.has(error.code);
}

export interface ProposeLoop {
  readonly proposer: WorkflowProposer;
  readonly sleep: (delayMs: number) => Promise<void>;
  /** Checked before every attempt: false ends the loop with undefined. */
  readonly isActive: () => boolean;
  /** Attempts before the last retryable error is thrown; unbounded if absent. */
  readonly attemptsMax?: number;
}

/**
 * Proposes `command` until the group answers. Every workflow command is idempotent at apply
 * (duplicate Start, identical Checkpoint/Complete/Fail are acknowledged), so resending after
 * an unknown outcome is safe. Resolves with the apply result, or undefined once inactive.
 * A loop meant to run until answered: it stops only through `isActive` or `attemptsMax`.
 */
export async function proposeUntilAnswered(
  loop: ProposeLoop,
  command: WorkflowCommand,
): Promise<WorkflowApplyResult | undefined> {
  const bytes = encodeCommand(command);
  let backoffMs = PROPOSE_BACKOFF_INITIAL_MS;
  for (let attempt = 1; ; attempt++) {
    if (!loop.isActive()) return undefined;
    try {
      return asApplyResult(await loop.proposer.propose(bytes));
    } catch (error) {
      const isLast = loop.attemptsMax !== undefined && attempt >= loop.attemptsMax;
      if (!isRetryable(error) || isLast) throw error;
      // Handled: the outcome is unknown or the command was not applied; send it again.
    }
    await loop.sleep(backoffMs);
    backoffMs = Math.min(2 * backoffMs, PROPOSE_BACKOFF_MAX_MS);
  }
}

/** The apply result a proposer answered with; INTERNAL if it is not one. */
export function asApplyResult(value: unknown): WorkflowApplyResult {
  if (isApplyResult(value)) return value;
  throw new RaftoralError(
    "INTERNAL",
    "the execution group answered with something that is not a workflow result; is the proposer wired to a WorkflowStateMachine?",
  );
}

/**
 * proposeUntilAnswered, keeping the doubt, for a command that must not be sent anywhere else
 * once it may have been applied (a Start under an id this node drew: elsewhere it would get
 * another id). When it gives up (inactive, or out of attempts) after an attempt whose outcome
 * was unknown (TIMEOUT), it throws that TIMEOUT, whatever the later attempts said: a later
 * NO_LEADER or SHUTTING_DOWN would tell the caller the command was not applied, which nobody
 * knows. So does a refusal for a limit: it answers the last attempt only, and the one in doubt
 * may still commit after it, once the limit leaves room.
 */
export async function proposeKeepingDoubt(
  loop: ProposeLoop,
  command: WorkflowCommand,
): Promise<WorkflowApplyResult | undefined> {
  let inDoubt: RaftoralError | undefined;
  const proposer: WorkflowProposer = {
    propose: (bytes) =>
      loop.proposer.propose(bytes).catch((error: unknown) => {
        if (error instanceof RaftoralError && error.code === "TIMEOUT") inDoubt ??= error;
        throw error;
      }),
    barrier: () => loop.proposer.barrier(),
  };
  let result: WorkflowApplyResult | undefined;
  try {
    result = await proposeUntilAnswered({ ...loop, proposer }, command);
  } catch (error) {
    throw inDoubt ?? error;
  }
  const isLimited = result?.type === "refused" && result.reason === "limit";
  if ((result === undefined || isLimited) && inDoubt !== undefined) throw inDoubt;
  return result;
}
