// The workflow calls of RaftoralClient, served by a node in the same process: no encoding, no
// socket, no second copy of the input. A program that embeds a RaftoralNode gets one from
// node.client(). The node answers as it would a remote caller (the same checks, errors and
// forwarding to the members of other execution clusters); there is only one node to ask, so
// nothing is retried here.

import type { EventType, ResultOf, WorkflowType } from "../lib/index.ts";
import type { NodeApi, WorkflowDescriptionInfo } from "../transport/index.ts";
import {
  type CallTimeout,
  describeRequestOf,
  type RunOptions,
  resultOf,
  type SignaledEvent,
  type SignalOptions,
  type StartedWorkflow,
  type StartOptions,
  type StopOptions,
  type StoppedWorkflow,
  signalRequestOf,
  startRequestOf,
  stopRequestOf,
  type WaitOptions,
  type WorkflowClient,
  type WorkflowRef,
  type WorkflowResult,
  waitMsOf,
  waitRequestOf,
} from "./workflow-calls.ts";

/** Default deadline of a start, signal or describe, in ms (waits have their own). */
const CALL_TIMEOUT_MS = 10_000;

export class InProcessClient implements WorkflowClient {
  constructor(private readonly api: NodeApi) {}

  start<I, O>(
    workflow: WorkflowType<I, O>,
    input: I,
    options?: StartOptions,
  ): Promise<StartedWorkflow<O>>;
  start(name: string, input: unknown, options?: StartOptions): Promise<StartedWorkflow>;
  async start(
    workflow: string | WorkflowType,
    input: unknown,
    options: StartOptions = {},
  ): Promise<StartedWorkflow> {
    const started = await this.api.startWorkflow(
      startRequestOf(workflow, input, options),
      deadline(options),
    );
    return {
      workflowId: started.workflowId,
      executionClusterId: String(started.executionClusterId),
    };
  }

  async wait<O = unknown>(
    workflow: WorkflowRef<O>,
    options: WaitOptions = {},
  ): Promise<WorkflowResult<ResultOf<O>>> {
    // The node ends the wait itself (TIMEOUT) once timeoutSeconds passed.
    const outcome = await this.api.waitWorkflow(waitRequestOf(workflow, waitMsOf(options)));
    return resultOf(workflow, outcome);
  }

  run<I, O>(
    workflow: WorkflowType<I, O>,
    input: I,
    options?: RunOptions,
  ): Promise<WorkflowResult<ResultOf<O>>>;
  run<Output = unknown>(
    name: string,
    input: unknown,
    options?: RunOptions,
  ): Promise<WorkflowResult<Output>>;
  async run(
    workflow: string | WorkflowType,
    input: unknown,
    options: RunOptions = {},
  ): Promise<WorkflowResult> {
    const started = await this.start(workflow as string, input, options);
    return this.wait(
      started,
      options.waitTimeoutMs === undefined ? {} : { timeoutMs: options.waitTimeoutMs },
    );
  }

  signal<T>(
    workflow: string | WorkflowRef,
    event: EventType<T>,
    payload: T,
    options?: SignalOptions,
  ): Promise<SignaledEvent>;
  signal(
    workflow: string | WorkflowRef,
    name: string,
    payload: unknown,
    options?: SignalOptions,
  ): Promise<SignaledEvent>;
  async signal(
    workflow: string | WorkflowRef,
    event: string | EventType,
    payload: unknown,
    options: SignalOptions = {},
  ): Promise<SignaledEvent> {
    const sent = await this.api.signalWorkflow(
      signalRequestOf(workflow, event, payload, options),
      deadline(options),
    );
    return { ...sent, executionClusterId: String(sent.executionClusterId) };
  }

  describe(
    workflow: string | WorkflowRef,
    options: CallTimeout = {},
  ): Promise<WorkflowDescriptionInfo> {
    return this.api.describeWorkflow(describeRequestOf(workflow), deadline(options));
  }

  async cancel(
    workflow: string | WorkflowRef,
    options: StopOptions = {},
  ): Promise<StoppedWorkflow> {
    const stopped = await this.api.cancelWorkflow(
      stopRequestOf(workflow, options),
      deadline(options),
    );
    return { ...stopped, executionClusterId: String(stopped.executionClusterId) };
  }

  async terminate(
    workflow: string | WorkflowRef,
    options: StopOptions = {},
  ): Promise<StoppedWorkflow> {
    const stopped = await this.api.terminateWorkflow(
      stopRequestOf(workflow, options),
      deadline(options),
    );
    return { ...stopped, executionClusterId: String(stopped.executionClusterId) };
  }
}

function deadline(options: CallTimeout): { signal: AbortSignal } {
  return { signal: AbortSignal.timeout(options.timeoutMs ?? CALL_TIMEOUT_MS) };
}
