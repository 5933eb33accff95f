// Public surface of src/workflow: the authoring API, the registry, the replicated execution
// state machine, the replay engine, the owner-side runtime and the local queries.

export {
  isApplyResult,
  type RefusalReason,
  type StartedExecution,
  type WorkflowApplyResult,
  type WorkflowEvent,
  type WorkflowListener,
} from "./apply-result.ts";
export { EVICTED_PHRASE } from "./apply-retention.ts";
export {
  CANCELLED_CODE,
  CancelledError,
  REASON_CHARS_MAX,
  TERMINATED_CODE,
} from "./cancel.ts";
export {
  type ChildLauncher,
  type ChildOutcome,
  type ChildRef,
  type ChildRequest,
  checkNotReserved,
} from "./children.ts";
export {
  ADOPT_RECORDS_MAX,
  type DecodeResult,
  decodeCommand,
  encodeCommand,
  type WorkflowCommand,
  type WorkflowCommandType,
} from "./commands.ts";
export type {
  Checkpoint,
  ChildOptions,
  ChildWorkflow,
  RetryPolicy,
  StepInfo,
  StepOptions,
  Widen,
  WorkflowContext,
  WorkflowLog,
} from "./context.ts";
export {
  defineWorkflow,
  NAME_CHARS_MAX,
  VERSION_MAX,
  validateWorkflowName,
  validateWorkflowVersion,
  type WorkflowDefinition,
  type WorkflowOutput,
} from "./definition.ts";
export {
  type CheckpointSummary,
  DESCRIBED_STATUSES,
  type DescribedStatus,
  describedStatusOf,
  describeExecution,
  isDescribedStatus,
  type WorkflowDescription,
} from "./describe.ts";
export {
  type CodeScope,
  type DeterminismGuards,
  NondeterministicCallError,
  UNGUARDED,
  WorkflowApiMisuseError,
} from "./determinism-guards.ts";
export {
  type CallSite,
  ChildWorkflowError,
  DeterminismViolationError,
  ERROR_MESSAGE_CHARS_MAX,
  type RecordedError,
  recordError,
  UnknownWorkflowError,
  WaitTimeoutError,
  WorkflowEvictedError,
  WorkflowNotFoundError,
  WorkflowRefusedError,
  WorkflowStepError,
} from "./errors.ts";
export {
  checkEventName,
  type EventResult,
  INBOX_EVENTS_MAX,
  type InboxEvent,
  type WaitForEventOptions,
} from "./events.ts";
export type {
  CheckpointKind,
  CheckpointOutcome,
  CheckpointRecord,
  ExecutionRecord,
  ExecutionStatus,
  ExecutionView,
} from "./execution.ts";
export type { RunEnd } from "./execution-runner.ts";
export {
  DEFAULT_WORKFLOW_STATE_CONFIG,
  EVICTED_IDS_MAX,
  type EvictedRecord,
  type ExecutionState,
  type WorkflowStateConfig,
} from "./execution-table.ts";
export {
  canonicalJson,
  isJsonValue,
  type JsonValue,
  jsonEquals,
  toJsonValue,
} from "./json.ts";
export type { ExecutionSummary, ListPage, ListQuery } from "./list.ts";
export {
  FAILOVER_ASSIGNMENTS_MAX,
  type OwnerAssignment,
  planOwnerFailover,
} from "./owner-failover.ts";
export { BUILTIN_WORKFLOWS, PING_PONG, registryWithBuiltins } from "./ping-pong.ts";
export { isRetryable, type WorkflowProposer } from "./proposer.ts";
export { WAIT_TIMEOUT_MAX_MS, WAITERS_MAX, WorkflowQueries } from "./queries.ts";
export {
  REGISTERED_WORKFLOWS_MAX,
  type RegisteredWorkflow,
  type WorkflowKey,
  WorkflowRegistry,
} from "./registry.ts";
export type { Halt, ReplayEffects, StepReport } from "./replay-cursor.ts";
export { type ReplayInput, type ReplayOutcome, ReplayRun } from "./replay-engine.ts";
export { replayRandomAt } from "./replay-random.ts";
export {
  RUN_RETRY_DELAY_MS,
  START_ATTEMPTS_MAX,
  WorkflowRuntime,
  type WorkflowRuntimeOptions,
} from "./runtime.ts";
export { RUNTIME_VERSION, type RuntimeFeatures, runtimeFeatures } from "./runtime-version.ts";
export { compareStartKeys, type StartKey } from "./start-order.ts";
export {
  type SuspendedCounts,
  WorkflowStateMachine,
  type WorkflowStateMachineOptions,
} from "./state-machine.ts";
export { STEP_ATTEMPTS_MAX, STEP_DELAY_MAX_MS } from "./step-executor.ts";
export { StepGate } from "./step-gate.ts";
export {
  checkStopReason,
  type StopRequest,
  type StopResult,
} from "./stop-request.ts";
export { parseDuration, SLEEP_MS_MAX, type TimerSpec, timerDueAtMs } from "./timers.ts";
export { waitSeqOf } from "./wait-pairs.ts";
export { checkWorkflowId, newWorkflowId, WORKFLOW_ID_CHARS_MAX } from "./workflow-id.ts";
