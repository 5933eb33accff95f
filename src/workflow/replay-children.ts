// ctx.startChild() under replay (see children.ts): the `child` checkpoint is settled like any
// other call, its live run starting the child through the node until the cluster decides
// (transient refusals are tried again); the handle's result() is a wait for the child's
// outcome event.
// Pure: the start and the waits go through injected effects.

import { assert, InvalidArgumentError, type WorkflowType } from "../lib/index.ts";
import {
  type ChildRef,
  type ChildStarter,
  childEventName,
  childIdOf,
  childOutcomeOf,
  childRefOf,
  isFinalStartFailure,
} from "./children.ts";
import type { ChildOptions, ChildWorkflow } from "./context.ts";
import { validateWorkflowName, validateWorkflowVersion } from "./definition.ts";
import { ChildWorkflowError, recordError } from "./errors.ts";
import type { EventResult } from "./events.ts";
import type { CheckpointKind, CheckpointOutcome, CheckpointRecord } from "./execution.ts";
import { type JsonValue, toJsonValue } from "./json.ts";

/** Longest pause between two tries of a child start the cluster could not take yet. */
const START_RETRY_DELAY_MS_MAX = 5_000;

export interface ChildCalls {
  readonly parentId: string;
  readonly traceId: string | undefined;
  readonly launcher: ChildStarter | undefined;
  readonly sleep: (delayMs: number) => Promise<void>;
  readonly isHalted: () => boolean;
  readonly settle: (
    kind: CheckpointKind,
    name: string,
    produce: (seq: number) => Promise<CheckpointOutcome | undefined>,
  ) => Promise<{ seq: number; outcome: CheckpointOutcome; record: CheckpointRecord }>;
  readonly waitForEvent: (name: string) => Promise<EventResult<JsonValue>>;
}

export async function startChild(
  calls: ChildCalls,
  workflow: string | WorkflowType,
  input: unknown,
  options: ChildOptions = {},
): Promise<ChildWorkflow> {
  const named = typeof workflow === "string" ? { name: workflow, version: 1 } : workflow;
  const version = options.version ?? named.version;
  validateWorkflowName(named.name);
  validateWorkflowVersion(version);
  const json = toJsonValue(input, `the input of child workflow ${named.name}`) ?? null;
  const { launcher } = calls;
  if (launcher === undefined) {
    throw new InvalidArgumentError(
      `workflow ${calls.parentId}: ctx.startChild() needs a Raftoral node to start children; this runtime has none`,
    );
  }
  if (options.workflowId !== undefined) childIdOf(calls.parentId, 0, options.workflowId);
  const { seq, outcome } = await calls.settle("child", named.name, (seq) => {
    const request = {
      name: named.name,
      version,
      input: json,
      workflowId: childIdOf(calls.parentId, seq, options.workflowId),
      ...(calls.traceId === undefined ? {} : { traceId: calls.traceId }),
    };
    return launchUntilDecided(calls, launcher, request);
  });
  const childId = childIdOf(calls.parentId, seq, options.workflowId);
  if (!outcome.ok) throw new ChildWorkflowError(childId, outcome.error);
  const ref = childRefOf(outcome.value);
  // Apply accepts a child checkpoint only with a valid ref; anything else is corruption.
  assert(ref !== undefined, `workflow ${calls.parentId}: unreadable child record at ${seq}`);
  return handleOf(calls, ref, seq);
}

/** Starts the child; tries again while the refusal is one that time may change. */
async function launchUntilDecided(
  calls: ChildCalls,
  launcher: ChildStarter,
  request: Parameters<ChildStarter["start"]>[0],
): Promise<CheckpointOutcome | undefined> {
  let delayMs = 100;
  while (!calls.isHalted()) {
    try {
      const started = await launcher.start(request);
      const value = {
        workflowId: request.workflowId,
        executionClusterId: started.executionClusterId,
      };
      return { ok: true, value };
    } catch (error) {
      // Handled: a final refusal is the call's recorded outcome; others are tried again.
      if (isFinalStartFailure(error)) return { ok: false, error: recordError(error) };
    }
    await calls.sleep(delayMs);
    delayMs = Math.min(2 * delayMs, START_RETRY_DELAY_MS_MAX);
  }
  return undefined;
}

function handleOf(calls: ChildCalls, ref: ChildRef, seq: number): ChildWorkflow {
  let result: Promise<JsonValue> | undefined;
  const awaitResult = async (): Promise<JsonValue> => {
    const got = await calls.waitForEvent(childEventName(seq));
    assert(!got.isTimedOut, "a child's result has no timeout");
    const outcome = childOutcomeOf(got.payload);
    assert(outcome !== undefined, `workflow ${calls.parentId}: unreadable child outcome ${seq}`);
    if (outcome.ok) return outcome.output;
    throw new ChildWorkflowError(ref.workflowId, outcome.error);
  };
  return {
    workflowId: ref.workflowId,
    executionClusterId: ref.executionClusterId,
    // One wait per child, however often result() is called.
    result: () => {
      result ??= awaitResult();
      return result;
    },
  };
}
