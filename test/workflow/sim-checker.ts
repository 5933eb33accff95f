// Checkers that watch every workflow state machine of a simulated cluster from the outside:
// a committed checkpoint never changes or disappears, checkpoints of an execution never go
// back in owner epoch, an execution finishes at most once per state machine, and no step
// body starts once its result is committed anywhere.

import type { NodeId } from "../../src/lib/index.ts";
import {
  type CheckpointRecord,
  canonicalJson,
  type JsonValue,
  timerDueAtMs,
  type WorkflowStateMachine,
  waitSeqOf,
} from "../../src/workflow/index.ts";

export class WorkflowChecker {
  readonly violations: string[] = [];
  /** Every checkpoint any member ever applied: workflowId -> seq -> canonical record. */
  private readonly committed = new Map<string, string[]>();
  /** Real step-body runs by idempotency key (first attempts only) and all attempts. */
  readonly bodyRuns = new Map<string, number>();
  attempts = 0;
  /**
   * Whether a step body starting after its result was committed is a violation. True for
   * crash faults; with partitions, an isolated owner cannot know it was replaced, so its
   * in-flight step may legitimately run again (at-least-once).
   */
  isRerunAfterCommitChecked = true;
  /** Owner changes applied anywhere, as "workflowId@epoch". */
  readonly ownerChanges = new Set<string>();
  /** Those applied while the execution slept (its last checkpoint a timer's `sleep`). */
  readonly sleepOwnerChanges = new Set<string>();

  /** Subscribes to a (new) state machine of `node`. */
  watch(node: NodeId, stateMachine: WorkflowStateMachine): void {
    const finished = new Set<string>();
    stateMachine.subscribe((event) => {
      switch (event.type) {
        case "recorded":
          this.observe(node, stateMachine, event.workflowId, event.seq);
          this.checkCurrentEpoch(node, stateMachine, event.workflowId, event.seq);
          break;
        case "restored":
          for (const execution of stateMachine.executions()) {
            execution.checkpoints.forEach((_, seq) => {
              this.observe(node, stateMachine, execution.workflowId, seq);
            });
            if (execution.status !== "Running") finished.add(execution.workflowId);
          }
          break;
        case "ownerAssigned": {
          this.ownerChanges.add(`${event.workflowId}@${event.epoch}`);
          const last = stateMachine.execution(event.workflowId)?.checkpoints.at(-1);
          if (last?.kind === "sleep")
            this.sleepOwnerChanges.add(`${event.workflowId}@${event.epoch}`);
          break;
        }
        case "finished":
          if (finished.has(event.workflowId)) {
            this.violations.push(`node ${node}: ${event.workflowId} finished twice`);
          }
          finished.add(event.workflowId);
          break;
        default:
          break;
      }
    });
  }

  /** Called by a step body as it starts. */
  onBodyStarted(idempotencyKey: string, attempt: number): void {
    this.attempts++;
    const separator = idempotencyKey.lastIndexOf(":");
    const workflowId = idempotencyKey.slice(0, separator);
    const seq = Number(idempotencyKey.slice(separator + 1));
    if (this.isRerunAfterCommitChecked && this.isCommitted(workflowId, seq)) {
      this.violations.push(
        `step ${idempotencyKey} (attempt ${attempt}) ran after its result was committed`,
      );
    }
    if (attempt === 1)
      this.bodyRuns.set(idempotencyKey, (this.bodyRuns.get(idempotencyKey) ?? 0) + 1);
  }

  isCommitted(workflowId: string, seq: number): boolean {
    return this.committed.get(workflowId)?.[seq] !== undefined;
  }

  /** The checkpoints observed for `workflowId`, in seq order (all members together). */
  committedCount(workflowId: string): number {
    return this.committed.get(workflowId)?.length ?? 0;
  }

  /** Final check: each member's record holds exactly what was ever observed, unchanged. */
  checkFinal(node: NodeId, workflowId: string, checkpoints: readonly CheckpointRecord[]): void {
    const seen = this.committed.get(workflowId) ?? [];
    if (checkpoints.length !== seen.length) {
      this.violations.push(
        `node ${node}: ${workflowId} has ${checkpoints.length} checkpoints, ${seen.length} were committed`,
      );
    }
    checkpoints.forEach((record, seq) => {
      if (canonical(record) !== seen[seq]) {
        this.violations.push(
          `node ${node}: ${workflowId} checkpoint ${seq} differs from the committed one`,
        );
      }
    });
  }

  /** At apply time a new checkpoint must carry the execution's current epoch. */
  private checkCurrentEpoch(
    node: NodeId,
    stateMachine: WorkflowStateMachine,
    workflowId: string,
    seq: number,
  ): void {
    const execution = stateMachine.execution(workflowId);
    const record = execution?.checkpoints[seq];
    if (record !== undefined && record.ownerEpoch !== execution?.ownerEpoch) {
      this.violations.push(
        `node ${node}: ${workflowId}:${seq} applied from stale epoch ${record.ownerEpoch} (current ${execution?.ownerEpoch})`,
      );
    }
  }

  private observe(
    node: NodeId,
    stateMachine: WorkflowStateMachine,
    workflowId: string,
    seq: number,
  ): void {
    const execution = stateMachine.execution(workflowId);
    const record = execution?.checkpoints[seq];
    if (execution === undefined || record === undefined) {
      this.violations.push(`node ${node}: event for missing checkpoint ${workflowId}:${seq}`);
      return;
    }
    const previous = execution.checkpoints[seq - 1];
    if (previous !== undefined && previous.ownerEpoch > record.ownerEpoch) {
      this.violations.push(`node ${node}: ${workflowId}:${seq} went back in owner epoch`);
    }
    const timer = record.kind === "wake" ? execution.checkpoints[waitSeqOf(record)] : undefined;
    const isWokenBefore = execution.checkpoints
      .slice(0, seq)
      .some((other) => other.kind === "wake" && waitSeqOf(other) === waitSeqOf(record));
    if (
      record.kind === "wake" &&
      (timer?.kind !== "sleep" || record.atMs < timerDueAtMs(timer) || isWokenBefore)
    ) {
      this.violations.push(`node ${node}: ${workflowId}:${seq} woke a timer early or twice`);
    }
    if (record.ownerEpoch > execution.ownerEpoch) {
      this.violations.push(`node ${node}: ${workflowId}:${seq} carries a future epoch`);
    }
    let list = this.committed.get(workflowId);
    if (list === undefined) {
      list = [];
      this.committed.set(workflowId, list);
    }
    const text = canonical(record);
    const known = list[seq];
    if (known === undefined) {
      if (seq !== list.length)
        this.violations.push(`${workflowId}: checkpoint ${seq} seen before ${list.length}`);
      list[seq] = text;
    } else if (known !== text) {
      this.violations.push(`node ${node}: committed checkpoint ${workflowId}:${seq} changed`);
    }
  }
}

function canonical(record: CheckpointRecord): string {
  return canonicalJson(record as unknown as JsonValue);
}
