// Where a drained group's finished workflows go before it is destroyed: the lowest running
// group this node is a member of (by the state, not merely hosting a replica it was already
// removed from) and hosts, so that it can propose the handover there itself.
// Pure: no I/O, no timers, no await.

import type { GroupId, NodeId } from "../lib/index.ts";
import type { ManagementState } from "./management-state.ts";

export function heirOf(options: {
  readonly state: ManagementState;
  readonly drained: GroupId;
  readonly self: NodeId;
  readonly isHosted: (groupId: GroupId) => boolean;
}): GroupId | undefined {
  const { state, drained, self } = options;
  return [...state.groups.values()]
    .filter(
      (group) =>
        group.id !== drained &&
        !group.draining &&
        group.configIndex > 0 &&
        group.members.includes(self),
    )
    .map((group) => group.id)
    .sort((a, b) => a - b)
    .find(options.isHosted);
}
