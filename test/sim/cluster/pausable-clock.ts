// One simulated process's view of the shared virtual clock. While paused (SIGSTOP), nothing
// it scheduled runs: due timers and queued work wait, and all run at once on resume, late,
// as they do in a process that was stopped and continued. A crash drops them instead.

import type { CancelTimer, Clock } from "../../../src/lib/index.ts";

export class PausableClock implements Clock {
  /** Callbacks that came due while paused, in order; undefined while running. */
  private held: (() => void)[] | undefined;

  constructor(private readonly inner: Clock) {}

  nowMs(): number {
    return this.inner.nowMs();
  }

  wallMs(): number {
    return this.inner.wallMs();
  }

  setTimer(delayMs: number, callback: () => void): CancelTimer {
    let isCancelled = false;
    const cancel = this.inner.setTimer(delayMs, () =>
      this.runOrHold(() => {
        if (!isCancelled) callback();
      }),
    );
    return () => {
      isCancelled = true;
      cancel();
    };
  }

  runSoon(callback: () => void): void {
    this.inner.runSoon(() => this.runOrHold(callback));
  }

  pause(): void {
    this.held ??= [];
  }

  /** Runs what came due while paused; with `discard`, drops it (the process died). */
  resume(options: { discard?: boolean } = {}): void {
    const held = this.held ?? [];
    this.held = undefined;
    if (options.discard !== true) for (const callback of held) callback();
  }

  private runOrHold(callback: () => void): void {
    if (this.held === undefined) callback();
    else this.held.push(callback);
  }
}
