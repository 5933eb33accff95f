// When to look again at a learner that is catching up. Its progress is no event a node hears
// of, yet its promotion is what a joining node waits for before it is ready (readiness.ts) and
// what gives a growing group its fault tolerance. So: look again soon (a small log takes a few
// milliseconds to send), then less and less often, down to once a tick for a learner that
// does not catch up (it may be down).

import type { CancelTimer, Clock } from "../lib/index.ts";

export const CATCH_UP_FIRST_LOOK_MS = 5;

export class CatchUpWatch {
  private cancelLook: CancelTimer | undefined;
  private delayMs = CATCH_UP_FIRST_LOOK_MS;

  /** `look` runs once per wait that ends; `slowestMs` caps the wait (one tick). */
  constructor(
    private readonly clock: Clock,
    private readonly slowestMs: number,
    private readonly look: () => void,
  ) {}

  /** A learner is still catching up: look again after this wait; the next wait is twice as long. */
  again(): void {
    this.cancelLook?.();
    const delayMs = this.delayMs;
    this.delayMs = Math.min(delayMs * 2, this.slowestMs);
    this.cancelLook = this.clock.setTimer(delayMs, () => {
      this.cancelLook = undefined;
      this.look();
    });
  }

  /** No learner is catching up any more: the next wait starts short again. */
  reset(): void {
    this.cancelLook?.();
    this.cancelLook = undefined;
    this.delayMs = CATCH_UP_FIRST_LOOK_MS;
  }
}
