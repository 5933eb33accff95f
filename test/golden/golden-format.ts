// The shape of a golden file: a recorded execution group log (the commands, in apply
// order) and what its one execution ended as.

import type {
  ExecutionStatus,
  JsonValue,
  RecordedError,
  WorkflowCommand,
} from "../../src/workflow/index.ts";

export interface GoldenLog {
  /** What the log shows and why it is worth keeping. */
  readonly description: string;
  readonly workflowId: string;
  readonly workflow: { readonly name: string; readonly version: number };
  readonly runtimeVersion: number;
  /** Every command the group applied, refused ones included, in log order. */
  readonly log: readonly WorkflowCommand[];
  readonly expected: {
    readonly status: ExecutionStatus;
    readonly output?: JsonValue;
    readonly error?: RecordedError;
    readonly checkpointCount: number;
    readonly ownerEpoch: number;
  };
}
