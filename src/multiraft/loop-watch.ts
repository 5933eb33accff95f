// Whether the host's loop still turns when it has work. Every input (a peer's batch, a
// proposal, a tick) wakes it with one scheduled turn, and a turn awaits nothing but its own
// storage write. So a loop woken long ago that has not turned, while the process kept running
// its timers, lost its wake-up; one whose turn began long ago and has not ended waits on a
// write that never settles. Either way the node hears nothing, sends nothing and never changes
// role again while its process, timers and client API run on. That happened in stop 63's chaos
// runs (a wake-up asked from workflow code, where the guards refuse setImmediate, left the loop
// marked as woken; see SoonOnce): the node was removed and registered again every 40 s, never
// catching up. The tick looks each time, so the host turns from there, or stops, never hangs.

import type { Clock } from "../lib/index.ts";

/** How long the loop may hold work unturned, the process running, before it counts as stuck. */
const LOOP_STUCK_MS = 5_000;

/**
 * A gap this long between two looks means the process itself did not run (a pause, a
 * starved machine): everything is late then, nothing is lost, and the count starts again.
 */
const PROCESS_STALL_MS = 1_000;

export type LoopFault =
  | { readonly kind: "wake-lost"; readonly wokenMs: number }
  | { readonly kind: "turn-stuck"; readonly runningMs: number };

export class LoopWatch {
  /** When the turn now scheduled was asked for (undefined: none is scheduled). */
  private wokenAtMs: number | undefined;
  /** When the turn now running began (undefined: none runs). */
  private turnBeganMs: number | undefined;
  private lastLookMs: number;

  constructor(
    private readonly clock: Clock,
    private readonly stuckMs = LOOP_STUCK_MS,
  ) {
    this.lastLookMs = clock.nowMs();
  }

  woken(): void {
    this.wokenAtMs = this.clock.nowMs();
  }

  turnBegan(): void {
    this.wokenAtMs = undefined;
    this.turnBeganMs = this.clock.nowMs();
  }

  turnEnded(): void {
    this.turnBeganMs = undefined;
  }

  /** At each tick: what holds the loop up, if anything has for longer than stuckMs. */
  look(): LoopFault | undefined {
    const now = this.clock.nowMs();
    const gapMs = now - this.lastLookMs;
    this.lastLookMs = now;
    if (gapMs > PROCESS_STALL_MS) {
      if (this.wokenAtMs !== undefined) this.wokenAtMs = now;
      if (this.turnBeganMs !== undefined) this.turnBeganMs = now;
      return undefined;
    }
    if (this.turnBeganMs !== undefined && now - this.turnBeganMs > this.stuckMs) {
      return { kind: "turn-stuck", runningMs: now - this.turnBeganMs };
    }
    if (this.wokenAtMs !== undefined && now - this.wokenAtMs > this.stuckMs) {
      return { kind: "wake-lost", wokenMs: now - this.wokenAtMs };
    }
    return undefined;
  }
}
