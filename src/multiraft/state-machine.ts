// What an application plugs into a Raft group: a deterministic state machine fed with the
// group's committed commands in log order, on every member.

import type { LogIndex, NodeId } from "../lib/index.ts";

export interface StateMachine {
  /**
   * Applies one committed command and returns the result for its proposer. Must be
   * deterministic: the same commands in the same order give the same state and results on
   * every member. A thrown error is the command's result too (the proposer's promise rejects
   * with it); it must not leave the state half-changed.
   */
  apply(command: Uint8Array, index: LogIndex): unknown;
  /**
   * The whole state as bytes, for a Raft snapshot, after `prefix` (the host's own part) in
   * the same buffer: a large state is then allocated and written once, which is most of what
   * a snapshot costs (docs/performance.md, "Snapshots of a large state").
   */
  snapshotAfter(prefix: Uint8Array): Uint8Array;
  /** Replaces the whole state with a snapshot's. */
  restore(data: Uint8Array): void;
}

/** How a group comes to exist on this node. */
export type GroupStart =
  /** A new group whose first members are `voters` (each creates it the same way). */
  | { readonly mode: "bootstrap"; readonly voters: readonly NodeId[] }
  /** This node was added to an existing group and will receive its log from the leader. */
  | { readonly mode: "join" };
