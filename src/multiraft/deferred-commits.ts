// Writes that only move commit indexes, held for one turn so that they go with the next turn's
// write instead of making a transaction of their own. Such a write is never awaited (see
// mustAwaitWrites): the entries it marks committed are on a majority's disks already, and a
// crash or a stop that loses it only makes the replica learn its commit again from the leader
// (or, as a single voter, commit its log again once it leads). In a workflow the turn that
// commits a step is usually followed at once by the turn that proposes the next checkpoint,
// whose write carries the held commit (docs/performance.md, "A commit index written with the
// next entries").

import type { GroupWrite } from "../storage/index.ts";

export class DeferredCommits {
  /** Invariant: every write only moves a commit index. */
  private held: GroupWrite[] = [];

  /** A turn must follow to write what is held. */
  get isHolding(): boolean {
    return this.held.length > 0;
  }

  /**
   * What the turn writes now: nothing if all of `writes` only move commit indexes and nothing
   * is held yet (they are held instead); otherwise what is held, then `writes`, in that order
   * (storage takes a group more than once in a batch, in order). So nothing waits more than
   * one turn.
   */
  take(writes: GroupWrite[], isSync: boolean, hasLifecycle: boolean): GroupWrite[] {
    const canHold = !isSync && !hasLifecycle && writes.length > 0 && !this.isHolding;
    if (canHold && writes.every(movesCommitOnly)) {
      this.held = writes;
      return [];
    }
    if (!this.isHolding) return writes;
    const all = [...this.held, ...writes];
    this.held = [];
    return all;
  }
}

function movesCommitOnly(write: GroupWrite): boolean {
  return (
    write.hardState !== undefined &&
    write.entries.length === 0 &&
    write.snapshot === undefined &&
    write.compactThrough === undefined &&
    write.deleteGroup !== true
  );
}
