// Whether this node may force a recovery (raftoral cluster recover) at all.

import { type NodeId, RaftoralError } from "../lib/index.ts";
import type { ManagementState } from "../management/index.ts";

/**
 * Refuses a recovery on a node that is no member of its cluster any more (it left, or learned
 * that the cluster removed it). Its groups went on without it, so they look leaderless here;
 * forced, they became a second cluster that still listed the running nodes, added them as
 * learners and sent them its log, and every one of them stopped on the conflicting entries.
 */
export function checkMayRecover(state: ManagementState, self: NodeId): void {
  if (state.clusterId === "" || state.nodes.has(self)) return;
  throw new RaftoralError(
    "FAILED_PRECONDITION",
    `node ${self} is not a member of the cluster any more (it left, or the cluster removed ` +
      "it): its groups went on without it, so there is nothing to recover here. Run the " +
      "recovery on a node that raftoral cluster status lists",
  );
}
