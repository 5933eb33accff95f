// Reading a workflow outcome in a test: the output of one that must have completed, the
// failure of one that must have failed; the other case fails the test, saying what came.

import type { JsonValue } from "../../src/lib/index.ts";
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
