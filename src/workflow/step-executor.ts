// Runs a step body for real (owner only, first unrecorded call): attempts under the step's
// retry policy, then turns the result or the last error into the outcome to commit. A user
// error is data: it is recorded, not thrown here.
// Pure: waiting between attempts goes through the injected sleep.

import { InvalidArgumentError } from "../lib/index.ts";
import { toRecordedJson } from "./command-size.ts";
import type { RetryPolicy, StepInfo } from "./context.ts";
import { recordError } from "./errors.ts";
import type { CheckpointOutcome } from "./execution.ts";

/** Most attempts a retry policy may ask for. */
export const STEP_ATTEMPTS_MAX = 100;
/** Longest wait between attempts a retry policy may ask for (one hour). */
export const STEP_DELAY_MAX_MS = 3_600_000;
/** How often a step waiting to retry asks whether to stop (a cancel requested meanwhile). */
const STOP_CHECK_MS = 100;

export type ResolvedRetryPolicy = Required<RetryPolicy>;

const NO_RETRY: ResolvedRetryPolicy = {
  attemptsMax: 1,
  initialDelayMs: 100,
  backoffFactor: 2,
  delayMaxMs: 10_000,
};

/** Fills in defaults; INVALID_ARGUMENT for a policy outside the limits. */
export function resolveRetryPolicy(policy: RetryPolicy | undefined): ResolvedRetryPolicy {
  if (policy === undefined) return NO_RETRY;
  const resolved: ResolvedRetryPolicy = { ...NO_RETRY, ...policy };
  const { attemptsMax, initialDelayMs, backoffFactor, delayMaxMs } = resolved;
  if (!Number.isSafeInteger(attemptsMax) || attemptsMax < 1 || attemptsMax > STEP_ATTEMPTS_MAX) {
    throw new InvalidArgumentError(
      `retry.attemptsMax must be an integer from 1 to ${STEP_ATTEMPTS_MAX}, got ${attemptsMax}`,
    );
  }
  for (const [name, value] of [
    ["initialDelayMs", initialDelayMs],
    ["delayMaxMs", delayMaxMs],
  ] as const) {
    if (!Number.isFinite(value) || value < 0 || value > STEP_DELAY_MAX_MS) {
      throw new InvalidArgumentError(
        `retry.${name} must be from 0 to ${STEP_DELAY_MAX_MS} ms, got ${value}`,
      );
    }
  }
  if (!Number.isFinite(backoffFactor) || backoffFactor < 1 || backoffFactor > 100) {
    throw new InvalidArgumentError(
      `retry.backoffFactor must be from 1 to 100, got ${backoffFactor}`,
    );
  }
  return resolved;
}

/** The wait before attempt `attempt` (2, 3, ...). */
export function retryDelayMs(policy: ResolvedRetryPolicy, attempt: number): number {
  const delay = policy.initialDelayMs * policy.backoffFactor ** (attempt - 2);
  return Math.min(delay, policy.delayMaxMs);
}

export interface StepExecution<S> {
  readonly name: string;
  readonly idempotencyKey: string;
  readonly fn: (info: StepInfo) => unknown;
  readonly policy: ResolvedRetryPolicy;
  readonly sleep: (delayMs: number) => Promise<void>;
  /** Checked between attempts: a halted run stops retrying. */
  readonly isHalted: () => boolean;
  /** Asked while the step waits to retry: a reason ends it with no outcome ({ stopped }). */
  readonly stopFor: () => S | undefined;
  /** Told the number of each attempt as it starts. */
  readonly onAttempt?: (attempt: number) => void;
}

/**
 * Runs the body until it succeeds or the attempts are used up. Resolves with the outcome to
 * commit, undefined if the run halted meanwhile, or `{ stopped }` with the reason stopFor gave
 * between attempts. Never rejects.
 */
export async function executeStep<S>(
  step: StepExecution<S>,
): Promise<CheckpointOutcome | { readonly stopped: S } | undefined> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= step.policy.attemptsMax; attempt++) {
    if (attempt > 1) {
      const stopped = await backOff(step, retryDelayMs(step.policy, attempt));
      if (step.isHalted()) return undefined;
      if (stopped !== undefined) return { stopped };
    }
    let value: unknown;
    step.onAttempt?.(attempt);
    try {
      value = await step.fn({ idempotencyKey: step.idempotencyKey, attempt });
    } catch (error) {
      // Handled: a failing body is retried under the policy, then its error is recorded.
      lastError = error;
      continue;
    }
    return resultOutcome(step.name, value);
  }
  return { ok: false, error: recordError(lastError) };
}

/** Waits `delayMs` before the next attempt; ends sooner with stopFor's reason once it has one. */
async function backOff<S>(step: StepExecution<S>, delayMs: number): Promise<S | undefined> {
  for (let leftMs = delayMs; leftMs > 0; leftMs -= STOP_CHECK_MS) {
    const stopped = step.stopFor();
    if (stopped !== undefined) return stopped;
    await step.sleep(Math.min(leftMs, STOP_CHECK_MS));
    if (step.isHalted()) return undefined;
  }
  return step.stopFor();
}

function resultOutcome(name: string, value: unknown): CheckpointOutcome {
  try {
    const json = toRecordedJson(value, `the result of step "${name}"`);
    return json === undefined ? { ok: true } : { ok: true, value: json };
  } catch (error) {
    // Handled: a result the log cannot hold fails the step like any other user error.
    return { ok: false, error: recordError(error) };
  }
}
