// Child workflows as the node serves them (see workflow/children.ts): a child is started like
// any start under a caller-chosen id, so it may land in any execution cluster and a repeated
// start finds it; its outcome is what a wait on it answers, repeated until it finished; it is
// stopped as any caller would cancel or terminate it.

import type { GroupId, RaftoralError } from "../lib/index.ts";
import {
  type CallOptions,
  clusterHint,
  type StartWorkflowRequest,
  type StartWorkflowResult,
  type StopWorkflowRequest,
  type StopWorkflowResult,
  type WaitWorkflowRequest,
  type WorkflowOutcome,
} from "../transport/index.ts";
import type { ChildLauncher, ChildOutcome, ChildRef } from "../workflow/index.ts";

/** One wait on a child; a child that runs longer is waited on again. */
const CHILD_WAIT_SECONDS = 300;

export interface ChildCallDeps {
  readonly start: (request: StartWorkflowRequest) => Promise<StartWorkflowResult>;
  readonly wait: (request: WaitWorkflowRequest, options: CallOptions) => Promise<WorkflowOutcome>;
  readonly cancel: (request: StopWorkflowRequest) => Promise<StopWorkflowResult>;
  readonly terminate: (request: StopWorkflowRequest) => Promise<StopWorkflowResult>;
}

export function childLauncher(deps: ChildCallDeps): ChildLauncher {
  return {
    start: async (request) => {
      const started = await deps.start({
        workflowType: request.name,
        version: request.version,
        input: request.input,
        workflowId: request.workflowId,
        ...(request.traceId === undefined ? {} : { traceId: request.traceId }),
      });
      return { executionClusterId: String(started.executionClusterId) };
    },
    outcome: (child, signal) => outcomeOf(deps, child, signal),
    stop: async (child, type, reason) => {
      const request = { ...refOf(child), reason };
      await (type === "Cancel" ? deps.cancel(request) : deps.terminate(request));
    },
  };
}

async function outcomeOf(
  deps: ChildCallDeps,
  child: ChildRef,
  signal: AbortSignal,
): Promise<ChildOutcome> {
  const request = { ...refOf(child), timeoutSeconds: CHILD_WAIT_SECONDS };
  for (;;) {
    let outcome: WorkflowOutcome;
    try {
      outcome = await deps.wait(request, { signal });
    } catch (error) {
      const code = (error as Partial<RaftoralError>).code;
      // Handled: still running after a long wait; wait again (unless the watch stopped).
      if (code === "TIMEOUT" && !signal.aborted) continue;
      if (code !== "NOT_FOUND") throw error;
      return failure(
        child,
        `is not known to any execution cluster (its result was evicted?)`,
        code,
      );
    }
    if (outcome.success) return { ok: true, output: outcome.output };
    return failure(child, outcome.failure.message, outcome.failure.code);
  }
}

/** The child as a request names it: its id, and the group its start was recorded in. */
function refOf(child: ChildRef): { workflowId: string; executionClusterId?: GroupId } {
  return {
    workflowId: child.workflowId,
    ...clusterHint(child.executionClusterId, "the child's recorded execution cluster id"),
  };
}

function failure(child: ChildRef, message: string, code: string | undefined): ChildOutcome {
  return {
    ok: false,
    error: {
      name: "ChildWorkflowError",
      message: message.startsWith("is not known") ? `${child.workflowId} ${message}` : message,
      ...(code === undefined ? {} : { code }),
    },
  };
}
