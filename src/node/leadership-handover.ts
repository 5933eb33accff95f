// What a node that stops gracefully passes on first, so that the others need not notice its
// silence. Thesis 3.10: the leadership of every group it leads, instead of leaving the others
// to wait out an election timeout. Then the workflows it owns, as owner failover would hand
// them over 1.5 s later: after the leadership, since until then the starts it takes name it,
// the leader, as their owner. A node owns workflows in groups it does not lead too (those an
// owner failover gave it), so that goes for every group it hosts.

import type { ExecutionLayer } from "../api/index.ts";
import type { Clock, GroupId, Logger, NodeId } from "../lib/index.ts";
import { MANAGEMENT_GROUP, toError } from "../lib/index.ts";
import type { MultiRaftHost } from "../multiraft/index.ts";

/** How long a stopping node waits for each of the two hand-overs. */
const HANDOVER_TIMEOUT_MS = 2_000;
/** Of the workflows' hand-over, how long it waits for the step bodies running here. */
const STEPS_WAIT_MS = 1_500;
const POLL_INTERVAL_MS = 20;

interface HandOverOptions {
  readonly host: MultiRaftHost;
  readonly self: NodeId;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly execution: Pick<ExecutionLayer, "handOverOwned" | "finishSteps">;
  /**
   * Whether the cluster still counts on this node in execution group `id` (false for every
   * group once it left). Where it does not, its workflows have other owners already, and the
   * group's leader may no longer send to it: a read there waited out the whole hand-over
   * (membership tour, 2026-12-07: a warning and 2 s more in 2 of 13 leaves).
   */
  readonly isMemberOf: (id: GroupId) => boolean;
}

/** The leadership, then the workflows. Never throws: it only saves the others time. */
export async function handOver(options: HandOverOptions): Promise<void> {
  // Known only while this node leads them.
  const led = withSuccessor(options.host, options.self, true);
  // Workflows live in execution groups only.
  const hosted = withSuccessor(options.host, options.self, false).filter(
    (id) => id !== MANAGEMENT_GROUP && options.isMemberOf(id),
  );
  for (const [what, step, groups] of [
    ["leadership", handOverLeadership, led],
    ["workflows", handOverWorkflows, hosted],
  ] as const) {
    if (groups.length === 0) continue;
    await step(options, groups).catch((error: unknown) => {
      // Handled: stopping goes on regardless; the others fail over as for a crash.
      options.logger.warn(`Hand-over of ${what} failed`, { error: toError(error).message });
    });
  }
}

/** The voters of group `id` other than this node, as its configuration stands here. */
function otherVoters(host: MultiRaftHost, self: NodeId, id: GroupId): NodeId[] {
  return (
    host
      .inspect(id)
      ?.status()
      .confState.voters.filter((voter) => voter !== self) ?? []
  );
}

/**
 * The groups hosted here that this node is still a member of (only those led, with `isLed`)
 * and that have another voter to take over (none: it waits for this node). A node that left
 * the cluster still hosts its replicas until it stops, but its workflows have other owners
 * already, and a read in a group that removed it waits out its whole time: every leave ended
 * with a 2 s wait and a warning that the hand-over did not finish.
 */
function withSuccessor(host: MultiRaftHost, self: NodeId, isLed: boolean): GroupId[] {
  return host.groupIds().filter((id) => {
    const status = host.inspect(id)?.status();
    const { voters = [], learners = [] } = status?.confState ?? {};
    const isMember = voters.includes(self) || learners.includes(self);
    return (
      isMember && (!isLed || status?.role === "leader") && otherVoters(host, self, id).length > 0
    );
  });
}

/**
 * Reassigns the workflows this node owns in each group it hosts to the group's other voters,
 * once it has applied what the group committed (the starts it took while it still led), and
 * once the step bodies it is running there have ended and their checkpoints are committed:
 * a new owner would run such a body again, its replay finding no checkpoint for it. A body
 * still running after STEPS_WAIT_MS is run again by its new owner, as after a crash.
 */
async function handOverWorkflows(
  options: HandOverOptions,
  groups: readonly GroupId[],
): Promise<void> {
  const { host, self, clock, logger } = options;
  logger.info("Handing over workflows", { groups: groups.join(" ") });
  const reassign = async (id: GroupId) => {
    await host.read(id, { timeoutMs: HANDOVER_TIMEOUT_MS });
    await within(clock, STEPS_WAIT_MS, options.execution.finishSteps(id));
    // One round hands over at most FAILOVER_ASSIGNMENTS_MAX workflows: rounds go on until one
    // finds none left here, or the hand-over's time is up (the rest then fail over as after a
    // crash).
    let isHanding = true;
    while (isHanding) {
      isHanding = (await options.execution.handOverOwned(id, otherVoters(host, self, id))) > 0;
    }
  };
  const handed = Promise.all(groups.map(reassign));
  if (!(await within(clock, HANDOVER_TIMEOUT_MS, handed))) {
    logger.warn("Workflow hand-over did not finish; stopping anyway");
  }
}

async function handOverLeadership(
  options: HandOverOptions,
  led: readonly GroupId[],
): Promise<void> {
  const { host, self, clock, logger } = options;
  const isLeading = (id: GroupId) => host.inspect(id)?.status().role === "leader";
  logger.info("Handing over leadership", { groups: led.join(" ") });
  for (const id of led) {
    const successor = otherVoters(host, self, id)[0];
    if (successor !== undefined) host.transferLeadership(id, successor);
  }
  const deadline = clock.nowMs() + HANDOVER_TIMEOUT_MS;
  while (led.some(isLeading) && clock.nowMs() < deadline) {
    await new Promise<void>((resolve) => clock.setTimer(POLL_INTERVAL_MS, resolve));
  }
  const kept = led.filter(isLeading);
  if (kept.length > 0) {
    logger.warn("Leadership hand-over did not finish; stopping anyway", {
      groups: kept.join(" "),
    });
  }
}

/** Resolves when `work` does (true), or after `ms` (false), whichever comes first. */
async function within(clock: Clock, ms: number, work: Promise<unknown>): Promise<boolean> {
  let cancel: (() => void) | undefined;
  const late = new Promise<false>((resolve) => {
    cancel = clock.setTimer(ms, () => resolve(false));
  });
  const isDone = await Promise.race([work.then(() => true), late]);
  cancel?.();
  return isDone;
}
