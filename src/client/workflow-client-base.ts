// The typed workflow calls (start, wait, run, signal, describe, cancel, terminate), written
// once for every client: each builds its request here and hands it to the subclass, which
// only decides how a request reaches a node (RaftoralClient: over the network, to the nodes in
// turn; InProcessClient: to the node in this process).

import type { EventType, ResultOf, WorkflowType } from "../lib/index.ts";
import type {
  DescribeWorkflowRequest,
  SignalWorkflowRequest,
  SignalWorkflowResult,
  StartWorkflowRequest,
  StartWorkflowResult,
  StopWorkflowRequest,
  StopWorkflowResult,
  WaitWorkflowRequest,
  WorkflowDescriptionInfo,
  WorkflowOutcome,
} from "../transport/index.ts";
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
  type WorkflowRef,
  type WorkflowResult,
  waitMsOf,
  waitRequestOf,
} from "./workflow-calls.ts";

/** The workflow calls a RaftoralClient and a node's in-process client both offer. */
export type WorkflowClient = Pick<
  WorkflowClientBase,
  "start" | "wait" | "run" | "signal" | "describe" | "cancel" | "terminate"
>;

export abstract class WorkflowClientBase {
  /** The deadline of a call whose options give none (waits have their own), in ms. */
  protected abstract readonly timeoutMs: number;

  protected abstract sendStart(
    request: StartWorkflowRequest,
    timeoutMs: number,
  ): Promise<StartWorkflowResult>;
  /** `waitMs`: how long the node waits; the call may take a little longer. */
  protected abstract sendWait(
    request: WaitWorkflowRequest,
    waitMs: number,
  ): Promise<WorkflowOutcome>;
  protected abstract sendSignal(
    request: SignalWorkflowRequest,
    timeoutMs: number,
  ): Promise<SignalWorkflowResult>;
  protected abstract sendDescribe(
    request: DescribeWorkflowRequest,
    timeoutMs: number,
  ): Promise<WorkflowDescriptionInfo>;
  protected abstract sendStop(
    type: "cancel" | "terminate",
    request: StopWorkflowRequest,
    timeoutMs: number,
  ): Promise<StopWorkflowResult>;

  /**
   * Starts `workflow` (a definition, a WorkflowType or a name) with `input` (any JSON value);
   * a definition types both. See StartOptions for a start under your own id.
   */
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
    const request = startRequestOf(workflow, input, options);
    const started = await this.sendStart(request, options.timeoutMs ?? this.timeoutMs);
    return {
      workflowId: started.workflowId,
      executionClusterId: String(started.executionClusterId),
      alreadyStarted: started.alreadyStarted,
    };
  }

  /** Waits until the workflow finished; TIMEOUT if it did not within `timeoutMs`. */
  async wait<O = unknown>(
    workflow: WorkflowRef<O>,
    options: WaitOptions = {},
  ): Promise<WorkflowResult<ResultOf<O>>> {
    const waitMs = waitMsOf(options);
    return resultOf(workflow, await this.sendWait(waitRequestOf(workflow, waitMs), waitMs));
  }

  /** start, then wait. */
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
    const { waitTimeoutMs } = options;
    return this.wait(started, waitTimeoutMs === undefined ? {} : { timeoutMs: waitTimeoutMs });
  }

  /**
   * Sends `event` (a name, or an EventType that types the payload) with `payload` (any JSON
   * value) to a running workflow, for its ctx.waitForEvent(). NOT_FOUND for an unknown
   * workflow, FAILED_PRECONDITION for one that finished.
   */
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
    const request = signalRequestOf(workflow, event, payload, options);
    const sent = await this.sendSignal(request, options.timeoutMs ?? this.timeoutMs);
    return { ...sent, executionClusterId: String(sent.executionClusterId) };
  }

  /**
   * The workflow's status, input, owner, times and recorded calls, as its execution cluster
   * applied them. NOT_FOUND if unknown.
   */
  describe(
    workflow: string | WorkflowRef,
    options: CallTimeout = {},
  ): Promise<WorkflowDescriptionInfo> {
    return this.sendDescribe(describeRequestOf(workflow), options.timeoutMs ?? this.timeoutMs);
  }

  /**
   * Asks a running workflow to stop: its code sees a CancelledError at its next ctx call and
   * may clean up; wait() then gives a failure with code CANCELLED (or its clean-up result).
   * Safe to repeat. NOT_FOUND for an unknown workflow, FAILED_PRECONDITION for a finished one.
   */
  cancel(workflow: string | WorkflowRef, options: StopOptions = {}): Promise<StoppedWorkflow> {
    return this.stop("cancel", workflow, options);
  }

  /** Ends a running workflow at once (status terminated, code TERMINATED). Safe to repeat. */
  terminate(workflow: string | WorkflowRef, options: StopOptions = {}): Promise<StoppedWorkflow> {
    return this.stop("terminate", workflow, options);
  }

  private async stop(
    type: "cancel" | "terminate",
    workflow: string | WorkflowRef,
    options: StopOptions,
  ): Promise<StoppedWorkflow> {
    const request = stopRequestOf(workflow, options);
    const stopped = await this.sendStop(type, request, options.timeoutMs ?? this.timeoutMs);
    return { ...stopped, executionClusterId: String(stopped.executionClusterId) };
  }
}
