// Local queries any member answers from its applied state: status and wait. wait() is event
// driven: it settles when this node applies the execution's Complete or Fail, or when its
// timeout passes, and never polls. The timer is the query side's (an injected Clock);
// apply itself stays timeless.

import { type CancelTimer, type Clock, InvalidArgumentError, RaftoralError } from "../lib/index.ts";
import type { WorkflowEvent } from "./apply-result.ts";
import { WaitTimeoutError, WorkflowEvictedError, WorkflowNotFoundError } from "./errors.ts";
import type { ExecutionView } from "./execution.ts";
import type { WorkflowStateMachine } from "./state-machine.ts";

/** Most callers waiting at once on one node and group; more are refused (RESOURCE_EXHAUSTED). */
export const WAITERS_MAX = 10_000;
/** Longest wait one call may ask for (one day). */
export const WAIT_TIMEOUT_MAX_MS = 86_400_000;

interface Waiter {
  readonly resolve: (view: ExecutionView) => void;
  readonly reject: (error: Error) => void;
  readonly cancelTimer: CancelTimer;
}

export class WorkflowQueries {
  private readonly stateMachine: WorkflowStateMachine;
  private readonly clock: Clock;
  private readonly waiters = new Map<string, Set<Waiter>>();
  private waiterCount = 0;
  private readonly unsubscribe: () => void;

  constructor(stateMachine: WorkflowStateMachine, clock: Clock) {
    this.stateMachine = stateMachine;
    this.clock = clock;
    this.unsubscribe = stateMachine.subscribe((event) => this.onEvent(event));
  }

  /**
   * Resolves with the finished execution (Completed or Failed) once this node applied its
   * end; at once if it already ended. Rejects at once with WorkflowNotFoundError (NOT_FOUND)
   * if the id is unknown here, and with WaitTimeoutError (TIMEOUT) after `timeoutMs`.
   * On a node that did not propose the Start, make a read barrier first, or a Start
   * committed a moment ago may not be applied here yet. Aborting `signal` (the caller went
   * away) ends the wait at once and frees its place.
   */
  wait(workflowId: string, timeoutMs: number, signal?: AbortSignal): Promise<ExecutionView> {
    if (!Number.isFinite(timeoutMs) || timeoutMs < 0 || timeoutMs > WAIT_TIMEOUT_MAX_MS) {
      return Promise.reject(
        new InvalidArgumentError(
          `timeout must be from 0 to ${WAIT_TIMEOUT_MAX_MS} ms, got ${timeoutMs}`,
        ),
      );
    }
    const view = this.stateMachine.status(workflowId);
    if (view === undefined) return Promise.reject(this.notFound(workflowId));
    if (view.status !== "Running") return Promise.resolve(view);
    if (this.waiterCount >= WAITERS_MAX) {
      return Promise.reject(
        new RaftoralError("RESOURCE_EXHAUSTED", `${WAITERS_MAX} callers already wait; retry later`),
      );
    }
    if (signal?.aborted === true) return Promise.reject(callerGone(workflowId));
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        if (this.remove(workflowId, waiter)) reject(callerGone(workflowId));
      };
      const cancelTimer = this.clock.setTimer(timeoutMs, () => {
        if (this.remove(workflowId, waiter)) reject(new WaitTimeoutError(workflowId, timeoutMs));
      });
      const waiter: Waiter = {
        resolve,
        reject,
        cancelTimer: () => {
          cancelTimer();
          signal?.removeEventListener("abort", onAbort);
        },
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      let set = this.waiters.get(workflowId);
      if (set === undefined) {
        set = new Set();
        this.waiters.set(workflowId, set);
      }
      set.add(waiter);
      this.waiterCount++;
    });
  }

  /** Number of callers waiting now. */
  waitingCount(): number {
    return this.waiterCount;
  }

  /** Fails every waiter (the node is stopping) and stops listening. */
  close(): void {
    this.unsubscribe();
    for (const [workflowId, set] of [...this.waiters]) {
      for (const waiter of set) {
        this.remove(workflowId, waiter);
        waiter.reject(
          new RaftoralError(
            "SHUTTING_DOWN",
            `stopped waiting for workflow ${workflowId}: the node is stopping`,
          ),
        );
      }
    }
  }

  private onEvent(event: WorkflowEvent): void {
    if (event.type === "finished") this.settle(event.workflowId);
    else if (event.type === "restored") {
      for (const workflowId of [...this.waiters.keys()]) this.settle(workflowId);
    }
  }

  /** Settles the waiters of `workflowId` if it ended (or vanished in a restore). */
  private settle(workflowId: string): void {
    const set = this.waiters.get(workflowId);
    if (set === undefined) return;
    const view = this.stateMachine.status(workflowId);
    if (view !== undefined && view.status === "Running") return;
    for (const waiter of set) {
      this.remove(workflowId, waiter);
      if (view === undefined) waiter.reject(this.notFound(workflowId));
      else waiter.resolve(view);
    }
  }

  /** Unknown here: evicted by retention (if this group remembers it), else never seen. */
  private notFound(workflowId: string): RaftoralError {
    const evicted = this.stateMachine.evictedMessage(workflowId);
    return evicted === undefined
      ? new WorkflowNotFoundError(workflowId)
      : new WorkflowEvictedError(workflowId, evicted);
  }

  private remove(workflowId: string, waiter: Waiter): boolean {
    const set = this.waiters.get(workflowId);
    if (set === undefined || !set.delete(waiter)) return false;
    if (set.size === 0) this.waiters.delete(workflowId);
    this.waiterCount--;
    waiter.cancelTimer();
    return true;
  }
}

/** Why a wait ended when its caller went away (nobody is left to read it). */
function callerGone(workflowId: string): RaftoralError {
  return new RaftoralError(
    "UNAVAILABLE",
    `stopped waiting for workflow ${workflowId}: the caller went away`,
  );
}
