// What the node needs from the workflow engine for its execution groups: a state machine per
// group replica, whether a group is idle, and the workflow operations the API exposes.

import type { GroupId } from "../lib/index.ts";
import type { StateMachine } from "../multiraft/index.ts";
import type {
  CallOptions,
  StartWorkflowRequest,
  StartWorkflowResult,
  WaitWorkflowRequest,
  WorkflowOutcome,
} from "../transport/index.ts";

export interface ExecutionLayer {
  /** A fresh state machine for this node's replica of execution group `groupId`. */
  stateMachine(groupId: GroupId): StateMachine;
  /** Whether the group runs no workflow (a draining group may then be destroyed). */
  isIdle(groupId: GroupId): boolean;
  /** Fingerprint of the registered workflow set; every node of a cluster must agree. */
  fingerprint(): string;
  startWorkflow(request: StartWorkflowRequest, options?: CallOptions): Promise<StartWorkflowResult>;
  waitWorkflow(request: WaitWorkflowRequest, options?: CallOptions): Promise<WorkflowOutcome>;
  runWorkflow(request: StartWorkflowRequest, options?: CallOptions): Promise<WorkflowOutcome>;
}
