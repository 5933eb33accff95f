// Time behind one interface: the real clock in production, a virtual clock in tests and
// the simulator, where time only moves when the test says so.

import { assert } from "./assert.ts";

/** Cancels a scheduled timer; calling it twice or after the timer fired is harmless. */
export type CancelTimer = () => void;

export interface Clock {
  /** Monotonic milliseconds since an arbitrary origin. */
  nowMs(): number;
  /**
   * Milliseconds since the Unix epoch, for what nodes must roughly agree on without talking
   * (the highest term a message may carry: multiraft/term-reach.ts). It may jump.
   */
  wallMs(): number;
  /** Runs `callback` once, after at least `delayMs`. */
  setTimer(delayMs: number, callback: () => void): CancelTimer;
  /** Runs `callback` as soon as the current work and pending I/O allow (no 1 ms timer clamp). */
  runSoon(callback: () => void): void;
}

/**
 * The longest delay the runtime's setTimeout takes (a signed 32-bit count of ms, 24.8 days);
 * it fires a longer one after 1 ms, with a warning on stderr.
 */
const TIMER_DELAY_MS_MAX = 2 ** 31 - 1;

/** Production clock: performance.now() and the runtime's timers. */
export class RealClock implements Clock {
  /** `delayMsMax` is for tests: a longer delay is waited out in pieces of at most this. */
  constructor(private readonly delayMsMax = TIMER_DELAY_MS_MAX) {}

  nowMs(): number {
    return performance.now();
  }

  wallMs(): number {
    return Date.now();
  }

  setTimer(delayMs: number, callback: () => void): CancelTimer {
    // A delay past what setTimeout takes is waited out in pieces: before, a caller's gRPC
    // deadline of a month (grpc-timeout, which anyone may send) ended its call after 1 ms,
    // and every such call printed the runtime's warning.
    const dueMs = this.nowMs() + delayMs;
    let handle: ReturnType<typeof setTimeout>;
    const arm = (pieceMs: number) => {
      handle = setTimeout(() => {
        const leftMs = dueMs - this.nowMs();
        if (pieceMs === this.delayMsMax && leftMs > 0) arm(Math.min(leftMs, this.delayMsMax));
        else callback();
      }, pieceMs);
    };
    arm(Math.min(delayMs, this.delayMsMax));
    return () => clearTimeout(handle);
  }

  runSoon(callback: () => void): void {
    setImmediate(callback);
  }
}

interface VirtualTimer {
  readonly dueMs: number;
  readonly sequence: number;
  readonly callback: () => void;
  isCancelled: boolean;
}

/** Where a virtual clock's wall time starts, unless told: 2026-12-01 UTC, the same every run. */
export const VIRTUAL_WALL_ORIGIN_MS = Date.UTC(2026, 11, 1);

/**
 * Deterministic clock for tests: timers fire only inside advance(), in due-time order,
 * ties broken by scheduling order. Its wall time moves with it from `wallOriginMs`.
 */
export class VirtualClock implements Clock {
  private currentMs: number;
  private sequence = 0;
  private timers: VirtualTimer[] = [];

  constructor(
    startMs = 0,
    private readonly wallOriginMs = VIRTUAL_WALL_ORIGIN_MS,
  ) {
    this.currentMs = startMs;
  }

  nowMs(): number {
    return this.currentMs;
  }

  wallMs(): number {
    return this.wallOriginMs + this.currentMs;
  }

  setTimer(delayMs: number, callback: () => void): CancelTimer {
    assert(delayMs >= 0, `timer delay must not be negative, got ${delayMs}`);
    const timer: VirtualTimer = {
      dueMs: this.currentMs + delayMs,
      sequence: this.sequence++,
      callback,
      isCancelled: false,
    };
    this.timers.push(timer);
    return () => {
      timer.isCancelled = true;
    };
  }

  runSoon(callback: () => void): void {
    this.setTimer(0, callback);
  }

  /** Number of timers scheduled and not yet fired or cancelled. */
  pendingTimers(): number {
    return this.timers.filter((timer) => !timer.isCancelled).length;
  }

  /** Moves time forward by `deltaMs`, firing every timer due on the way, in order. */
  advance(deltaMs: number): void {
    assert(deltaMs >= 0, `cannot move a clock backwards (${deltaMs} ms)`);
    const targetMs = this.currentMs + deltaMs;
    for (;;) {
      const next = this.nextDue(targetMs);
      if (next === undefined) break;
      this.timers = this.timers.filter((timer) => timer !== next && !timer.isCancelled);
      this.currentMs = next.dueMs;
      next.callback();
    }
    this.currentMs = targetMs;
  }

  private nextDue(limitMs: number): VirtualTimer | undefined {
    let best: VirtualTimer | undefined;
    for (const timer of this.timers) {
      if (timer.isCancelled || timer.dueMs > limitMs) continue;
      if (
        best === undefined ||
        timer.dueMs < best.dueMs ||
        (timer.dueMs === best.dueMs && timer.sequence < best.sequence)
      ) {
        best = timer;
      }
    }
    return best;
  }
}
