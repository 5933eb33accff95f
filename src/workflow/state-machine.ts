// The replicated state of one execution group: every execution, its owner and epoch, its
// committed checkpoints and its end. Every decision is made here, at apply time, from the
// log and this state only (STYLE 1.7): a stale owner's late proposal is refused by epoch,
// a checkpoint out of sequence is refused, and so on, identically on every member.
// Pure: no I/O, no timers, no clocks. Implements multiraft's StateMachine structurally.

import { assert, type LogIndex, type RetentionSetting, unreachable } from "../lib/index.ts";
import { applyCancel, applyTerminate } from "./apply-cancel.ts";
import {
  applyAdopt,
  applyAssignOwner,
  applyCheckpoint,
  applyFinish,
  applyStart,
} from "./apply-commands.ts";
import type { ApplyContext } from "./apply-context.ts";
import type { WorkflowApplyResult, WorkflowEvent, WorkflowListener } from "./apply-result.ts";
import { applyConfigure, evictedMessage } from "./apply-retention.ts";
import { applySignal } from "./apply-waits.ts";
import { decodeCommand, type WorkflowCommand } from "./commands.ts";
import { describedStatusOf } from "./describe.ts";
import { WorkflowRefusedError } from "./errors.ts";
import { type ExecutionView, viewOf } from "./execution.ts";
import {
  DEFAULT_WORKFLOW_STATE_CONFIG,
  type EvictedRecord,
  type ExecutionState,
  ExecutionTable,
  pruneLimits,
  RUNNING_RECORDS_BYTES_MAX,
  validateStateConfig,
  type WorkflowStateConfig,
} from "./execution-table.ts";
import { type ListPage, type ListQuery, listExecutions } from "./list.ts";
import type { WorkflowRegistry } from "./registry.ts";
import { decodeStateSnapshot, encodeStateSnapshot } from "./state-snapshot.ts";

export interface WorkflowStateMachineOptions {
  /**
   * The code this node runs as owner. Apply never consults it: every replica applies every
   * Start alike, and an owner without a pair's code leaves that execution alone.
   */
  readonly registry: WorkflowRegistry;
  readonly config?: WorkflowStateConfig;
}

/** How many running executions hold no run: asleep on a timer, or waiting for an event. */
export interface SuspendedCounts {
  readonly sleeping: number;
  readonly waiting: number;
}

export class WorkflowStateMachine {
  readonly registry: WorkflowRegistry;
  readonly config: WorkflowStateConfig;
  private table = new ExecutionTable();
  private readonly listeners = new Set<WorkflowListener>();

  constructor(options: WorkflowStateMachineOptions) {
    this.registry = options.registry;
    this.config = options.config ?? DEFAULT_WORKFLOW_STATE_CONFIG;
    validateStateConfig(this.config);
  }

  // ---- StateMachine ----------------------------------------------------------------------

  /** Applies one committed command; the result goes to its proposer. Never throws for bad input. */
  apply(command: Uint8Array, index: LogIndex): WorkflowApplyResult {
    assert(
      index > this.table.lastAppliedIndex,
      `workflow state: index ${index} applied after ${this.table.lastAppliedIndex}`,
    );
    this.table.lastAppliedIndex = index;
    const decoded = decodeCommand(command);
    if (!decoded.ok) {
      return {
        type: "refused",
        workflowId: undefined,
        reason: "malformed",
        message: `malformed workflow command: ${decoded.problem}`,
      };
    }
    const events: WorkflowEvent[] = [];
    const context: ApplyContext = {
      table: this.table,
      config: this.config,
      events,
      index,
    };
    const result = dispatch(context, decoded.command);
    if (
      (result.type === "started" && result.isNew) ||
      (result.type === "recorded" && !result.isDuplicate)
    ) {
      this.table.countRecorded(result.workflowId, command.byteLength);
    }
    for (const workflowId of this.table.prune(pruneLimits(this.config, this.table.retention))) {
      events.push({ type: "pruned", workflowId });
    }
    this.emit(events);
    return result;
  }

  snapshotAfter(prefix: Uint8Array): Uint8Array {
    return encodeStateSnapshot(this.table, prefix);
  }

  restore(data: Uint8Array): void {
    this.table = decodeStateSnapshot(data);
    this.emit([{ type: "restored" }]);
  }

  // ---- local queries (any member) --------------------------------------------------------

  /** The execution's replicated record, read-only; undefined if unknown or pruned. */
  execution(workflowId: string): ExecutionState | undefined {
    return this.table.get(workflowId);
  }

  /** A copy of the execution's status, for callers. */
  status(workflowId: string): ExecutionView | undefined {
    const record = this.table.get(workflowId);
    return record === undefined ? undefined : viewOf(record);
  }

  /** Every retained execution, in start order. */
  executions(): IterableIterator<ExecutionState> {
    return this.table.executions.values();
  }

  /** Why `workflowId` is gone, if retention evicted it here recently (see EVICTED_IDS_MAX). */
  evicted(workflowId: string): EvictedRecord | undefined {
    return this.table.evicted.get(workflowId);
  }

  /** The NOT_FOUND message for an evicted id, naming the retention in force. */
  evictedMessage(workflowId: string): string | undefined {
    const evicted = this.table.evicted.get(workflowId);
    return evicted === undefined
      ? undefined
      : evictedMessage(workflowId, evicted, this.table.retention);
  }

  /** The retention setting this group applied last; undefined if it never applied one. */
  retention(): RetentionSetting | undefined {
    return this.table.retention;
  }

  /**
   * The time after which the next finished execution in line outlives the retention's time
   * limit, as log time counts (its finish time plus `retainForMs`); undefined if there is
   * no such limit or nothing finished.
   */
  nextExpiryMs(): number | undefined {
    const retainForMs = this.table.retention?.retainForMs ?? 0;
    const oldest = this.table.oldestFinished();
    if (retainForMs === 0 || oldest === undefined) return undefined;
    return (oldest.finishedAtMs ?? 0) + retainForMs;
  }

  /**
   * While the group keeps more results than its limits allow and the oldest is under the
   * floor, so that a new Start is refused: that result's finish time and the floor.
   */
  floorHold(): { readonly finishedAtMs: number; readonly floorMs: number } | undefined {
    const limits = pruneLimits(this.config, this.table.retention);
    const oldest = this.table.oldestFinished();
    if (oldest === undefined || limits.atLeastMs === 0) return undefined;
    if (!this.table.isOverLimits(limits)) return undefined;
    const finishedAtMs = oldest.finishedAtMs ?? 0;
    if (this.table.logTimeMs - finishedAtMs >= limits.atLeastMs) return undefined;
    return { finishedAtMs, floorMs: limits.atLeastMs };
  }

  /** A page of summaries matching `query`, newest first (see list.ts). */
  list(query: ListQuery): ListPage {
    return listExecutions(this.table.index, query);
  }

  /** The newest time any applied command carried (epoch ms): what retention counts ages by. */
  logTimeMs(): number {
    return this.table.logTimeMs;
  }

  runningCount(): number {
    return this.table.runningCount;
  }

  /** What the running executions' records take here, in bytes (see ExecutionTable). */
  runningBytes(): number {
    return this.table.runningBytes;
  }

  /**
   * Refuses a new start (RESOURCE_EXHAUSTED) while the running executions' records hold
   * config.runningRecordsBytesMax here: every member keeps them in memory, and the count of
   * running executions alone let them take gigabytes. A start of an id this group knows is
   * let through, since its apply answers with the execution it has.
   */
  checkRoomForStart(workflowId: string): void {
    const bytes = this.table.runningBytes;
    const bytesMax = this.config.runningRecordsBytesMax ?? RUNNING_RECORDS_BYTES_MAX;
    if (bytes < bytesMax || this.table.get(workflowId) !== undefined) return;
    throw new WorkflowRefusedError(
      "RESOURCE_EXHAUSTED",
      workflowId,
      `the workflows running in this execution cluster hold ${bytes} bytes of inputs and ` +
        `results, past the ${bytesMax} it takes before starting more; retry when some ` +
        "finished, and keep large data outside workflows (record a reference to it)",
    );
  }

  /** Running executions that sleep on a durable timer, and that wait for an event. */
  suspendedCounts(): SuspendedCounts {
    let sleeping = 0;
    let waiting = 0;
    // Only the running ones: the index keeps them apart from the (many) finished ones.
    for (const record of this.table.index.withStatus("Running").newestFirst()) {
      const status = describedStatusOf(record);
      if (status === "sleeping") sleeping++;
      else if (status === "waiting") waiting++;
    }
    return { sleeping, waiting };
  }

  /** Finished executions still retained, oldest first (what a drained group hands over). */
  finishedExecutions(): ExecutionState[] {
    return [...this.table.finishedIds()].map((id) => this.table.get(id) as ExecutionState);
  }

  /** Whether Seal was applied: the group is draining and refuses every Start. */
  isSealed(): boolean {
    return this.table.isSealed;
  }

  /** Index of the last command applied (0 before any). */
  lastAppliedIndex(): number {
    return this.table.lastAppliedIndex;
  }

  /** Calls `listener` after every apply and restore; returns the unsubscribe function. */
  subscribe(listener: WorkflowListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** O(n) invariant check for tests and the simulator. */
  checkInvariants(): void {
    this.table.checkInvariants();
  }

  private emit(events: readonly WorkflowEvent[]): void {
    for (const event of events) {
      for (const listener of this.listeners) listener(event);
    }
  }
}

function dispatch(context: ApplyContext, command: WorkflowCommand): WorkflowApplyResult {
  switch (command.type) {
    case "Start":
      context.table.advanceLogTime(command.startedAtMs);
      return applyStart(context, command);
    case "Checkpoint":
      context.table.advanceLogTime(command.atMs);
      return applyCheckpoint(context, command);
    case "Complete":
    case "Fail":
      context.table.advanceLogTime(command.finishedAtMs);
      return applyFinish(context, command);
    case "AssignOwner":
      return applyAssignOwner(context, command);
    case "Signal":
      return applySignal(context, command);
    case "Cancel":
      context.table.advanceLogTime(command.requestedAtMs);
      return applyCancel(context, command);
    case "Terminate":
      context.table.advanceLogTime(command.requestedAtMs);
      return applyTerminate(context, command);
    case "Seal":
      context.table.isSealed = true;
      return { type: "sealed" };
    case "Adopt":
      return applyAdopt(context, command);
    case "Configure":
      return applyConfigure(context, command);
    case "Expire":
      context.table.advanceLogTime(command.atMs);
      return { type: "expired", atMs: command.atMs };
    default:
      return unreachable(command);
  }
}
