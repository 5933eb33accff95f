// A restored group whose only voter is this node elects it now rather than after an election
// timeout (as etcd does for a one-member cluster): no other vote can count, so waiting only
// delays the restart. Safety is the same either way: it would win alone later.

import type { GroupId, NodeId } from "../lib/index.ts";
import type { GroupInspector } from "../multiraft/index.ts";

export interface SoleVoterHost {
  inspect(groupId: GroupId): Pick<GroupInspector, "status"> | undefined;
  campaign(groupId: GroupId): void;
}

export function campaignIfSoleVoter(host: SoleVoterHost, self: NodeId, groupId: GroupId): void {
  const conf = host.inspect(groupId)?.status().confState;
  if (conf === undefined || conf.votersOutgoing.length > 0) return;
  if (conf.voters.length === 1 && conf.voters[0] === self) host.campaign(groupId);
}
