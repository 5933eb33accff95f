// Backpressure of the workflow API on one node: at most so many starts (and signals) in
// progress and so many waits at once; a call frees its place when it settles, however it ends.
//
// A start that finds every place taken waits its turn, in order of arrival, among at most
// startsQueuedMax others. Refusing it instead makes its caller try again: a flood of 12,000
// callers over gRPC, each retrying a refusal after 250 ms, got 2,200 workflows a second done
// and 120,000 refusals in 20 s; waiting its turn, 3,000-3,400 and under 1,000
// (bench/overload.bench.ts).
// A start that waits its turn is not proposed, so one refused or given up there was
// certainly not started. Past the queue, a call is refused at once (RESOURCE_EXHAUSTED).
//
// A count alone lets an overloaded node take calls it serves only after their callers gave
// up: under a flood a start waited 15-60 s for its commit, its client timed out after 10 s,
// and most such starts ran anyway, unknown to their callers. So a start waits its turn at
// most STALE_START_MS, and new ones are refused at once while many of those in progress have
// waited that long: the node's queue is then longer than a caller waits.

import { type CancelTimer, type Clock, RaftoralError } from "../lib/index.ts";

export type CallKind = "starts" | "waits" | "reads";

/** What a refusal calls the calls of each kind that only count (not starts). */
const COUNTED_NAMES = { waits: "workflow waits", reads: "workflow describes and lists" } as const;

/** A start in progress this long is late: its execution cluster is not keeping up. */
export const STALE_START_MS = 5_000;
/** Late starts past which new ones are refused. */
export const STALE_STARTS_MAX = 100;

export interface CallLimitsOptions {
  /** Starts (and signals) being proposed at once. */
  readonly startsInFlightMax: number;
  /** Starts waiting for one of those places, in order of arrival. */
  readonly startsQueuedMax: number;
  readonly waitsMax: number;
  /**
   * Describes and lists at once: each may build and encode megabytes (a workflow's input and
   * output), and a thousand at once held gigabytes and stalled the node for seconds.
   */
  readonly readsMax: number;
  readonly clock: Clock;
}

export class CallLimits {
  private readonly inFlight: Record<CallKind, number> = { starts: 0, waits: 0, reads: 0 };
  private readonly max: Readonly<Record<CallKind, number>>;
  private readonly startsQueuedMax: number;
  private readonly clock: Clock;
  /** When each start in progress or waiting began, oldest first (a Map keeps insertion order). */
  private readonly startsBegunMs = new Map<number, number>();
  private nextStart = 0;
  /** Starts waiting their turn, oldest first: what lets each go on. */
  private readonly queue = new Map<number, () => void>();

  constructor(options: CallLimitsOptions) {
    this.max = {
      starts: options.startsInFlightMax,
      waits: options.waitsMax,
      reads: options.readsMax,
    };
    this.startsQueuedMax = options.startsQueuedMax;
    this.clock = options.clock;
  }

  /**
   * Runs `call` in a place of `kind`; a start waits its turn for one, a wait or a read is
   * refused when all are taken. `signal` (the caller went away) takes a start out of the queue.
   */
  async run<T>(kind: CallKind, call: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (kind !== "starts") return this.runCounted(kind, call);
    if (this.inFlight.starts >= this.max.starts && this.queue.size >= this.startsQueuedMax) {
      throw new RaftoralError(
        "RESOURCE_EXHAUSTED",
        `this node already has ${this.inFlight.starts} workflow starts in progress and ` +
          `${this.queue.size} waiting their turn (the limits are ${this.max.starts} and ` +
          `${this.startsQueuedMax}); retry shortly or spread the load over more nodes`,
      );
    }
    const start = this.admitStart();
    try {
      // A place freed while starts wait goes straight to the first of them (letNextGo).
      if (this.inFlight.starts < this.max.starts) this.inFlight.starts++;
      else await this.turnOf(start, signal);
      try {
        return await call();
      } finally {
        this.inFlight.starts--;
        this.letNextGo();
      }
    } finally {
      this.startsBegunMs.delete(start);
    }
  }

  private async runCounted<T>(kind: "waits" | "reads", call: () => Promise<T>): Promise<T> {
    if (this.inFlight[kind] >= this.max[kind]) {
      throw new RaftoralError(
        "RESOURCE_EXHAUSTED",
        `this node already has ${this.inFlight[kind]} ${COUNTED_NAMES[kind]} in progress (the ` +
          `limit is ${this.max[kind]}); retry shortly or spread the load over more nodes`,
      );
    }
    this.inFlight[kind]++;
    try {
      return await call();
    } finally {
      this.inFlight[kind]--;
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

  /** Resolves when a place is free for `start`; rejects after STALE_START_MS or an abort. */
  private turnOf(start: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      let cancelTimer: CancelTimer | undefined;
      const leave = (settle: () => void) => {
        this.queue.delete(start);
        cancelTimer?.();
        signal?.removeEventListener("abort", onAbort);
        settle();
      };
      const onAbort = () =>
        leave(() =>
          reject(new RaftoralError("TIMEOUT", "the caller left while the start waited its turn")),
        );
      cancelTimer = this.clock.setTimer(STALE_START_MS, () =>
        leave(() =>
          reject(
            new RaftoralError(
              "RESOURCE_EXHAUSTED",
              `this node is overloaded: the workflow start waited ${STALE_START_MS / 1000} s ` +
                "for its turn and was not started; retry shortly or spread the load over more nodes",
            ),
          ),
        ),
      );
      signal?.addEventListener("abort", onAbort, { once: true });
      this.queue.set(start, () => leave(resolve));
      if (signal?.aborted === true) onAbort();
    });
  }

  /** Gives a freed place to the start that has waited longest. */
  private letNextGo(): void {
    const next = this.queue.values().next();
    if (next.done === true) return;
    this.inFlight.starts++;
    next.value();
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
