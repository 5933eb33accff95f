// When the host's loop turns: at once after any input (one turn scheduled however many inputs
// arrive), again while work is left, and at every tick, which also counts the ticks due and
// has the loop watch look (loop-watch.ts). One turn runs at a time.

import { type Clock, type Logger, RaftoralError, SoonOnce, toError } from "../lib/index.ts";
import { LoopWatch } from "./loop-watch.ts";

export interface HostLoopOptions {
  readonly clock: Clock;
  readonly tickIntervalMs: number;
  readonly logger: Logger;
  /** Runs one turn, timed; the turn itself calls beginTurn() and endTurn() around its work. */
  readonly turn: () => Promise<void>;
  /** A turn threw, or never ended: the host stops. */
  readonly fail: (error: Error) => void;
}

export class HostLoop {
  private readonly options: HostLoopOptions;
  private readonly watch: LoopWatch;
  /** The next turn, at most one pending (a runSoon that throws leaves none: SoonOnce). */
  private readonly soon: SoonOnce;
  private ticksDue = 0;
  private isTurnRunning = false;
  private isStopped = false;
  private cancelTicks: (() => void) | undefined;

  constructor(options: HostLoopOptions) {
    this.options = options;
    this.watch = new LoopWatch(options.clock);
    this.soon = new SoonOnce(options.clock, () => this.run());
  }

  start(): void {
    const { clock, tickIntervalMs } = this.options;
    const tick = () => {
      if (this.isStopped) return;
      this.ticksDue++;
      this.look();
      this.wake();
      this.cancelTicks = clock.setTimer(tickIntervalMs, tick);
    };
    this.cancelTicks = clock.setTimer(tickIntervalMs, tick);
  }

  stop(): void {
    this.isStopped = true;
    this.cancelTicks?.();
  }

  /** The ticks due since the last call. */
  takeTicks(): number {
    const due = this.ticksDue;
    this.ticksDue = 0;
    return due;
  }

  /** Schedules a turn unless one is scheduled or running (that one sees the new work). */
  wake(): void {
    if (this.soon.isPending || this.isTurnRunning || this.isStopped) return;
    this.soon.request();
    this.watch.woken();
  }

  /**
   * Whether a turn may begin now (none runs, the host runs); then it runs until endTurn().
   * The host calls both inside its turn, so that one that needs no write ends, and wakes the
   * next, in the same task.
   */
  beginTurn(): boolean {
    if (this.isStopped || this.isTurnRunning) return false;
    this.isTurnRunning = true;
    this.watch.turnBegan();
    return true;
  }

  endTurn(): void {
    this.isTurnRunning = false;
    this.watch.turnEnded();
  }

  private run(): void {
    this.options.turn().catch((error) => this.options.fail(toError(error)));
  }

  /** Turns from the tick if a wake-up was lost; stops the host if a turn never ends. */
  private look(): void {
    const fault = this.watch.look();
    if (fault === undefined) return;
    if (fault.kind === "turn-stuck") {
      const ms = Math.round(fault.runningMs);
      this.options.fail(
        new RaftoralError("INTERNAL", `a Raft loop turn waited ${ms} ms on its write`),
      );
      return;
    }
    // "hit a bug" makes the chaos runs count it as fatal, though the loop goes on.
    this.options.logger.error(
      "The Raft loop hit a bug: woken, it did not turn; the tick turns it",
      {
        woken_ms: Math.round(fault.wokenMs),
      },
    );
    this.soon.forget();
    this.run();
  }
}
