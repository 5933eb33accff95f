// A callback run soon (Clock.runSoon) at most once at a time: asking again while a run is
// pending does nothing, since that run sees whatever the new request was for. The pending mark
// is set only once runSoon returned: one that throws (the determinism guards refuse timers in
// workflow code) then leaves no run promised, where a mark set first would turn every later
// request away for good. That once wedged a node's Raft loop (docs/architecture.md).

import type { Clock } from "./clock.ts";

export class SoonOnce {
  private isPendingNow = false;

  constructor(
    private readonly clock: Clock,
    private readonly callback: () => void,
  ) {}

  get isPending(): boolean {
    return this.isPendingNow;
  }

  /** Asks for a run soon; false when one is pending already. */
  request(): boolean {
    if (this.isPendingNow) return false;
    this.clock.runSoon(() => {
      this.isPendingNow = false;
      this.callback();
    });
    this.isPendingNow = true;
    return true;
  }

  /**
   * Forgets the pending run, which the caller makes in its place: a later request schedules
   * again. The forgotten one may still come; the callback must bear an extra run.
   */
  forget(): void {
    this.isPendingNow = false;
  }
}
