// The executions of one group and the bookkeeping of their retention: finished executions
// queue up in the order they finished, and the oldest go first once a limit is passed. All
// of it changes only inside apply, from log data only, so every member prunes the same ones.
// Pure: no I/O.

import { assert, InvalidArgumentError } from "../lib/index.ts";
import type { CheckpointRecord, ExecutionRecord } from "./execution.ts";
import { ExecutionIndex } from "./execution-index.ts";

/** An execution as readers see it: no field or checkpoint can be changed through it. */
export type ExecutionState = Readonly<Omit<ExecutionRecord, "checkpoints">> & {
  readonly checkpoints: readonly CheckpointRecord[];
};

/** Retention and limits. Part of the replicated behaviour: every member must use the same. */
export interface WorkflowStateConfig {
  /** Finished executions kept; past this, the oldest finished ones are pruned at apply. */
  readonly finishedRetainedMax: number;
  /**
   * And at most about this many bytes of them (input, output or error, checkpoints, as
   * JSON): the state lives in memory, so a few huge results must not hold it hostage.
   */
  readonly finishedRetainedBytesMax: number;
  /** If set, finished executions are also pruned once the log's time is this much later. */
  readonly finishedRetainMs?: number;
  /** Start is refused (reason "limit") while this many executions run. */
  readonly runningExecutionsMax: number;
  /** A checkpoint past this many in one execution is refused (reason "limit"). */
  readonly checkpointsPerExecutionMax: number;
}

export const DEFAULT_WORKFLOW_STATE_CONFIG: WorkflowStateConfig = {
  finishedRetainedMax: 10_000,
  finishedRetainedBytesMax: 64 * 1024 * 1024,
  runningExecutionsMax: 10_000,
  checkpointsPerExecutionMax: 10_000,
};

export function validateStateConfig(config: WorkflowStateConfig): void {
  const counts = [
    ["finishedRetainedMax", config.finishedRetainedMax],
    ["finishedRetainedBytesMax", config.finishedRetainedBytesMax],
    ["runningExecutionsMax", config.runningExecutionsMax],
    ["checkpointsPerExecutionMax", config.checkpointsPerExecutionMax],
  ] as const;
  for (const [name, value] of counts) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new InvalidArgumentError(`workflow state: ${name} must be a positive integer`);
    }
  }
  const retainMs = config.finishedRetainMs;
  if (retainMs !== undefined && (!Number.isSafeInteger(retainMs) || retainMs < 0)) {
    throw new InvalidArgumentError(
      "workflow state: finishedRetainMs must be a non-negative integer",
    );
  }
}

export class ExecutionTable {
  /** Every retained execution, in the order it was started (Map order is deterministic). */
  readonly executions = new Map<string, ExecutionRecord>();
  /** The same executions in list order (execution-index.ts). Invariant: same set. */
  readonly index = new ExecutionIndex();
  /** Ids of finished executions in finish order (the first is pruned first), with sizes. */
  private readonly finished = new Map<string, number>();
  /** The sizes summed (see WorkflowStateConfig.finishedRetainedBytesMax). */
  private finishedBytes = 0;
  /** Invariant: runningCount = number of executions whose status is Running. */
  runningCount = 0;
  /** The latest time any applied command carried: the log's own notion of now. */
  logTimeMs = 0;
  /** Invariant: strictly increases with every applied command. */
  lastAppliedIndex = 0;
  /** Set by Seal: no Start is accepted any more (the group is draining). */
  isSealed = false;

  get(workflowId: string): ExecutionRecord | undefined {
    return this.executions.get(workflowId);
  }

  add(record: ExecutionRecord): void {
    assert(!this.executions.has(record.workflowId), `execution ${record.workflowId} exists`);
    assert(record.status === "Running", "a new execution must be Running");
    this.executions.set(record.workflowId, record);
    this.index.add(record);
    this.runningCount++;
  }

  /** Puts back a record from a snapshot (decodeStateSnapshot queues the finished ones). */
  restoreRecord(record: ExecutionRecord): void {
    assert(!this.executions.has(record.workflowId), `execution ${record.workflowId} exists`);
    this.executions.set(record.workflowId, record);
    this.index.add(record);
    if (record.status === "Running") this.runningCount++;
  }

  /** Records that a Running execution finished; it joins the retention queue. */
  markFinished(record: ExecutionRecord): void {
    assert(record.status !== "Running", "markFinished needs a finished execution");
    assert(!this.finished.has(record.workflowId), "an execution finishes once");
    this.runningCount--;
    assert(this.runningCount >= 0, "running count went negative");
    this.index.finished(record);
    this.queueFinished(record);
  }

  /** Ids of finished executions, oldest first. */
  finishedIds(): IterableIterator<string> {
    return this.finished.keys();
  }

  /** Puts a finished execution at the end of the retention queue. */
  queueFinished(record: ExecutionRecord): void {
    const bytes = approximateBytes(record);
    this.finished.set(record.workflowId, bytes);
    this.finishedBytes += bytes;
  }

  /** Adds a finished execution handed over by another group; it joins the retention queue. */
  adoptFinished(record: ExecutionRecord): void {
    assert(!this.executions.has(record.workflowId), `execution ${record.workflowId} exists`);
    assert(record.status !== "Running", "only finished executions are handed over");
    this.executions.set(record.workflowId, record);
    this.index.add(record);
    this.queueFinished(record);
  }

  advanceLogTime(timeMs: number): void {
    if (timeMs > this.logTimeMs) this.logTimeMs = timeMs;
  }

  /** Removes finished executions past the retention limits, oldest first; returns their ids. */
  prune(config: WorkflowStateConfig): string[] {
    const pruned: string[] = [];
    for (const [workflowId, bytes] of this.finished) {
      const record = this.executions.get(workflowId);
      assert(record !== undefined, `finished execution ${workflowId} missing from the table`);
      const isOverCount = this.finished.size > config.finishedRetainedMax;
      const isOverBytes = this.finishedBytes > config.finishedRetainedBytesMax;
      const isExpired =
        config.finishedRetainMs !== undefined &&
        (record.finishedAtMs ?? 0) + config.finishedRetainMs < this.logTimeMs;
      if (!isOverCount && !isOverBytes && !isExpired) break;
      this.finished.delete(workflowId);
      this.finishedBytes -= bytes;
      this.executions.delete(workflowId);
      this.index.remove(record);
      pruned.push(workflowId);
    }
    return pruned;
  }

  /** O(n) consistency check for tests and the simulator. */
  checkInvariants(): void {
    let running = 0;
    for (const record of this.executions.values()) {
      if (record.status === "Running") running++;
      else assert(this.finished.has(record.workflowId), "finished but not queued");
      record.checkpoints.forEach((checkpoint, seq) => {
        assert(checkpoint.seq === seq, `execution ${record.workflowId}: checkpoint seq gap`);
        assert(checkpoint.ownerEpoch <= record.ownerEpoch, "checkpoint from a future epoch");
      });
    }
    assert(running === this.runningCount, "running count is off");
    assert(this.finished.size + running === this.executions.size, "retention queue is off");
    let bytes = 0;
    for (const size of this.finished.values()) bytes += size;
    assert(bytes === this.finishedBytes, "retained bytes are off");
    this.index.checkInvariants(this.executions);
  }
}

/** What a finished execution holds, as JSON characters: the same on every member. */
function approximateBytes(record: ExecutionRecord): number {
  const { input, output, error, checkpoints } = record;
  return JSON.stringify([input, output ?? null, error ?? null, checkpoints]).length;
}
