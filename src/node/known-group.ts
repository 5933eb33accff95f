// Whether an execution group that a call names exists. A node learns of a new group when it
// applies the management entry that creates it, so a node whose view lags may be asked for a
// group that the caller (or the node forwarding to it) already knows. Answering NOT_FOUND then
// would be final and wrong: for an id no group had yet, the node first catches up with the
// management group's commits (a read barrier) and looks again.

import type { GroupId } from "../lib/index.ts";
import type { ManagementState } from "../management/index.ts";

export interface KnownGroupContext {
  readonly state: () => ManagementState;
  /** Resolves once this node applied every management entry committed before the call. */
  readonly catchUpManagement: () => Promise<void>;
}

/**
 * Whether group `id` exists. An id below the next one handed out belonged to a group once: if
 * that group is gone, it stays gone. Rejects as the read barrier does (no management leader).
 */
export async function groupExists(context: KnownGroupContext, id: GroupId): Promise<boolean> {
  const known = context.state();
  if (known.groups.has(id)) return true;
  if (id < known.nextGroupId) return false;
  await context.catchUpManagement();
  return context.state().groups.has(id);
}
