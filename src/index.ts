// The raftoral package: embed a node in a Bun program, author workflows, talk to clusters.
//
//   import { RaftoralNode, defineWorkflow } from "raftoral";
//   import { RaftoralClient } from "raftoral";   // also usable from Node (see src/client)

export {
  type CallTimeout,
  ClientClosedError,
  type ClientTls,
  type ClusterNodeStatus,
  type ClusterStatus,
  type DiscoveryInfo,
  type ExecutionGroupStatus,
  type HealthInfo,
  InProcessClient,
  type LeaveResult,
  type ManagementRole,
  RaftoralClient,
  type RaftoralClientOptions,
  type RetentionInfo,
  type RetentionRequest,
  type RunOptions,
  type SignaledEvent,
  type SignalOptions,
  type StartedWorkflow,
  type StartOptions,
  type StopOptions,
  type StoppedWorkflow,
  TransportMismatchError,
  UnreachableError,
  UnservedError,
  type WaitOptions,
  type WorkflowClient,
  type WorkflowDescriptionInfo,
  type WorkflowRef,
  type WorkflowResult,
} from "./client/index.ts";
export {
  createLogger,
  DEFAULT_RETENTION,
  defineEvent,
  type ErrorCode,
  type EventType,
  type Logger,
  RaftoralError,
  type ResultOf,
  type RetentionSetting,
  type WorkflowType,
  workflowType,
} from "./lib/index.ts";
export {
  type NodeSecurity,
  type NodeTls,
  type NodeTuning,
  RaftoralNode,
  type RaftoralNodeOptions,
} from "./node/index.ts";
export type {
  EventResult,
  ExecutionView,
  WaitForEventOptions,
  WorkflowContext,
  WorkflowDefinition,
} from "./workflow/index.ts";
export {
  CancelledError,
  ChildWorkflowError,
  DeterminismViolationError,
  defineWorkflow,
  NondeterministicCallError,
  WorkflowApiMisuseError,
  WorkflowStepError,
} from "./workflow/index.ts";
