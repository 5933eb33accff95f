// Where a new workflow goes: the least loaded execution group that takes new workflows, as
// the management state last reported the groups' loads; among groups equally loaded, one this
// node hosts, whose start needs no call to another node (docs/performance.md, "A client per
// peer"), then the lowest id. A group a member reported leaderless comes after every group
// with a leader: a start there waits for a leader it may never get, and its caller, not
// knowing whether it ran, may not start it again.

import { type Clock, type GroupId, NO_NODE, type NodeId, RaftoralError } from "../lib/index.ts";
import type { GroupRecord, ManagementMachine } from "../management/index.ts";

export interface ChooseGroupContext {
  readonly machine: ManagementMachine;
  /** This node: a group it hosts wins a tie. */
  readonly self: NodeId;
  readonly clock: Clock;
  /** How long to wait for a first group while the cluster forms one. */
  readonly waitMs: number;
}

/**
 * The least loaded running group that takes new workflows, groups reported leaderless last;
 * ties to a group this node hosts, then to the lowest id. While the cluster has none yet (it is still forming its first one),
 * waits for one until `signal` aborts or `waitMs` passes. When the groups it has are all
 * `excluded` (a start failed in each), it fails at once: no new one is on its way.
 */
export async function chooseGroup(
  context: ChooseGroupContext,
  excluded: readonly GroupId[],
  signal: AbortSignal | undefined,
): Promise<GroupId> {
  const { machine, clock, self } = context;
  const deadlineMs = clock.nowMs() + context.waitMs;
  const elsewhere = (group: GroupRecord) =>
    group.members.includes(self) || group.voters.includes(self) ? 0 : 1;
  const leaderless = (group: GroupRecord) => (group.leaderId === NO_NODE ? 1 : 0);
  for (;;) {
    const open = [...machine.state().groups.values()].filter(
      (group) => !group.draining && group.configIndex > 0,
    );
    const chosen = open
      .filter((group) => !excluded.includes(group.id))
      .sort(
        (a, b) =>
          leaderless(a) - leaderless(b) ||
          a.running - b.running ||
          elsewhere(a) - elsewhere(b) ||
          a.id - b.id,
      )[0];
    if (chosen !== undefined) return chosen.id;
    const leftMs = deadlineMs - clock.nowMs();
    if (open.length > 0 || leftMs <= 0 || signal?.aborted === true) {
      throw new RaftoralError(
        "UNAVAILABLE",
        "No execution clusters available: the cluster has not formed one yet, or lost them; retry in a few seconds",
        { isNotDone: true },
      );
    }
    await nextManagementChange(context, leftMs, signal);
  }
}

/**
 * Refuses a start in `target` before anything is proposed unless its leader reported in: a
 * group that never did may be destroyed without a handover (the ClusterManager's stillborn
 * groups), so only groups whose leader did take workflows.
 */
export function refuseIfForming(machine: ManagementMachine, target: GroupId): void {
  if ((machine.state().groups.get(target)?.configIndex ?? 0) > 0) return;
  throw new RaftoralError(
    "UNAVAILABLE",
    `execution cluster ${target} is still forming; retry in a moment or leave execution_cluster_id out`,
    { isNotDone: true },
  );
}

/** How many times a start without a chosen group is sent before it gives up. */
const START_GROUPS_MAX = 3;

/**
 * Whether a start that failed with `error` in one group was certainly not applied there, and
 * may go to another: the group was sealed (it drains) or is no longer hosted where the start
 * went. Each of these failures is raised before the start is proposed, or for a proposal
 * that never left the node. A timeout is not among them, nor a forwarded start whose answer
 * was lost: either may yet commit.
 */
export function isStartWorthAnotherGroup(error: unknown): boolean {
  if (!(error instanceof RaftoralError) || error.isAnswerLost) return false;
  // NOT_FOUND is UNKNOWN_GROUP, or "does not exist", as a forwarded start's answer carries it.
  return ["UNAVAILABLE", "UNKNOWN_GROUP", "NOT_FOUND"].includes(error.code);
}

/**
 * Starts a workflow in the group `choose` picks; when that group cannot take it (see
 * isStartWorthAnotherGroup), chooses again, a few times at most. A group that only left this
 * node may be chosen again: the start then goes to its members. When no other group is left
 * to choose, the answer is why the last one could not take it (a group without a leader says
 * so, naming its voters), not that no group exists.
 */
export async function startInSomeGroup<T>(
  choose: (excluded: readonly GroupId[]) => Promise<GroupId>,
  startIn: (target: GroupId) => Promise<T>,
): Promise<T> {
  const excluded: GroupId[] = [];
  let lastFailure: unknown;
  for (let attempt = 1; ; attempt++) {
    const target = await choose(excluded).catch((error: unknown) => {
      throw lastFailure ?? error;
    });
    try {
      return await startIn(target);
    } catch (error) {
      lastFailure = error;
      if (!isStartWorthAnotherGroup(error) || attempt >= START_GROUPS_MAX) throw error;
      if ((error as RaftoralError).code !== "UNKNOWN_GROUP") excluded.push(target);
    }
  }
}

/** Resolves at the next management state change, after `timeoutMs`, or on abort. */
function nextManagementChange(
  context: ChooseGroupContext,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      unsubscribe();
      cancelTimer();
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const unsubscribe = context.machine.subscribe(done);
    const cancelTimer = context.clock.setTimer(timeoutMs, done);
    signal?.addEventListener("abort", done, { once: true });
  });
}
