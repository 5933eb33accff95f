// The Wing & Gong / Lowe search (WGL, as in Porcupine) for a linearization of one partition.
// Pure and synchronous: no clocks, no I/O. A step budget bounds it, so it never hangs.
//
// The history becomes linked lists of call and return entries in time order. The search
// walks them from the front: at a call entry it tries to linearize that operation next (model
// step, then "lift" its entries out); reaching the first return entry means that operation
// had to take effect by then, so once the pending calls made by then are tried too, it
// backtracks. The calls before the first return entry are exactly the operations real time
// allows next.
// Memoizing (linearized set, state) pairs prunes orders that reach a configuration twice, or
// one that an explored configuration covers (see linearizability-cache.ts).

import { assert } from "../../src/lib/index.ts";
import { ConfigurationCache, LinearizedSet } from "./linearizability-cache.ts";
import { EntryList } from "./linearizability-entries.ts";
import type { Model, Operation } from "./linearizability-types.ts";

/** What the search concluded about one partition. Prefixes are operation indexes, in order. */
export type SearchResult =
  | { readonly type: "linearizable"; readonly steps: number }
  | { readonly type: "violation"; readonly steps: number; readonly longestPrefix: number[] }
  | { readonly type: "budget-exceeded"; readonly steps: number; readonly longestPrefix: number[] };

/**
 * Searches for a linearization of `operations` (one partition, not split further). Each loop
 * iteration (one model step or one backtrack) counts as a step; past `stepsMax` it gives up.
 */
export function searchLinearization<State, Input, Output>(
  model: Model<State, Input, Output>,
  operations: readonly Operation<Input, Output>[],
  stepsMax: number,
): SearchResult {
  return new LinearizationSearch(model, operations).run(stepsMax);
}

/** The walk's "no candidate left in this configuration": time to backtrack. */
const BACKTRACK = -1;

interface Frame<State> {
  readonly callEntry: number;
  readonly stateBefore: State;
  /** The configuration's deadline when the entry was placed, to resume the walk after undo. */
  readonly deadline: number;
}

/** One run of the search; used once, by `searchLinearization`. */
class LinearizationSearch<State, Input, Output> {
  private readonly list: EntryList;
  private readonly linearized: LinearizedSet;
  private readonly cache: ConfigurationCache<State>;
  private readonly stack: Frame<State>[] = [];
  private state: State;
  /** Invariant: the number of returned operations not on the stack. Done when it is 0. */
  private returnedLeft: number;
  private longestPrefix: number[] = [];
  /** The return time of the first unplaced returned operation, while walking pending calls. */
  private deadline = 0;

  constructor(
    private readonly model: Model<State, Input, Output>,
    private readonly operations: readonly Operation<Input, Output>[],
  ) {
    this.list = new EntryList(operations);
    const isPending = operations.map((op) => op.outcome.type === "pending");
    this.linearized = new LinearizedSet(isPending);
    this.cache = new ConfigurationCache(model);
    this.state = model.init();
    // The start is explored too: it covers the configurations that only add pending operations.
    this.cache.insertIfNew(this.linearized, this.state);
    this.returnedLeft = isPending.filter((pending) => !pending).length;
  }

  run(stepsMax: number): SearchResult {
    let steps = 0;
    let candidate = this.restart();
    // Pending operations still unplaced are dropped: they did not take effect.
    while (this.returnedLeft > 0) {
      if (steps >= stepsMax) {
        return { type: "budget-exceeded", steps, longestPrefix: this.longestPrefix };
      }
      steps++;
      if (candidate !== BACKTRACK) {
        candidate = this.tryLinearize(candidate) ? this.restart() : this.candidateAfter(candidate);
        continue;
      }
      // The operation returning first had to take effect by now, and no candidate led anywhere.
      const frame = this.stack.pop();
      if (frame === undefined) {
        return { type: "violation", steps, longestPrefix: this.longestPrefix };
      }
      this.undo(frame);
      candidate = this.candidateAfter(frame.callEntry);
    }
    return { type: "linearizable", steps };
  }

  /** The first candidate of a new configuration. */
  private restart(): number {
    if (this.returnedLeft === 0) return BACKTRACK;
    return this.candidateFrom(this.list.nextOf(this.list.mainHead));
  }

  /**
   * The candidates of a configuration, in the order tried: first the main list's calls up to
   * its first return entry (the deadline), then the pending calls made by the deadline.
   * Trying pending operations last means the configurations without them are explored first,
   * so the cache's covering rule prunes the ones with them.
   */
  private candidateFrom(mainEntry: number): number {
    if (this.list.isCall(mainEntry)) return mainEntry;
    // A returned operation is unplaced, so its return entry lies ahead of the main tail.
    assert(mainEntry !== this.list.mainTail, "search walked past the last return entry");
    this.deadline = this.list.timeOf(mainEntry);
    return this.pendingFrom(this.list.nextOf(this.list.pendingHead));
  }

  private pendingFrom(pendingEntry: number): number {
    if (pendingEntry === this.list.pendingTail) return BACKTRACK;
    return this.list.timeOf(pendingEntry) <= this.deadline ? pendingEntry : BACKTRACK;
  }

  /** The candidate tried after `entry` in the same configuration. */
  private candidateAfter(entry: number): number {
    const next = this.list.nextOf(entry);
    return this.list.isPending(entry) ? this.pendingFrom(next) : this.candidateFrom(next);
  }

  /** Linearizes the call entry's operation next if the model allows it and it is new. */
  private tryLinearize(callEntry: number): boolean {
    const index = this.list.operationOf(callEntry);
    const operation = this.operations[index] as Operation<Input, Output>;
    const result = this.model.step(this.state, operation.input, operation.outcome);
    if (!result.ok) return false;
    this.linearized.toggle(index);
    if (!this.cache.insertIfNew(this.linearized, result.state)) {
      this.linearized.toggle(index);
      return false;
    }
    this.stack.push({ callEntry, stateBefore: this.state, deadline: this.deadline });
    this.state = result.state;
    this.list.lift(callEntry);
    if (operation.outcome.type === "returned") this.returnedLeft--;
    if (this.stack.length > this.longestPrefix.length) {
      this.longestPrefix = this.stack.map((frame) => this.list.operationOf(frame.callEntry));
    }
    return true;
  }

  private undo(frame: Frame<State>): void {
    const index = this.list.operationOf(frame.callEntry);
    this.state = frame.stateBefore;
    this.deadline = frame.deadline;
    this.linearized.toggle(index);
    this.list.unlift(frame.callEntry);
    if (this.operations[index]?.outcome.type === "returned") this.returnedLeft++;
  }
}
