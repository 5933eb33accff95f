// Child workflows as the node serves them (see workflow/children.ts): a child is started like
// any start under a caller-chosen id, so it may land in any execution cluster and a repeated
// start finds it; its outcome is what a wait on it answers, repeated until it finished; it is
// stopped as any caller would cancel or terminate it.

import type { RaftoralError } from "../lib/index.ts";
import type {
  CallOptions,
  DescribeWorkflowRequest,
  StartWorkflowRequest,
  StartWorkflowResult,
  StopWorkflowRequest,
  StopWorkflowResult,
  WaitWorkflowRequest,
  WorkflowDescriptionInfo,
  WorkflowOutcome,
} from "../transport/index.ts";
import type { ChildLauncher, ChildOutcome, ChildRef } from "../workflow/index.ts";

/** One wait on a child; a child that runs longer is waited on again. */
const CHILD_WAIT_SECONDS = 300;

export interface ChildCallDeps {
  readonly start: (request: StartWorkflowRequest) => Promise<StartWorkflowResult>;
  readonly wait: (request: WaitWorkflowRequest, options: CallOptions) => Promise<WorkflowOutcome>;
  readonly describe: (request: DescribeWorkflowRequest) => Promise<WorkflowDescriptionInfo>;
  readonly cancel: (request: StopWorkflowRequest) => Promise<StopWorkflowResult>;
  readonly terminate: (request: StopWorkflowRequest) => Promise<StopWorkflowResult>;
}

export function childLauncher(deps: ChildCallDeps): ChildLauncher {
  return {
    start: async (request) => {
      const started = await deps.start({
        workflowType: request.name,
        version: request.version,
        inputJson: JSON.stringify(request.input),
        workflowId: request.workflowId,
        ...(request.traceId === undefined ? {} : { traceId: request.traceId }),
      });
      return { executionClusterId: String(started.executionClusterId) };
    },
    outcome: (child, signal) => outcomeOf(deps, child, signal),
    stop: async (child, type, reason) => {
      const request = { ...child, reason };
      await (type === "Cancel" ? deps.cancel(request) : deps.terminate(request));
    },
  };
}

async function outcomeOf(
  deps: ChildCallDeps,
  child: ChildRef,
  signal: AbortSignal,
): Promise<ChildOutcome> {
  const request = { ...child, timeoutSeconds: CHILD_WAIT_SECONDS };
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
    if (outcome.success) return { ok: true, output: JSON.parse(outcome.resultJson ?? "null") };
    // The wait's answer has the message only; the description has the error's code too.
    const described = await deps.describe(child).catch(() => undefined);
    return failure(child, outcome.error ?? "failed", described?.errorCode);
  }
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
