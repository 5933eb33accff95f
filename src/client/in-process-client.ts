// The workflow calls of RaftoralClient, served by a node in the same process: no encoding, no
// socket, no second copy of the input. A program that embeds a RaftoralNode gets one from
// node.client(). The node answers as it would a remote caller (the same checks, errors and
// forwarding to the members of other execution clusters); there is only one node to ask, so
// nothing is retried here.

import { RaftoralError } from "../lib/index.ts";
import type {
  DescribeWorkflowRequest,
  NodeApi,
  SignalWorkflowRequest,
  StartWorkflowRequest,
  StopWorkflowRequest,
  WaitWorkflowRequest,
} from "../transport/index.ts";
import { WorkflowClientBase } from "./workflow-client-base.ts";

/** Default deadline of a start, signal, describe, cancel or terminate, in ms. */
const CALL_TIMEOUT_MS = 10_000;

export class InProcessClient extends WorkflowClientBase {
  protected readonly timeoutMs = CALL_TIMEOUT_MS;

  /** `isStopped` says when the node has stopped: a client kept past it is refused then. */
  constructor(
    private readonly node: NodeApi,
    private readonly isStopped: () => boolean,
  ) {
    super();
  }

  /** The node, while it serves; async callers get its refusal as a rejection. */
  private get api(): NodeApi {
    if (this.isStopped()) {
      throw new RaftoralError("UNAVAILABLE", "the node has stopped: it serves no more calls");
    }
    return this.node;
  }

  protected async sendStart(request: StartWorkflowRequest, timeoutMs: number) {
    return this.api.startWorkflow(request, deadline(timeoutMs));
  }

  protected async sendWait(request: WaitWorkflowRequest) {
    // The node ends the wait itself (TIMEOUT) once timeoutSeconds passed.
    return this.api.waitWorkflow(request);
  }

  protected async sendSignal(request: SignalWorkflowRequest, timeoutMs: number) {
    return this.api.signalWorkflow(request, deadline(timeoutMs));
  }

  protected async sendDescribe(request: DescribeWorkflowRequest, timeoutMs: number) {
    return this.api.describeWorkflow(request, deadline(timeoutMs));
  }

  protected async sendStop(
    type: "cancel" | "terminate",
    request: StopWorkflowRequest,
    timeoutMs: number,
  ) {
    return type === "cancel"
      ? this.api.cancelWorkflow(request, deadline(timeoutMs))
      : this.api.terminateWorkflow(request, deadline(timeoutMs));
  }
}

function deadline(timeoutMs: number): { signal: AbortSignal } {
  return { signal: AbortSignal.timeout(timeoutMs) };
}
