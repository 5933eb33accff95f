// The parent's side of child workflows (children.ts): the owner of a parent whose run ended
// waiting watches each of its children whose outcome is not in its inbox yet, and sends that
// outcome into the inbox once the child finished. The event's id is fixed by the child's
// seq, so a watch repeated after a restart or by a new owner delivers it once. Watches live
// in memory only: a new owner replays the parent, which ends waiting again and watches anew.
// The owner also passes a cancel or termination of the parent on to its children.
// Pure: the waits, sends and pauses are injected.

import type { Logger, NodeId, RaftoralError } from "../lib/index.ts";
import { terminatedReasonOf } from "./cancel.ts";
import {
  type ChildLauncher,
  type ChildOutcome,
  type ChildRef,
  childrenAwaited,
  childrenStarted,
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
  /** Parents whose children this node already asked to stop. */
  private readonly stopsSent = new Set<string>();
  /** Aborted when the runtime closes: the stops still being retried give up. */
  private closing = new AbortController();

  constructor(private readonly deps: ChildWatchDeps) {}

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
      return;
    }
    if (parent.owner !== this.deps.self) {
      this.stop(parentId);
      return;
    }
    if (parent.status !== "Running") this.stop(parentId);
    if (parent.status === "Running" && parent.cancelRequest !== undefined) {
      this.stopChildren(parent, "Cancel", parent.cancelRequest.reason);
    } else if (parent.status === "Terminated") {
      this.stopChildren(parent, "Terminate", terminatedReasonOf(parent));
    }
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
  }

  /**
   * Cancels (or terminates) every child of `parent`, once per parent while this runtime is
   * open: a parent that is cancelled cancels its children, a terminated one terminates them.
   */
  private stopChildren(parent: ExecutionState, type: "Cancel" | "Terminate", reason: string): void {
    if (this.stopsSent.has(parent.workflowId)) return;
    this.stopsSent.add(parent.workflowId);
    const why = `its parent ${parent.workflowId} was ${type === "Cancel" ? "cancelled" : "terminated"}`;
    const signal = this.closing.signal;
    for (const child of childrenStarted(parent)) {
      void this.stopChild(child, type, reason === "" ? why : `${why}: ${reason}`, signal);
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
