// Whether this node may take a new node's registration (a join through it) at all.

import { type NodeId, RaftoralError } from "../lib/index.ts";
import type { ManagementState } from "../management/index.ts";

/** How many of the members it last knew a refusal names, as places to join through instead. */
const MEMBERS_NAMED_MAX = 3;

/**
 * Refuses a registration on a node the cluster removed, or one that left (a leave that failed
 * half-way leaves the node serving outside the cluster). Its management group goes on without
 * it, so it would only wait for a leader it never hears again and blame a lost majority.
 * UNAVAILABLE: a joiner goes on to the other peers it was given.
 */
export function checkMayTakeRegistration(state: ManagementState, self: NodeId): void {
  if (!state.removedNodes.has(self) || state.nodes.has(self)) return;
  const members = [...state.nodes.values()].slice(0, MEMBERS_NAMED_MAX).map((n) => n.address);
  const named = members.length === 0 ? "" : ` (it last knew ${members.join(", ")})`;
  throw new RaftoralError(
    "UNAVAILABLE",
    `node ${self} is not a member of the cluster any more (it left, or the cluster removed ` +
      `it), so no node can join through it: join through a node that raftoral cluster ` +
      `status lists${named}`,
  );
}
