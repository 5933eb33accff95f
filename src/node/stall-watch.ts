// Notices when this process itself stopped running for a while (SIGSTOP, a paused or migrated
// VM, heavy swapping, a long collection). Silence measured across such a gap says nothing
// about the peers: their messages are waiting in this node's socket buffers, and the timers
// that judge them fire before those buffers are read. Failure detection and owner failover
// count silence only from the end of the last stall.

import type { CancelTimer, Clock } from "../lib/index.ts";

export class StallWatch {
  private lastBeatMs: number;
  private resumedAtMs = Number.NEGATIVE_INFINITY;
  private cancel: CancelTimer | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly beatMs: number,
    /** A heartbeat this much later than due means the process was not running (NodeTuning.stallMs). */
    private readonly stallMs: number,
  ) {
    this.lastBeatMs = clock.nowMs();
  }

  start(): void {
    this.lastBeatMs = this.clock.nowMs();
    const beat = () => {
      this.countsSilenceFrom();
      this.lastBeatMs = this.clock.nowMs();
      this.cancel = this.clock.setTimer(this.beatMs, beat);
    };
    this.cancel = this.clock.setTimer(this.beatMs, beat);
  }

  stop(): void {
    this.cancel?.();
  }

  /**
   * From when silence counts: the end of the last stall, or now if the heartbeat is overdue
   * (the process is waking from a stall the heartbeat has not run after yet).
   */
  countsSilenceFrom(): number {
    const now = this.clock.nowMs();
    if (now - this.lastBeatMs > this.beatMs + this.stallMs) this.resumedAtMs = now;
    return this.resumedAtMs;
  }
}
