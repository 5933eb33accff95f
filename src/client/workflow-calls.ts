// What a caller of workflows asks and gets back: the options and results of the typed calls,
// and the requests they turn into (workflow-client-base.ts makes the calls). A workflow is
// named by its definition (or a declared WorkflowType), which types the input and the result,
// or by its name. Pure: builds requests and reads outcomes; the clients do the I/O.

import {
  type EventType,
  type GroupId,
  groupId,
  InvalidArgumentError,
  toJsonValue,
  traceIdOf,
  type WorkflowType,
} from "../lib/index.ts";
import {
  type DescribeWorkflowRequest,
  newCallTraceId,
  type SignalWorkflowRequest,
  type StartWorkflowRequest,
  type StopWorkflowRequest,
  type WaitWorkflowRequest,
  type WorkflowOutcome,
} from "../transport/index.ts";

export interface CallTimeout {
  /** Overrides the client's timeoutMs for this call. */
  readonly timeoutMs?: number;
}

export interface StartOptions extends CallTimeout {
  /** Default: the definition's version, or 1 for a workflow named by text. */
  readonly version?: number;
  /** Run it in this execution cluster (default: the least loaded one). */
  readonly executionClusterId?: string | number;
  /**
   * Your id for the workflow (letters, digits and `. _ : @ -`, at most 128). Starting it
   * again returns the same workflow, or fails with ALREADY_EXISTS when the name, version or
   * input differ. With an id, a start whose answer was lost is sent again, to the next node.
   */
  readonly workflowId?: string;
  /**
   * A W3C `traceparent` header value: the workflow's log lines on every node then carry its
   * trace id, and describe shows it. Absent: the node starts a new trace.
   */
  readonly traceparent?: string;
}

/** What wait needs: the id, and the execution cluster if known (any node finds it otherwise). */
export interface WorkflowRef<O = unknown> {
  readonly workflowId: string;
  readonly executionClusterId?: string;
  /** Never set: carries the workflow's output type from start() to wait(). */
  readonly outputType?: O;
}

/** A started workflow: what wait needs to find it. */
export interface StartedWorkflow<O = unknown> extends WorkflowRef<O> {
  /** Decimal id of the execution cluster that runs it. */
  readonly executionClusterId: string;
  /**
   * Your workflowId was started before with the same name, version and input: this start
   * answered that workflow, running or finished, and started nothing. A start the client
   * sent again after losing an answer may see its own first attempt here.
   */
  readonly alreadyStarted: boolean;
}

export interface SignalOptions extends CallTimeout {
  /** The workflow's execution cluster, if known (any node finds it otherwise). */
  readonly executionClusterId?: string | number;
  /**
   * Your id for the event: a repeat with the same id is delivered once, so the client may
   * send it again to the next node when an answer is lost. Without one it goes to the next
   * node only while no node could be connected to.
   */
  readonly eventId?: string;
}

/** Where an event went. */
export interface SignaledEvent {
  readonly workflowId: string;
  readonly executionClusterId: string;
  readonly eventId: string;
  /** The workflow had this event id already: nothing was added. */
  readonly isDuplicate: boolean;
}

export interface WaitOptions {
  /** How long to wait for the workflow to finish, in ms. Default 30,000; at most 3,600,000. */
  readonly timeoutMs?: number;
}

export type RunOptions = StartOptions & { readonly waitTimeoutMs?: number };

/**
 * How a workflow ended. A failed workflow is a result, not an exception. Its
 * `executionClusterId` is "" when the wait did not name one.
 */
export type WorkflowResult<Output = unknown> = {
  readonly workflowId: string;
  /** As the reference waited on named it: "" when it named none (the node found the cluster). */
  readonly executionClusterId: string;
} & (
  | { readonly status: "completed"; readonly output: Output; readonly outputJson: string }
  | {
      readonly status: "failed";
      readonly error: string;
      /** The error's class name, e.g. "Error" or "CancelledError". */
      readonly errorName: string;
      /** The failure's stable code when it had one: CANCELLED, TERMINATED, ... */
      readonly errorCode?: string;
    }
);

export interface StopOptions extends CallTimeout {
  /** The workflow's execution cluster, if known (any node finds it otherwise). */
  readonly executionClusterId?: string | number;
  /** Why: kept with the request and in the workflow's error message. */
  readonly reason?: string;
}

/** A cancel or terminate as applied. */
export interface StoppedWorkflow {
  readonly workflowId: string;
  readonly executionClusterId: string;
  /** Its status then: "running" until a cancelled workflow's code ends, or how it ended. */
  readonly status: string;
  /** It had been cancelled (terminated) before: nothing changed. */
  readonly isDuplicate: boolean;
}

const DEFAULT_WAIT_MS = 30_000;
const WAIT_MS_MAX = 3_600_000;

export function startRequestOf(
  workflow: string | WorkflowType,
  input: unknown,
  options: StartOptions,
): StartWorkflowRequest {
  const cluster = options.executionClusterId;
  const { workflowId } = options;
  // Every attempt of a start under the caller's id carries one trace, by which the nodes
  // tell the call's own Start from another call's (StartedWorkflow.alreadyStarted).
  const traceId =
    traceIdOfOption(options.traceparent) ??
    (workflowId === undefined ? undefined : newCallTraceId());
  const named = typeof workflow === "string" ? { name: workflow, version: 1 } : workflow;
  return {
    workflowType: named.name,
    version: options.version ?? named.version,
    input: toJsonValue(input, "the input") ?? null,
    ...clusterField(cluster),
    ...(workflowId === undefined ? {} : { workflowId }),
    ...(traceId === undefined ? {} : { traceId }),
  };
}

/** How long a wait with `options` waits, in ms. */
export function waitMsOf(options: WaitOptions): number {
  return Math.min(options.timeoutMs ?? DEFAULT_WAIT_MS, WAIT_MS_MAX);
}

export function waitRequestOf(workflow: WorkflowRef, waitMs: number): WaitWorkflowRequest {
  return {
    ...describeRequestOf(workflow),
    timeoutSeconds: Math.max(1, Math.ceil(waitMs / 1000)),
  };
}

export function resultOf<Output>(
  workflow: WorkflowRef,
  outcome: WorkflowOutcome,
): WorkflowResult<Output> {
  const ids = {
    workflowId: workflow.workflowId,
    executionClusterId: workflow.executionClusterId ?? "",
  };
  if (!outcome.success) {
    const { failure } = outcome;
    const code = failure.code === undefined ? {} : { errorCode: failure.code };
    return { ...ids, status: "failed", error: failure.message, errorName: failure.name, ...code };
  }
  const { output } = outcome;
  return {
    ...ids,
    status: "completed",
    output: output as Output,
    outputJson: JSON.stringify(output),
  };
}

export function signalRequestOf(
  workflow: string | WorkflowRef,
  event: string | EventType,
  payload: unknown,
  options: SignalOptions,
): SignalWorkflowRequest {
  const ref = refOf(workflow);
  const cluster = options.executionClusterId ?? ref.executionClusterId;
  return {
    workflowId: ref.workflowId,
    name: typeof event === "string" ? event : event.name,
    payload: toJsonValue(payload, "the payload") ?? null,
    ...clusterField(cluster),
    ...(options.eventId === undefined ? {} : { eventId: options.eventId }),
  };
}

export function describeRequestOf(workflow: string | WorkflowRef): DescribeWorkflowRequest {
  const ref = refOf(workflow);
  return { workflowId: ref.workflowId, ...clusterField(ref.executionClusterId) };
}

export function stopRequestOf(
  workflow: string | WorkflowRef,
  options: StopOptions,
): StopWorkflowRequest {
  const ref = refOf(workflow);
  const cluster = options.executionClusterId ?? ref.executionClusterId;
  return {
    workflowId: ref.workflowId,
    ...clusterField(cluster),
    ...(options.reason === undefined ? {} : { reason: options.reason }),
  };
}

function refOf(workflow: string | WorkflowRef): WorkflowRef {
  if (typeof workflow === "string") return { workflowId: workflow };
  // A definition passed for the workflow it started (JavaScript callers have no type check).
  const { name } = Object(workflow) as { name?: unknown };
  if (typeof workflow?.workflowId !== "string" && name !== undefined) {
    throw new InvalidArgumentError(
      "this call takes a started workflow (what start() returned) or its workflow id, not a " +
        `workflow definition such as '${String(name)}'`,
    );
  }
  return workflow;
}

/** A caller's execution cluster id as a request field; none for undefined or "". */
export function clusterField(value: string | number | undefined): { executionClusterId?: GroupId } {
  if (value === undefined || value === "") return {};
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < 1 || String(value).trim() === "") {
    throw new InvalidArgumentError(`execution cluster id '${value}' is not a positive integer`);
  }
  return { executionClusterId: groupId(number) };
}

function traceIdOfOption(traceparent: string | undefined): string | undefined {
  if (traceparent === undefined) return undefined;
  const traceId = traceIdOf(traceparent);
  if (traceId === undefined) {
    throw new InvalidArgumentError(
      `traceparent '${traceparent}' is not a W3C traceparent such as ` +
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    );
  }
  return traceId;
}
