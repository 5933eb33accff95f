// TypeScript shapes of the workflow list's protobuf messages (proto/raftoral.proto,
// ListWorkflows), as the codecs see them: 64-bit fields as numbers, absent fields as defaults.

export interface ListWorkflowsRequestMessage {
  readonly statuses: readonly string[];
  /** "" is any name. */
  readonly name: string;
  /** 0 is no lower bound. */
  readonly startedAfterMs: number;
  /** 0 is no upper bound. */
  readonly startedBeforeMs: number;
  /** 0 is the default page size. */
  readonly pageSize: number;
  readonly pageToken: string;
  /** "" asks every execution cluster. */
  readonly executionClusterId: string;
}

export interface WorkflowSummaryMessage {
  readonly workflowId: string;
  readonly executionClusterId: string;
  readonly name: string;
  readonly version: number;
  readonly status: string;
  readonly ownerNodeId: number;
  readonly startedAtMs: number;
  /** 0 while it runs. */
  readonly finishedAtMs: number;
}

export interface UnavailableExecutionClusterMessage {
  readonly executionClusterId: string;
  readonly error: string;
}

export interface ListWorkflowsResponseMessage {
  readonly workflows: readonly WorkflowSummaryMessage[];
  /** "" on the last page. */
  readonly nextPageToken: string;
  readonly unavailableClusters: readonly UnavailableExecutionClusterMessage[];
}
