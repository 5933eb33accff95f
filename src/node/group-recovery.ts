// An operator's recovery of groups that lost their majority for good (`raftoral cluster
// recover`): on a surviving node, every group that has had no leader for longer than a few
// election timeouts (or the ones named) is forced to have this node as its only voter, the
// management group first so that the others can report to it. Once led again, the usual
// planners add the other nodes back as learners and voters. The voters left behind are
// recorded as lost: their storage may hold entries and terms the recovered groups no longer
// have, so the cluster never takes them back as they were (ManagementState.lostNodes).

import {
  type Clock,
  type GroupId,
  MANAGEMENT_GROUP,
  type NodeId,
  RaftoralError,
} from "../lib/index.ts";
import {
  encodeManagementCommand,
  everyMemberApplies,
  FORCED_REPORT_RULES,
  type ManagementState,
} from "../management/index.ts";
import type { MultiRaftHost } from "../multiraft/index.ts";
import type { ConfState } from "../raft/index.ts";
import type { RecoveredGroup, RecoverRequest, RecoverResult } from "../transport/index.ts";
import type { LeaderWatch } from "./leader-watch.ts";

/** How long the recovery waits for each forced group to be led here again. */
const LEAD_AGAIN_TIMEOUT_MS = 10_000;

/** Proposal failures after which recording the lost voters is simply tried again. */
const PASSING = new Set(["NO_LEADER", "NOT_LEADER", "TIMEOUT", "PROPOSAL_DROPPED"]);

export async function recoverGroups(options: {
  readonly host: Pick<
    MultiRaftHost,
    "nodeId" | "groupIds" | "hasGroup" | "inspect" | "forceSoleVoter" | "propose"
  >;
  readonly leaderWatch: Pick<LeaderWatch, "leaderless">;
  readonly clock: Clock;
  /** This node's applied management state. */
  readonly managementState: () => ManagementState;
  readonly request: RecoverRequest;
}): Promise<RecoverResult> {
  const { host, leaderWatch, request } = options;
  const named = request.groupIds;
  const candidates = [...(named ?? host.groupIds())].sort((a, b) => a - b);
  const groups: RecoveredGroup[] = [];
  // The management group first: the others report to it once they have a leader.
  for (const groupId of candidates.sort(
    (a, b) => Number(b === MANAGEMENT_GROUP) - Number(a === MANAGEMENT_GROUP),
  )) {
    if (!host.hasGroup(groupId)) {
      throw new RaftoralError(
        "NOT_FOUND",
        `this node does not host group ${groupId}; ask one that does`,
      );
    }
    const lost = leaderWatch.leaderless(groupId);
    if (lost === undefined) {
      if (named === undefined) continue;
      throw new RaftoralError(
        "FAILED_PRECONDITION",
        `group ${groupId} has a leader, or lost it only moments ago: nothing to recover`,
      );
    }
    const status = host.inspect(groupId)?.status();
    if (status === undefined) continue;
    if (!isInConfiguration(status.confState, host.nodeId)) {
      // An empty replica placed here while the group had no leader: it has nothing to keep.
      if (named === undefined) continue;
      throw new RaftoralError(
        "FAILED_PRECONDITION",
        `group ${groupId}: this node's replica is not a member of the group's configuration (it ` +
          "never caught up), so it has nothing to recover; run the recovery on a node that has " +
          "voted in the group",
      );
    }
    if (request.dryRun) {
      groups.push({
        groupId,
        leaderlessMs: lost.leaderlessMs,
        lastIndex: status.lastIndex,
        commitIndex: status.commit,
        droppedVoters: status.confState.voters.filter((id) => id !== host.nodeId),
        isRecovered: false,
      });
      continue;
    }
    const forced = await host.forceSoleVoter(groupId);
    await ledHere(host, groupId, options.clock);
    groups.push({
      groupId,
      leaderlessMs: lost.leaderlessMs,
      lastIndex: forced.lastIndex,
      commitIndex: forced.commitBefore,
      droppedVoters: forced.droppedVoters,
      isRecovered: true,
    });
  }
  const lost = [
    ...new Set(groups.flatMap((group) => (group.isRecovered ? group.droppedVoters : []))),
  ];
  await recordLost(
    host,
    lost.sort((a, b) => a - b),
    options.clock,
  );
  const recovered = groups.flatMap((group) =>
    group.isRecovered && group.groupId !== MANAGEMENT_GROUP ? [group.groupId] : [],
  );
  await reportForced(options, recovered);
  return { groups };
}

function isInConfiguration(conf: ConfState, self: NodeId): boolean {
  const { voters, votersOutgoing, learners, learnersNext } = conf;
  return [voters, votersOutgoing, learners, learnersNext].some((ids) => ids.includes(self));
}

/** Commits the removal of each voter a forced group left behind, marked lost for good. */
async function recordLost(
  host: Pick<MultiRaftHost, "propose">,
  lost: readonly NodeId[],
  clock: Clock,
): Promise<void> {
  for (const nodeId of lost) {
    const command = encodeManagementCommand({
      type: "removeNode",
      nodeId,
      reason: "left behind by a forced recovery",
      isLost: true,
    });
    await proposeUntilCommitted(host, command, clock).catch((error: Error) => {
      throw new RaftoralError(
        "UNAVAILABLE",
        `the groups were recovered, but recording node ${nodeId} as lost did not commit ` +
          `(${error.message}): never start nodes ${lost.join(", ")} again with their storage`,
        { cause: error },
      );
    });
  }
}

/**
 * Reports each recovered execution group's configuration, forced: the survivor's log may end
 * before the index its group last reported, and the records would pass over the group's own
 * reports until its log grew past that index (its leader proposing one at every management
 * pass meanwhile, and a node joining it never counted as a voter there). Only once every
 * member applies the rule (FORCED_REPORT_RULES); before, the records catch up as they did.
 */
async function reportForced(
  options: {
    readonly host: Pick<MultiRaftHost, "inspect" | "propose">;
    readonly clock: Clock;
    readonly managementState: () => ManagementState;
  },
  groupIds: readonly GroupId[],
): Promise<void> {
  if (!everyMemberApplies(options.managementState(), FORCED_REPORT_RULES)) return;
  for (const groupId of groupIds) {
    const status = options.host.inspect(groupId)?.status();
    if (status === undefined) continue;
    const command = encodeManagementCommand({
      type: "reportGroupConfig",
      groupId,
      voters: status.appliedConfState.voters,
      learners: status.appliedConfState.learners,
      configIndex: status.applied,
      forced: true,
    });
    await proposeUntilCommitted(options.host, command, options.clock).catch((error: Error) => {
      throw new RaftoralError(
        "UNAVAILABLE",
        `the groups were recovered and their lost voters recorded, but the report of group ` +
          `${groupId}'s new configuration did not commit (${error.message}): the cluster's ` +
          "records show it once the group's log passes the index it last reported",
        { cause: error },
      );
    });
  }
}

/**
 * Proposes `command` to the management group until it commits, trying again while the group
 * has no leader for a while; rejects with the last failure.
 */
async function proposeUntilCommitted(
  host: Pick<MultiRaftHost, "propose">,
  command: Uint8Array,
  clock: Clock,
): Promise<void> {
  const deadline = clock.nowMs() + LEAD_AGAIN_TIMEOUT_MS;
  for (;;) {
    try {
      await host.propose(MANAGEMENT_GROUP, command, { timeoutMs: LEAD_AGAIN_TIMEOUT_MS });
      return;
    } catch (error) {
      const isPassing = error instanceof RaftoralError && PASSING.has(error.code);
      if (!isPassing || clock.nowMs() > deadline) throw error;
      await new Promise<void>((resolve) => clock.setTimer(100, resolve));
    }
  }
}

/**
 * Resolves once this node leads `groupId` and applied its log, looking every `pollMs`;
 * UNAVAILABLE after a while.
 */
export async function ledHere(
  host: Pick<MultiRaftHost, "inspect">,
  groupId: GroupId,
  clock: Clock,
  pollMs = 20,
): Promise<void> {
  const deadline = clock.nowMs() + LEAD_AGAIN_TIMEOUT_MS;
  for (;;) {
    const status = host.inspect(groupId)?.status();
    if (status?.role === "leader" && status.applied >= status.commit) return;
    if (clock.nowMs() > deadline) {
      throw new RaftoralError("UNAVAILABLE", `group ${groupId} did not come back under this node`);
    }
    await new Promise<void>((resolve) => clock.setTimer(pollMs, resolve));
  }
}
