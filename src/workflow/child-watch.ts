// The parent's side of child workflows (children.ts): the owner of a parent whose run ended
// waiting watches each of its children whose outcome is not in its inbox yet, and sends that
// outcome into the inbox once the child finished. The event's id is fixed by the child's
// seq, so a watch repeated after a restart or by a new owner delivers it once. Watches live
// in memory only: a new owner replays the parent, which ends waiting again and watches anew.
// The owner also passes a cancel or termination of the parent on to its children: those the
// records say it reaches (childrenToStop), and those a run here started that the parent, once
// ended, never recorded (started while it was being terminated).
// Pure: the waits, sends and pauses are injected.

import type { Logger, NodeId, RaftoralError } from "../lib/index.ts";
import { REASON_CHARS_MAX, terminatedReasonOf } from "./cancel.ts";
import {
  type ChildLauncher,
  type ChildOutcome,
  type ChildRef,
  type ChildStarter,
  childrenAwaited,
  childrenStarted,
  childrenToStop,
} from "./children.ts";
import type { ExecutionState } from "./execution-table.ts";

/** Longest pause between two tries of a watch that failed. */
const RETRY_DELAY_MS_MAX = 5_000;

export interface ChildWatchDeps {
  readonly launcher: ChildLauncher;
  /** This node: it acts for the parents it owns. */
  readonly self: NodeId;
  /** Sends the outcome of the child at `seq` into the parent's inbox. */
  readonly deliver: (parentId: string, seq: number, outcome: ChildOutcome) => Promise<void>;
  readonly sleep: (delayMs: number) => Promise<void>;
  readonly logger: Logger;
}

export class ChildWatch {
  /** Per parent, the seq of each watched child and how to stop its watch. */
  private readonly watches = new Map<string, Map<number, AbortController>>();
  /** Per parent, the stops this node sent its children while owning it (`Cancel:<child id>`). */
  private readonly stopsSent = new Map<string, Set<string>>();
  /**
   * Per parent, the children a run here started whose `child` record is not applied yet: if
   * the parent ends first, its record is refused and no record names them.
   */
  private readonly unrecorded = new Map<string, Map<string, ChildRef>>();
  /** Aborted when the runtime closes: the stops still being retried give up. */
  private closing = new AbortController();

  constructor(private readonly deps: ChildWatchDeps) {}

  /**
   * What a run of `parentId` starts its children with: each start is noted until its record
   * applies, and `recheck` has the parent reconciled, since it may have ended meanwhile.
   */
  starterFor(parentId: string, recheck: () => void): ChildStarter {
    return {
      start: async (request) => {
        const started = await this.deps.launcher.start(request);
        const children = this.unrecorded.get(parentId) ?? new Map<string, ChildRef>();
        this.unrecorded.set(parentId, children);
        const { workflowId } = request;
        children.set(workflowId, { workflowId, executionClusterId: started.executionClusterId });
        recheck();
        return started;
      },
    };
  }

  /** A run of `parent` ended waiting: follow its children whose outcome it has not got yet. */
  parentWaits(parent: ExecutionState | undefined): void {
    if (parent !== undefined && parent.status === "Running") this.watch(parent);
  }

  /**
   * Brings what this node does for `parentId` in line with its record: no watches unless it
   * runs here; a cancel or termination passed on to its children by its owner.
   */
  reconcile(parentId: string, parent: ExecutionState | undefined): void {
    if (parent === undefined) {
      this.stop(parentId);
      this.stopsSent.delete(parentId);
      this.unrecorded.delete(parentId);
      return;
    }
    const strays = this.strays(parent);
    if (parent.owner !== this.deps.self) {
      // The owner passes the stop on; children a run here started are this node's to stop.
      this.stop(parentId);
      if (strays.length > 0) this.sendStops(parent, childrenToStop(parent).type, strays);
      return;
    }
    if (parent.status !== "Running") this.stop(parentId);
    const { type, children } = childrenToStop(parent);
    this.sendStops(parent, type, [...children, ...strays]);
  }

  /**
   * The children a run here started that `parent`'s record will never name: it ended before
   * recording them. While it runs, a later run (here or on a new owner) starts them again
   * under the same ids and records them; those its record names are forgotten.
   */
  private strays(parent: ExecutionState): ChildRef[] {
    const started = this.unrecorded.get(parent.workflowId);
    if (started === undefined) return [];
    for (const child of childrenStarted(parent)) started.delete(child.workflowId);
    if (parent.status === "Running" && started.size > 0) return [];
    this.unrecorded.delete(parent.workflowId);
    return parent.status === "Running" ? [] : [...started.values()];
  }

  /** Watches every child of `parent` whose outcome it has not got yet. */
  private watch(parent: ExecutionState): void {
    for (const child of childrenAwaited(parent)) {
      let watched = this.watches.get(parent.workflowId);
      if (watched === undefined) {
        watched = new Map();
        this.watches.set(parent.workflowId, watched);
      }
      if (watched.has(child.seq)) continue;
      const abort = new AbortController();
      watched.set(child.seq, abort);
      void this.follow(parent.workflowId, child, abort.signal).finally(() => {
        if (watched.get(child.seq) === abort) watched.delete(child.seq);
        if (watched.size === 0 && this.watches.get(parent.workflowId) === watched) {
          this.watches.delete(parent.workflowId);
        }
      });
    }
  }

  /** Stops the watches of `parentId` (it finished, or is owned elsewhere now). */
  private stop(parentId: string): void {
    for (const abort of this.watches.get(parentId)?.values() ?? []) abort.abort();
    this.watches.delete(parentId);
  }

  stopAll(): void {
    for (const parentId of [...this.watches.keys()]) this.stop(parentId);
    this.closing.abort();
    this.closing = new AbortController();
    this.stopsSent.clear();
    this.unrecorded.clear();
  }

  /** Cancels or terminates `children` of `parent`, each once while this node keeps it. */
  private sendStops(
    parent: ExecutionState,
    type: "Cancel" | "Terminate",
    children: readonly ChildRef[],
  ): void {
    if (children.length === 0) return;
    const parentId = parent.workflowId;
    const sent = this.stopsSent.get(parentId) ?? new Set<string>();
    this.stopsSent.set(parentId, sent);
    const reason = stopReason(parent, type);
    const signal = this.closing.signal;
    for (const child of children) {
      const key = `${type}:${child.workflowId}`;
      if (sent.has(key)) continue;
      sent.add(key);
      void this.stopChild(child, type, reason, signal);
    }
  }

  private async stopChild(
    child: ChildRef,
    type: "Cancel" | "Terminate",
    reason: string,
    signal: AbortSignal,
  ): Promise<void> {
    let delayMs = 100;
    while (!signal.aborted) {
      try {
        await this.deps.launcher.stop(child, type, reason);
        return;
      } catch (error) {
        const code = (error as Partial<RaftoralError>).code;
        // Handled: a child that finished or vanished needs no stop.
        if (code === "FAILED_PRECONDITION" || code === "NOT_FOUND") return;
        if (code === "INVALID_ARGUMENT") {
          // Handled: the same request would be refused every time; say so once.
          this.deps.logger.warn("A child workflow refused its parent's stop", {
            child: child.workflowId,
            error: (error as Error).message,
          });
          return;
        }
        // Handled: anything else (no leader, a timeout) is tried again.
        this.deps.logger.debug("Stopping a child workflow failed; retrying", {
          child: child.workflowId,
          error: (error as Error).message,
        });
      }
      await this.deps.sleep(delayMs);
      delayMs = Math.min(2 * delayMs, RETRY_DELAY_MS_MAX);
    }
  }

  private async follow(
    parentId: string,
    child: ChildRef & { readonly seq: number },
    signal: AbortSignal,
  ): Promise<void> {
    let delayMs = 100;
    while (!signal.aborted) {
      try {
        const outcome = await this.deps.launcher.outcome(child, signal);
        if (signal.aborted) return;
        await this.deps.deliver(parentId, child.seq, outcome);
        return;
      } catch (error) {
        const code = (error as Partial<RaftoralError>).code;
        // Handled: a parent that finished or vanished needs the outcome no more.
        if (code === "FAILED_PRECONDITION" || code === "NOT_FOUND") return;
        // Handled: anything else (no leader, a timeout, a node going away) is tried again.
        this.deps.logger.debug("Child workflow watch failed; retrying", {
          workflow_id: parentId,
          child: child.workflowId,
          error: (error as Error).message,
        });
      }
      await this.deps.sleep(delayMs);
      delayMs = Math.min(2 * delayMs, RETRY_DELAY_MS_MAX);
    }
  }
}

/** What a stopped child's record says of why: its parent's cancel or termination. */
function stopReason(parent: ExecutionState, type: "Cancel" | "Terminate"): string {
  const parentId = parent.workflowId;
  if (type === "Terminate")
    return withReason(`its parent ${parentId} was terminated`, terminatedReasonOf(parent));
  if (parent.cancelRequest !== undefined) {
    return withReason(`its parent ${parentId} was cancelled`, parent.cancelRequest.reason);
  }
  return `its parent ${parentId} ended before it recorded starting this child`;
}

/**
 * `why`, and the parent's own reason after it, within REASON_CHARS_MAX: down a tree of
 * children each level adds its parent, and a longer reason would be refused.
 */
function withReason(why: string, reason: string): string {
  const text = reason === "" ? why : `${why}: ${reason}`;
  return text.length <= REASON_CHARS_MAX ? text : `${text.slice(0, REASON_CHARS_MAX - 1)}…`;
}
