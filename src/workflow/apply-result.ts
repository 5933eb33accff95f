// What applying a workflow command returns to its proposer (the host hands the proposer
// exactly this value), and the events the state machine publishes to local observers.
// Expected refusals are values, not exceptions: every member computes the same one.

import type { LogIndex, NodeId, RetentionSetting } from "../lib/index.ts";
import type { ExecutionStatus, ExecutionView } from "./execution.ts";

/** Why a command was refused at apply time. Stable strings; callers switch on them. */
export type RefusalReason =
  /** The bytes did not decode to a command. */
  | "malformed"
  /** No execution with that id (never started, or pruned by retention). */
  | "not-found"
  /** The execution already finished. */
  | "not-running"
  /** The proposal's owner epoch is not the current one: its owner was replaced. */
  | "stale-epoch"
  /** The checkpoint's seq is not the next one, nor an identical copy of a recorded one. */
  | "out-of-order"
  /** The group is draining (sealed): it takes no new workflows. */
  | "sealed"
  /**
   * A limit was reached: running executions, checkpoints per execution, or finished results
   * kept (more than the retention allows, all younger than its floor).
   */
  | "limit"
  /** Start of an id that finished and whose result retention dropped: it ran already. */
  | "evicted"
  /** Start of a known id with another workflow, version or input. */
  | "already-exists"
  /** A timer's `wake` before its due time, or without the `sleep` it wakes. */
  | "timer-not-due"
  /** An `event` that is not the next one of its name, or a timeout before its deadline. */
  | "event-not-ready";

/** What WorkflowRuntime.start answers: the execution, and whether a Start before made it. */
export interface StartedExecution {
  readonly workflowId: string;
  /**
   * A caller-chosen id started before with the same name, version and input, by another call
   * than this one (another trace: a call sent again keeps its trace).
   */
  readonly alreadyStarted: boolean;
}

export type WorkflowApplyResult =
  | {
      readonly type: "started";
      readonly workflowId: string;
      /** False for a duplicate Start: nothing changed, `execution` is the existing one. */
      readonly isNew: boolean;
      /** A duplicate in the trace of the Start that made it: that start's call sent again. */
      readonly isSameTrace: boolean;
      readonly execution: ExecutionView;
    }
  | {
      readonly type: "recorded";
      readonly workflowId: string;
      readonly seq: number;
      /** An identical re-proposal of a checkpoint already recorded: acknowledged, not applied. */
      readonly isDuplicate: boolean;
    }
  | {
      readonly type: "finished";
      readonly workflowId: string;
      readonly status: Exclude<ExecutionStatus, "Running">;
      readonly isDuplicate: boolean;
    }
  | {
      readonly type: "ownerAssigned";
      readonly workflowId: string;
      readonly owner: NodeId;
      readonly epoch: number;
    }
  | {
      /** The event is in the execution's inbox (`isDuplicate`: it was already). */
      readonly type: "signaled";
      readonly workflowId: string;
      readonly eventId: string;
      readonly isDuplicate: boolean;
    }
  | {
      /**
       * The execution is marked for cancelling (`isDuplicate`: it was already); `status` is
       * its status now, which a repeat may find finished.
       */
      readonly type: "cancelRequested";
      readonly workflowId: string;
      readonly status: ExecutionStatus;
      readonly isDuplicate: boolean;
    }
  | {
      /** The group stopped taking new workflows (Seal applied). */
      readonly type: "sealed";
    }
  | {
      /** Finished executions taken over from a drained group (`count` new ones). */
      readonly type: "adopted";
      readonly count: number;
    }
  | {
      /** The group's retention setting from here on (Configure applied). */
      readonly type: "configured";
      readonly retention: RetentionSetting;
    }
  | {
      /** Log time is at least `atMs` now (Expire applied); what outlived the limit is pruned. */
      readonly type: "expired";
      readonly atMs: number;
    }
  | {
      readonly type: "refused";
      /** Undefined when the command was too malformed to name one. */
      readonly workflowId: string | undefined;
      readonly reason: RefusalReason;
      readonly message: string;
      /** The execution's epoch at apply time (stale-epoch refusals). */
      readonly currentEpoch?: number;
      /** Checkpoints recorded at apply time (out-of-order refusals). */
      readonly recordedCount?: number;
    };

/** Something the state machine applied, for local observers (runtime, waiters, tests). */
export type WorkflowEvent =
  | {
      readonly type: "started";
      readonly workflowId: string;
      readonly owner: NodeId;
      /** The log index of the Start entry. */
      readonly index: LogIndex;
    }
  | { readonly type: "recorded"; readonly workflowId: string; readonly seq: number }
  | {
      readonly type: "ownerAssigned";
      readonly workflowId: string;
      readonly owner: NodeId;
      readonly epoch: number;
    }
  | {
      readonly type: "finished";
      readonly workflowId: string;
      readonly status: Exclude<ExecutionStatus, "Running">;
    }
  | { readonly type: "pruned"; readonly workflowId: string }
  /** An event reached the execution's inbox. */
  | { readonly type: "signaled"; readonly workflowId: string }
  /** A Cancel marked the execution: its code sees a CancelledError at its next ctx call. */
  | { readonly type: "cancelRequested"; readonly workflowId: string }
  /** The whole state was replaced from a snapshot. */
  | { readonly type: "restored" };

/**
 * Observers are called synchronously at the end of apply/restore. They must only note the
 * event (queue work, settle a promise) and must not throw: apply has to stay deterministic.
 */
export type WorkflowListener = (event: WorkflowEvent) => void;

/** Every kind of WorkflowApplyResult; the record below fails to compile if one is missing. */
const APPLY_RESULT_TYPES: Readonly<Record<WorkflowApplyResult["type"], true>> = {
  started: true,
  recorded: true,
  finished: true,
  ownerAssigned: true,
  signaled: true,
  cancelRequested: true,
  sealed: true,
  adopted: true,
  configured: true,
  expired: true,
  refused: true,
};

/** True if `value` looks like a WorkflowApplyResult (the proposer's result is `unknown`). */
export function isApplyResult(value: unknown): value is WorkflowApplyResult {
  if (typeof value !== "object" || value === null) return false;
  const type = (value as { type?: unknown }).type;
  return typeof type === "string" && Object.hasOwn(APPLY_RESULT_TYPES, type);
}
