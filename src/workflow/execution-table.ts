// The executions of one group and the bookkeeping of their retention: finished executions
// queue up in the order they finished, and the oldest go first once a limit is passed. All
// of it changes only inside apply, from log data only, so every member prunes the same ones.
// Pure: no I/O.

import { assert, FifoMap, InvalidArgumentError, type RetentionSetting } from "../lib/index.ts";
import type { CheckpointRecord, ExecutionRecord, ExecutionStatus } from "./execution.ts";
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
  /**
   * New starts are refused on this member while its running executions' records hold this
   * many bytes (ExecutionTable.runningBytes; RUNNING_RECORDS_BYTES_MAX unless set). Checked
   * where a Start is proposed, not at apply: members need not agree on it.
   */
  readonly runningRecordsBytesMax?: number;
  /** A checkpoint past this many in one execution is refused (reason "limit"). */
  readonly checkpointsPerExecutionMax: number;
}

export const DEFAULT_WORKFLOW_STATE_CONFIG: WorkflowStateConfig = {
  finishedRetainedMax: 10_000,
  finishedRetainedBytesMax: 64 * 1024 * 1024,
  runningExecutionsMax: 10_000,
  checkpointsPerExecutionMax: 10_000,
};

/** See WorkflowStateConfig.runningRecordsBytesMax. */
export const RUNNING_RECORDS_BYTES_MAX = 1024 * 1024 * 1024;

export function validateStateConfig(config: WorkflowStateConfig): void {
  const counts = [
    ["finishedRetainedMax", config.finishedRetainedMax],
    ["finishedRetainedBytesMax", config.finishedRetainedBytesMax],
    ["runningExecutionsMax", config.runningExecutionsMax],
    ["runningRecordsBytesMax", config.runningRecordsBytesMax ?? RUNNING_RECORDS_BYTES_MAX],
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

/** What prune() goes by: the group's retention setting over the node's defaults. */
export interface PruneLimits {
  readonly finishedMax: number;
  readonly bytesMax: number;
  /** Finished executions older than this (log time) are pruned whatever the count. */
  readonly retainMs: number | undefined;
  /** Younger results are never pruned for the count or bytes (0: no floor). */
  readonly atLeastMs: number;
}

/** An id whose result retention dropped: enough to answer "it finished, then was evicted". */
export interface EvictedRecord {
  readonly status: Exclude<ExecutionStatus, "Running">;
  readonly finishedAtMs: number;
  /** Log time of the eviction. */
  readonly evictedAtMs: number;
}

/**
 * Evicted ids remembered per group, oldest forgotten first. About 100 bytes each, so at most
 * about 1 MB per group; an id evicted longer ago than the last this-many evictions is
 * answered as unknown, and a Start of it runs it again.
 */
export const EVICTED_IDS_MAX = 10_000;

/**
 * The limits in force: a group that applied Configure goes by its setting; one that never
 * did (every log written before retention was configurable) keeps the old behaviour, with
 * no floor, so that members of different versions still prune alike.
 */
export function pruneLimits(
  config: WorkflowStateConfig,
  retention: RetentionSetting | undefined,
): PruneLimits {
  if (retention === undefined) {
    return {
      finishedMax: config.finishedRetainedMax,
      bytesMax: config.finishedRetainedBytesMax,
      retainMs: config.finishedRetainMs,
      atLeastMs: 0,
    };
  }
  return {
    finishedMax: retention.finishedMax,
    bytesMax: config.finishedRetainedBytesMax,
    retainMs: retention.retainForMs === 0 ? undefined : retention.retainForMs,
    atLeastMs: retention.retainAtLeastMs,
  };
}

export class ExecutionTable {
  /** Every retained execution, in the order it was started (Map order is deterministic). */
  readonly executions = new Map<string, ExecutionRecord>();
  /** The same executions in list order (execution-index.ts). Invariant: same set. */
  readonly index = new ExecutionIndex();
  /** Ids of finished executions in finish order (the first is pruned first). */
  private readonly finished = new FifoMap<string, FinishedEntry>();
  /** The sizes summed (see WorkflowStateConfig.finishedRetainedBytesMax). */
  private finishedBytes = 0;
  /** Invariant: runningCount = number of executions whose status is Running. */
  runningCount = 0;
  /**
   * What each running execution's record takes: its Start and checkpoints as committed (as
   * JSON for one restored from a snapshot). For admitting starts on this member only.
   */
  private readonly runningSizes = new Map<string, number>();
  /** Invariant: the sum of runningSizes, whose keys are the Running executions. */
  runningBytes = 0;
  /** The latest time any applied command carried: the log's own notion of now. */
  logTimeMs = 0;
  /** Invariant: strictly increases with every applied command. */
  lastAppliedIndex = 0;
  /** Set by Seal: no Start is accepted any more (the group is draining). */
  isSealed = false;
  /** The last Configure applied; undefined in a group that never applied one. */
  retention: RetentionSetting | undefined = undefined;
  /**
   * Ids pruned since retention was configured, oldest first (at most EVICTED_IDS_MAX).
   * Invariant: no id is both here and in `executions`.
   */
  readonly evicted = new FifoMap<string, EvictedRecord>();

  get(workflowId: string): ExecutionRecord | undefined {
    return this.executions.get(workflowId);
  }

  add(record: ExecutionRecord): void {
    assert(!this.executions.has(record.workflowId), `execution ${record.workflowId} exists`);
    assert(record.status === "Running", "a new execution must be Running");
    this.executions.set(record.workflowId, record);
    this.index.add(record);
    this.runningCount++;
    this.runningSizes.set(record.workflowId, 0);
  }

  /** A running execution's record took `bytes` more (its Start, a checkpoint). */
  countRecorded(workflowId: string, bytes: number): void {
    const size = this.runningSizes.get(workflowId);
    if (size === undefined) return;
    this.runningSizes.set(workflowId, size + bytes);
    this.runningBytes += bytes;
  }

  /** Puts back a record from a snapshot (decodeStateSnapshot queues the finished ones). */
  restoreRecord(record: ExecutionRecord): void {
    assert(!this.executions.has(record.workflowId), `execution ${record.workflowId} exists`);
    this.executions.set(record.workflowId, record);
    this.index.add(record);
    if (record.status !== "Running") return;
    this.runningCount++;
    this.runningSizes.set(record.workflowId, 0);
    this.countRecorded(record.workflowId, recordedBytesOf(record));
  }

  /** Records that a Running execution finished; it joins the retention queue. */
  markFinished(record: ExecutionRecord): void {
    assert(record.status !== "Running", "markFinished needs a finished execution");
    assert(!this.finished.has(record.workflowId), "an execution finishes once");
    this.runningCount--;
    assert(this.runningCount >= 0, "running count went negative");
    this.runningBytes -= this.runningSizes.get(record.workflowId) ?? 0;
    this.runningSizes.delete(record.workflowId);
    this.index.finished(record);
    this.queueFinished(record);
  }

  /** Ids of finished executions, oldest first. */
  finishedIds(): IterableIterator<string> {
    return this.finished.keys();
  }

  /** Puts a finished execution at the end of the retention queue; it never changes again. */
  queueFinished(record: ExecutionRecord): void {
    const bytes = approximateBytes(record);
    this.finished.set(record.workflowId, { bytes, json: JSON.stringify(record) });
    this.finishedBytes += bytes;
    // Last: JSON.stringify of a frozen object takes a slow path in JavaScriptCore (2-3x).
    freezeFinished(record);
  }

  /**
   * The record as JSON text: kept since it finished, so that a snapshot of a large state
   * copies texts instead of encoding every retained result again (state-snapshot.ts).
   */
  jsonOf(record: ExecutionState): string {
    return this.finished.get(record.workflowId)?.json ?? JSON.stringify(record);
  }

  /** Adds a finished execution handed over by another group; it joins the retention queue. */
  adoptFinished(record: ExecutionRecord): void {
    assert(!this.executions.has(record.workflowId), `execution ${record.workflowId} exists`);
    assert(record.status !== "Running", "only finished executions are handed over");
    this.evicted.delete(record.workflowId);
    this.executions.set(record.workflowId, record);
    this.index.add(record);
    this.queueFinished(record);
  }

  /** The finished execution pruning looks at first (the oldest in finish order). */
  oldestFinished(): ExecutionRecord | undefined {
    const first = this.finished.first();
    return first === undefined ? undefined : this.executions.get(first[0]);
  }

  advanceLogTime(timeMs: number): void {
    if (timeMs > this.logTimeMs) this.logTimeMs = timeMs;
  }

  /**
   * Removes finished executions past the limits, oldest (in finish order) first; returns
   * their ids. Stops at the first one that may stay: one past `retainMs` always goes, one
   * past the count or bytes only once it is `atLeastMs` old.
   */
  prune(limits: PruneLimits): string[] {
    const pruned: string[] = [];
    for (let oldest = this.finished.first(); oldest !== undefined; oldest = this.finished.first()) {
      const [workflowId, { bytes }] = oldest;
      const record = this.executions.get(workflowId);
      assert(record !== undefined, `finished execution ${workflowId} missing from the table`);
      const ageMs = this.logTimeMs - (record.finishedAtMs ?? 0);
      const isExpired = limits.retainMs !== undefined && ageMs > limits.retainMs;
      // Without a floor, age does not matter (an adopted result may even look younger).
      const isOldEnough = limits.atLeastMs === 0 || ageMs >= limits.atLeastMs;
      if (!isExpired && !(this.isOverLimits(limits) && isOldEnough)) break;
      this.finished.delete(workflowId);
      this.finishedBytes -= bytes;
      this.executions.delete(workflowId);
      if (this.retention !== undefined) this.recordEvicted(record);
      this.index.remove(record);
      pruned.push(workflowId);
    }
    return pruned;
  }

  /** Whether more finished executions are kept than the count or bytes limit allows. */
  isOverLimits(limits: PruneLimits): boolean {
    return this.finished.size > limits.finishedMax || this.finishedBytes > limits.bytesMax;
  }

  /** How many finished executions are kept, and their size (for messages). */
  finishedTotals(): { readonly count: number; readonly bytes: number } {
    return { count: this.finished.size, bytes: this.finishedBytes };
  }

  private recordEvicted(record: ExecutionRecord): void {
    assert(record.status !== "Running", "only finished executions are evicted");
    if (this.evicted.size >= EVICTED_IDS_MAX) {
      const oldest = this.evicted.first();
      if (oldest !== undefined) this.evicted.delete(oldest[0]);
    }
    this.evicted.set(record.workflowId, {
      status: record.status,
      finishedAtMs: record.finishedAtMs ?? 0,
      evictedAtMs: this.logTimeMs,
    });
  }

  /**
   * O(n) consistency check for tests and the simulator: the structure, and that no finished
   * execution changed behind its kept text.
   */
  checkInvariants(): void {
    this.checkStructure();
    for (const [workflowId, entry] of this.finished) {
      const text = JSON.stringify(this.executions.get(workflowId));
      assert(entry.json === text, `finished execution ${workflowId} changed after it finished`);
    }
  }

  /**
   * The counts, the retention queue, the checkpoints' order and the indexes, in O(n): what a
   * restored snapshot must satisfy. Not the kept texts, which a restore has just made from the
   * same frozen records; comparing them again was 40% of a restore.
   */
  checkStructure(): void {
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
    assert(this.runningSizes.size === running, "running sizes are off");
    let recorded = 0;
    for (const size of this.runningSizes.values()) recorded += size;
    assert(recorded === this.runningBytes, "running bytes are off");
    assert(this.finished.size + running === this.executions.size, "retention queue is off");
    let bytes = 0;
    for (const [, entry] of this.finished) bytes += entry.bytes;
    assert(bytes === this.finishedBytes, "retained bytes are off");
    assert(this.evicted.size <= EVICTED_IDS_MAX, "too many evicted ids");
    for (const workflowId of this.evicted.keys()) {
      assert(!this.executions.has(workflowId), `evicted ${workflowId} is still retained`);
    }
    this.index.checkInvariants(this.executions);
  }
}

/** A finished execution in the retention queue: its size for the limits, and its JSON text. */
interface FinishedEntry {
  readonly bytes: number;
  readonly json: string;
}

/**
 * Nothing may change a finished execution, or its kept JSON text would no longer be it: what
 * apply could change is frozen, so that a change would throw rather than go unnoticed.
 */
function freezeFinished(record: ExecutionRecord): void {
  Object.freeze(record.checkpoints);
  for (const event of record.inbox ?? []) Object.freeze(event);
  if (record.inbox !== undefined) Object.freeze(record.inbox);
  Object.freeze(record);
}

/** An execution's record as it stands: its input and checkpoints, as JSON characters. */
export function recordedBytesOf(execution: {
  readonly input: unknown;
  readonly checkpoints: readonly unknown[];
}): number {
  return JSON.stringify([execution.input ?? null, execution.checkpoints]).length;
}

/** What a finished execution holds, as JSON characters: the same on every member. */
function approximateBytes(record: ExecutionRecord): number {
  const { input, output, error, checkpoints } = record;
  return JSON.stringify([input, output ?? null, error ?? null, checkpoints]).length;
}
