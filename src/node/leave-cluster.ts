// A node leaving the cluster for good: its removal is committed to the management group, and
// then it keeps serving its Raft groups, bounded in time, until each has dropped it from its
// configuration. Stopping earlier could take a vote away that the remaining members still
// count on: in a two-node group, the survivor alone could no longer commit the change that
// removes the node that went away.

import {
  type Clock,
  type GroupId,
  type Logger,
  type LogIndex,
  MANAGEMENT_GROUP,
  type NodeId,
  toError,
} from "../lib/index.ts";
import { encodeManagementCommand } from "../management/index.ts";
import type { MultiRaftHost } from "../multiraft/index.ts";
import type { ClusterStatus, TransportKind } from "../transport/index.ts";
import type { NodeEnvironment } from "./node-environment.ts";

export interface LeaveClusterOptions {
  readonly self: NodeId;
  readonly host: MultiRaftHost;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly proposalTimeoutMs: number;
  /**
   * The cluster as the management leader sees it, asked of the other nodes (this node, out of
   * the management group, hears of no change any more); undefined if no leader answered.
   * Never rejects.
   */
  readonly leaderStatus: () => Promise<ClusterStatus | undefined>;
}

const POLL_INTERVAL_MS = 250;
/**
 * How long a leaving node serves its groups until they replaced it, in proposal timeouts. Each
 * group adds a member, lets it catch up, promotes it and removes this node, one commit at a
 * time; under faults that takes a while, and stopping early may take away a vote a group
 * cannot do without.
 */
const SETTLE_PROPOSAL_TIMEOUTS = 6;
/** Each peer asked for the cluster status gets this long to answer. */
const STATUS_CALL_TIMEOUT_MS = 2_000;

/** Commits this node's removal, then waits until its groups no longer count on it. */
export async function leaveCluster(options: LeaveClusterOptions): Promise<void> {
  const { self, host, clock, logger } = options;
  // A configuration reported at an index past everything this replica held when leaving is
  // newer than this node's membership (see mayDeleteReplica in management-runtime.ts).
  const heldAtLeave = new Map<GroupId, LogIndex>();
  for (const id of host.groupIds()) {
    const lastIndex = host.inspect(id)?.status().lastIndex;
    if (id !== MANAGEMENT_GROUP && lastIndex !== undefined) heldAtLeave.set(id, lastIndex);
  }
  await host.propose(
    MANAGEMENT_GROUP,
    encodeManagementCommand({ type: "removeNode", nodeId: self, reason: "the node left" }),
    { timeoutMs: options.proposalTimeoutMs },
  );
  logger.info("Left the cluster", { node_id: self });
  const deadline = clock.nowMs() + SETTLE_PROPOSAL_TIMEOUTS * options.proposalTimeoutMs;
  let waiting = [...heldAtLeave.keys()];
  for (;;) {
    waiting = await groupsStillCounting(options, waiting, heldAtLeave);
    if (waiting.length === 0 || clock.nowMs() >= deadline) break;
    await new Promise<void>((resolve) => clock.setTimer(POLL_INTERVAL_MS, resolve));
  }
  if (waiting.length > 0) {
    logger.warn("Stopping before every group dropped this node from its configuration", {
      groups: waiting.join(" "),
    });
  }
}

/**
 * The groups among `ids` that may still need this node. A group is done with it when:
 * 1. it is no longer hosted here, or the removal is applied here (as the leader of its own
 *    removal, this node proposed it and saw it committed); or
 * 2. the management leader no longer lists the group (it was destroyed), or lists a
 *    configuration without this node, reported at an index past what this replica held at
 *    the leave. A leader never sends the entry that removes a follower to that follower, so
 *    (1) cannot be seen on a follower: its word comes through the management state.
 */
async function groupsStillCounting(
  options: LeaveClusterOptions,
  ids: readonly GroupId[],
  heldAtLeave: ReadonlyMap<GroupId, LogIndex>,
): Promise<GroupId[]> {
  const { host, self } = options;
  const counting = ids.filter((id) => {
    const applied = host.inspect(id)?.status().appliedConfState;
    return (
      applied !== undefined && (applied.voters.includes(self) || applied.learners.includes(self))
    );
  });
  if (counting.length === 0) return [];
  const status = await options.leaderStatus();
  if (status === undefined) return counting;
  return counting.filter((id) => {
    const group = status.groups.find((candidate) => candidate.groupId === id);
    if (group === undefined) return false;
    const isNews = group.configIndex > (heldAtLeave.get(id) ?? 0);
    const isOut = !group.voters.includes(self) && !group.learners.includes(self);
    return !(isNews && isOut);
  });
}

/** The cluster status as the management leader answers it, asking the given nodes in turn. */
export async function askLeaderForStatus(options: {
  readonly client: NodeEnvironment["client"];
  readonly kind: TransportKind;
  readonly addresses: readonly string[];
  readonly logger: Logger;
}): Promise<ClusterStatus | undefined> {
  for (const address of options.addresses) {
    const client = options.client(options.kind, address);
    try {
      const status = await client.clusterStatus({ timeoutMs: STATUS_CALL_TIMEOUT_MS });
      if (status.nodeId === status.managementLeaderNodeId) return status;
    } catch (error) {
      // Handled: a node that does not answer is skipped; the next poll asks again.
      options.logger.debug("No cluster status from a peer", {
        address,
        error: toError(error).message,
      });
    } finally {
      await client.close();
    }
  }
  return undefined;
}
