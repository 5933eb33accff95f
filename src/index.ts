// The raftoral package: embed a node in a Bun program, author workflows, talk to clusters.
//
//   import { RaftoralNode, defineWorkflow } from "raftoral";

export { createLogger, type ErrorCode, type Logger, RaftoralError } from "./lib/index.ts";
export { type NodeTuning, RaftoralNode, type RaftoralNodeOptions } from "./node/index.ts";
export type { ExecutionView, WorkflowContext, WorkflowDefinition } from "./workflow/index.ts";
export { DeterminismViolationError, defineWorkflow } from "./workflow/index.ts";
