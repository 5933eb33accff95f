// The timers a runtime sets to run an execution again: after a delay (a retry), or when the
// wall clock reaches a durable timer's due time. A due time is armed on the monotonic clock
// for the time left by the wall clock; if the wall clock is then stepped (NTP, an operator),
// the time left changes. So while a due time is armed, the wall clock's offset from the
// monotonic clock is checked every STEP_CHECK_MS, and a step of more than STEP_TOLERANCE_MS
// re-arms every due time by the stepped clock. Without that, a run that found its timer not
// due while the clock was an hour behind waited the hour after the clock was put right.
// Firing early costs nothing but a run: a run that finds its timer not due sleeps again.

import type { CancelTimer, Clock } from "../lib/index.ts";

/** Longest single wait for a durable timer; a longer sleep is checked again after it. */
export const WAKE_DELAY_MS_MAX = 86_400_000;
/** How often the wall clock's offset is compared while a due time is armed. */
export const STEP_CHECK_MS = 1_000;
/** A change of the offset past this is a step of the wall clock, not a timer firing late. */
export const STEP_TOLERANCE_MS = 1_000;

interface Armed {
  readonly epoch: number;
  /** Wall-clock due time; undefined for a plain delay. */
  readonly wakeAtMs: number | undefined;
  cancel: CancelTimer;
}

export interface RelaunchTimerOptions {
  readonly clock: Clock;
  readonly wallClockMs: () => number;
  /** The timer of `workflowId` fired: its entry is gone already. */
  readonly onDue: (workflowId: string) => void;
  /** The wall clock was stepped by `stepMs` (positive: forward); due times were re-armed. */
  readonly onClockStep: (stepMs: number) => void;
}

export class RelaunchTimers {
  private readonly options: RelaunchTimerOptions;
  private readonly armed = new Map<string, Armed>();
  private cancelStepCheck: CancelTimer | undefined;
  /** Armed entries with a due time: the step check runs while there are any. */
  private wakeCount = 0;
  /** Wall clock minus monotonic clock at the last check. */
  private offsetMs = 0;

  constructor(options: RelaunchTimerOptions) {
    this.options = options;
  }

  /** Runs `workflowId` again after `delayMs` of monotonic time. */
  armDelay(workflowId: string, epoch: number, delayMs: number): void {
    this.set(workflowId, { epoch, wakeAtMs: undefined, cancel: this.timer(workflowId, delayMs) });
  }

  /** Runs `workflowId` again once the wall clock reaches `wakeAtMs` (Infinity: after a day). */
  armWake(workflowId: string, epoch: number, wakeAtMs: number): void {
    if (!Number.isFinite(wakeAtMs)) {
      this.armDelay(workflowId, epoch, WAKE_DELAY_MS_MAX);
      return;
    }
    const cancel = this.timer(workflowId, this.wakeDelayMs(wakeAtMs));
    this.set(workflowId, { epoch, wakeAtMs, cancel });
    if (this.cancelStepCheck === undefined) {
      this.offsetMs = this.currentOffsetMs();
      this.scheduleStepCheck();
    }
  }

  has(workflowId: string): boolean {
    return this.armed.has(workflowId);
  }

  /** The ownership epoch of the run that armed `workflowId`'s timer, if one is armed. */
  epochOf(workflowId: string): number | undefined {
    return this.armed.get(workflowId)?.epoch;
  }

  cancel(workflowId: string): void {
    this.remove(workflowId)?.cancel();
  }

  cancelAll(): void {
    for (const { cancel } of this.armed.values()) cancel();
    this.armed.clear();
    this.wakeCount = 0;
    this.cancelStepCheck?.();
    this.cancelStepCheck = undefined;
  }

  private set(workflowId: string, armed: Armed): void {
    this.remove(workflowId)?.cancel();
    this.armed.set(workflowId, armed);
    if (armed.wakeAtMs !== undefined) this.wakeCount++;
  }

  private remove(workflowId: string): Armed | undefined {
    const armed = this.armed.get(workflowId);
    if (armed === undefined) return undefined;
    this.armed.delete(workflowId);
    if (armed.wakeAtMs !== undefined) this.wakeCount--;
    return armed;
  }

  private timer(workflowId: string, delayMs: number): CancelTimer {
    return this.options.clock.setTimer(delayMs, () => {
      this.remove(workflowId);
      this.options.onDue(workflowId);
    });
  }

  private wakeDelayMs(wakeAtMs: number): number {
    const leftMs = wakeAtMs - Math.floor(this.options.wallClockMs());
    return Math.min(Math.max(0, leftMs), WAKE_DELAY_MS_MAX);
  }

  private currentOffsetMs(): number {
    return this.options.wallClockMs() - this.options.clock.nowMs();
  }

  /** Checks for a step while a due time is armed; stops once none is. */
  private scheduleStepCheck(): void {
    this.cancelStepCheck = this.options.clock.setTimer(STEP_CHECK_MS, () => {
      this.cancelStepCheck = undefined;
      if (this.wakeCount === 0) return;
      const offsetMs = this.currentOffsetMs();
      const stepMs = offsetMs - this.offsetMs;
      this.offsetMs = offsetMs;
      if (Math.abs(stepMs) > STEP_TOLERANCE_MS) {
        for (const [workflowId, armed] of this.armed) {
          if (armed.wakeAtMs === undefined) continue;
          armed.cancel();
          armed.cancel = this.timer(workflowId, this.wakeDelayMs(armed.wakeAtMs));
        }
        this.options.onClockStep(stepMs);
      }
      this.scheduleStepCheck();
    });
  }
}
