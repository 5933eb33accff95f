// Backpressure of the workflow API on one node: at most so many starts (and signals) and so
// many waits at once. A flood of callers gets RESOURCE_EXHAUSTED at once instead of memory
// growth; a call frees its place when it settles, however it ends.

import { RaftoralError } from "../lib/index.ts";

export type CallKind = "starts" | "waits";

export class CallLimits {
  private readonly inFlight: Record<CallKind, number> = { starts: 0, waits: 0 };

  constructor(private readonly max: Readonly<Record<CallKind, number>>) {}

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
    this.inFlight[kind]++;
    try {
      return await call();
    } finally {
      this.inFlight[kind]--;
    }
  }
}
