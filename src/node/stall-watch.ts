// Notices when this process itself stopped running for a while (SIGSTOP, a paused or migrated
// VM, heavy swapping, a long collection). Silence measured across such a gap says nothing
// about the peers: their messages are waiting in this node's socket buffers, and the timers
// that judge them fire before those buffers are read. Failure detection and owner failover
// count silence only from the end of the last stall, each with its own idea of a stall: a
// short one matters to a 1.5 s judgement, not to a 30 s one (there, counting afresh after
// every short hiccup would put off removing a dead node for as long as hiccups keep coming).

import type { CancelTimer, Clock } from "../lib/index.ts";

export class StallWatch {
  private lastBeatMs: number;
  /** Per stall threshold: when the last stall that long ended. */
  private readonly resumedAtMs = new Map<number, number>();
  private cancel: CancelTimer | undefined;

  /**
   * `stallsMs`: the thresholds asked about; a heartbeat more than one of them later than due
   * is a stall of that threshold (the process was not running).
   */
  constructor(
    private readonly clock: Clock,
    private readonly beatMs: number,
    stallsMs: readonly number[],
    /** Told of each stall longer than the shortest threshold, once, when the process runs again. */
    private readonly onStall: (stalledMs: number) => void = () => undefined,
  ) {
    this.lastBeatMs = clock.nowMs();
    for (const stallMs of stallsMs) this.resumedAtMs.set(stallMs, Number.NEGATIVE_INFINITY);
  }

  start(): void {
    this.lastBeatMs = this.clock.nowMs();
    const shortest = Math.min(...this.resumedAtMs.keys());
    const beat = () => {
      const lateMs = this.clock.nowMs() - this.lastBeatMs - this.beatMs;
      if (lateMs > shortest) this.onStall(lateMs);
      this.noteStalls();
      this.lastBeatMs = this.clock.nowMs();
      this.cancel = this.clock.setTimer(this.beatMs, beat);
    };
    this.cancel = this.clock.setTimer(this.beatMs, beat);
  }

  stop(): void {
    this.cancel?.();
  }

  /**
   * From when silence counts, for stalls longer than `stallMs` (one of the constructor's):
   * the end of the last such stall, or now if the heartbeat is that overdue (the process is
   * waking from a stall the heartbeat has not run after yet).
   */
  countsSilenceFrom(stallMs: number): number {
    this.noteStalls();
    const resumedAt = this.resumedAtMs.get(stallMs);
    if (resumedAt === undefined) throw new Error(`StallWatch: no stall threshold of ${stallMs} ms`);
    return resumedAt;
  }

  private noteStalls(): void {
    const now = this.clock.nowMs();
    const lateMs = now - this.lastBeatMs - this.beatMs;
    for (const stallMs of this.resumedAtMs.keys()) {
      if (lateMs > stallMs) this.resumedAtMs.set(stallMs, now);
    }
  }
}
