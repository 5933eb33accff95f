// Reading a workflow outcome in a test: the output of one that must have completed, the
// failure of one that must have failed; the other case fails the test, saying what came.
// Likewise the error of a call that must have failed.

import { type JsonValue, RaftoralError } from "../../src/lib/index.ts";
import type { WorkflowFailure, WorkflowOutcome } from "../../src/transport/index.ts";

export function outputOf(outcome: WorkflowOutcome): JsonValue {
  if (!outcome.success) throw new Error(`the workflow failed: ${outcome.failure.message}`);
  return outcome.output;
}

export function failureOf(outcome: WorkflowOutcome): WorkflowFailure {
  if (outcome.success) {
    throw new Error(`the workflow completed with ${JSON.stringify(outcome.output)}`);
  }
  return outcome.failure;
}

/** The RaftoralError `call` failed with; anything else (a success too) fails the test. */
export async function callFailure(call: Promise<unknown>): Promise<RaftoralError> {
  const outcome = await call.then(
    (value) => new Error(`the call succeeded with ${JSON.stringify(value)}`),
    (error: unknown) => error,
  );
  if (!(outcome instanceof RaftoralError)) throw outcome;
  return outcome;
}
