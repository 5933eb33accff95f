// Thesis 3.10: for a quick failover, a node that stops passes on the leadership of every
// group it leads first, instead of leaving the others to wait out an election timeout.

import type { Clock, GroupId, Logger, NodeId } from "../lib/index.ts";
import type { MultiRaftHost } from "../multiraft/index.ts";

/** How long a stopping node waits for its groups to take up their new leaders. */
const HANDOVER_TIMEOUT_MS = 2_000;
const POLL_INTERVAL_MS = 20;

export async function handOverLeadership(options: {
  readonly host: MultiRaftHost;
  readonly self: NodeId;
  readonly clock: Clock;
  readonly logger: Logger;
}): Promise<void> {
  const { host, self, clock, logger } = options;
  const isLeading = (id: GroupId) => host.inspect(id)?.status().role === "leader";
  const successorIn = (id: GroupId) =>
    host
      .inspect(id)
      ?.status()
      .confState.voters.find((voter) => voter !== self);
  // A group with no other voter (a single node, or one voter and a learner) has nobody to
  // take over: it waits for this node to come back.
  const led = host.groupIds().filter((id) => isLeading(id) && successorIn(id) !== undefined);
  if (led.length === 0) return;
  logger.info("Handing over leadership", { groups: led.join(" ") });
  for (const id of led) {
    const successor = successorIn(id);
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
