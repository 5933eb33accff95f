// Backpressure of the workflow API on one node: at most so many starts (and signals) and so
// many waits at once. A flood of callers gets RESOURCE_EXHAUSTED at once instead of memory
// growth; a call frees its place when it settles, however it ends.
//
// A count alone lets an overloaded node take calls it serves only after their callers gave
// up: under a flood a start waited 15-60 s for its commit, its client timed out after 10 s,
// and most such starts ran anyway, unknown to their callers. So a start (or signal) is also
// refused while many of those in progress have waited longer than STALE_START_MS: the node's
// queue is then longer than a caller waits, and a refusal at once is the honest answer.

import { type Clock, RaftoralError } from "../lib/index.ts";

export type CallKind = "starts" | "waits";

/** A start in progress this long is late: its execution cluster is not keeping up. */
export const STALE_START_MS = 5_000;
/** Late starts past which new ones are refused. */
export const STALE_STARTS_MAX = 100;

export interface CallLimitsOptions {
  readonly startsInFlightMax: number;
  readonly waitsMax: number;
  readonly clock: Clock;
}

export class CallLimits {
  private readonly inFlight: Record<CallKind, number> = { starts: 0, waits: 0 };
  private readonly max: Readonly<Record<CallKind, number>>;
  private readonly clock: Clock;
  /** When each start in progress began, oldest first (a Map keeps insertion order). */
  private readonly startsBegunMs = new Map<number, number>();
  private nextStart = 0;

  constructor(options: CallLimitsOptions) {
    this.max = { starts: options.startsInFlightMax, waits: options.waitsMax };
    this.clock = options.clock;
  }

  /** Runs `call` in a place of `kind`, or refuses it when all are taken. */
  async run<T>(kind: CallKind, call: () => Promise<T>): Promise<T> {
    const current = this.inFlight[kind];
    const max = this.max[kind];
    if (current >= max) {
      throw new RaftoralError(
        "RESOURCE_EXHAUSTED",
        `this node already has ${current} workflow ${kind} in progress (the limit is ${max}); ` +
          "retry shortly or spread the load over more nodes",
      );
    }
    const start = kind === "starts" ? this.admitStart() : undefined;
    this.inFlight[kind]++;
    try {
      return await call();
    } finally {
      this.inFlight[kind]--;
      if (start !== undefined) this.startsBegunMs.delete(start);
    }
  }

  /** Refuses a start while too many are late; otherwise notes when it began. */
  private admitStart(): number {
    const late = this.lateStarts();
    if (late >= STALE_STARTS_MAX) {
      throw new RaftoralError(
        "RESOURCE_EXHAUSTED",
        `this node is overloaded: ${late} or more workflow starts have waited over ` +
          `${STALE_START_MS / 1000} s for their execution cluster to commit them; retry ` +
          "shortly or spread the load over more nodes",
      );
    }
    const start = this.nextStart++;
    this.startsBegunMs.set(start, this.clock.nowMs());
    return start;
  }

  /** Starts in progress for longer than STALE_START_MS, counted up to STALE_STARTS_MAX. */
  private lateStarts(): number {
    const lateBeforeMs = this.clock.nowMs() - STALE_START_MS;
    let late = 0;
    for (const begunMs of this.startsBegunMs.values()) {
      if (begunMs > lateBeforeMs || late >= STALE_STARTS_MAX) break;
      late++;
    }
    return late;
  }
}
