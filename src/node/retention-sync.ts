// Carries the cluster's retention setting from the management state into each execution
// group's own log. The group's state machine prunes only by what its log says (a Configure
// command), so every member prunes the same results at the same index; the leader only
// proposes the copy, it never decides anything at apply time from local knowledge. Likewise
// for time: log time moves with the commands, so on a group that gets none the leader
// proposes it (Expire) once a result outlived the time limit by its clock.
//
// A clock that was ahead for a moment leaves a result that finished in the future, by every
// clock once it is put right, and log time never moves back: under the floor, that result
// would hold the group over its limits, refusing every new start, for as long as the clock
// was ahead (a day ahead: a day). The leader moves log time past it (Expire) once it finished
// more than a floor later than its own clock says: no clock that agrees with the leader's to
// within the floor could have made it, so it is not the fresh result the floor protects.
//
// Log time that is ahead of the leader's clock ages every result by as much, until true time
// catches up: the leader says so, now and then, so that the clock at fault gets fixed.

import {
  describeRetention,
  type GroupId,
  isSameRetention,
  type Logger,
  type RetentionSetting,
} from "../lib/index.ts";
import { encodeCommand, type WorkflowStateMachine } from "../workflow/index.ts";

/** Log time further ahead of the leader's clock than this is logged (a clock is wrong). */
const LOG_TIME_AHEAD_WARN_MS = 10_000;
/** How often a group's leader says so while it lasts. */
const LOG_TIME_WARN_INTERVAL_MS = 60_000;
/** When each group's replica last said so (by its state machine, so a new replica says it anew). */
const warnedAtMs = new WeakMap<WorkflowStateMachine, number>();

export interface RetentionSyncDeps {
  /** The cluster's setting (ManagementState.retention); undefined in clusters that predate it. */
  readonly wanted: RetentionSetting | undefined;
  readonly machine: WorkflowStateMachine;
  readonly propose: (command: Uint8Array) => Promise<unknown>;
  readonly logger: Logger;
  /** The leader's wall clock (epoch ms), the time commands carry. */
  readonly wallClockMs: number;
}

/**
 * On the group's leader: proposes Expire when the result first in line outlived the time
 * limit by this clock, and Configure when the group last applied another setting (or none).
 * A copy proposed twice is harmless, the second changes nothing. Returns true if it proposed
 * a Configure.
 */
export async function syncRetention(deps: RetentionSyncDeps, group: GroupId): Promise<boolean> {
  const { wanted, machine } = deps;
  const expiryMs = machine.nextExpiryMs();
  const nowMs = Math.floor(deps.wallClockMs);
  warnOfLogTimeAhead(deps, group, nowMs);
  // Each Expire prunes at least that execution: no loop of proposals that change nothing.
  if (expiryMs !== undefined && nowMs > expiryMs) {
    await deps.propose(encodeCommand({ type: "Expire", atMs: nowMs }));
  }
  const hold = machine.floorHold();
  if (hold !== undefined && hold.finishedAtMs > nowMs + hold.floorMs) {
    await deps.propose(encodeCommand({ type: "Expire", atMs: hold.finishedAtMs + hold.floorMs }));
    deps.logger.warn(
      "A finished workflow's time is ahead of this node's clock by more than the retention " +
        "floor (a clock was ahead when it finished): log time moved past it, so that new " +
        "starts are no longer refused for it",
      { group, ahead_ms: hold.finishedAtMs - nowMs },
    );
  }
  if (wanted === undefined) return false;
  const applied = machine.retention();
  if (applied !== undefined && isSameRetention(applied, wanted)) return false;
  await deps.propose(encodeCommand({ type: "Configure", retention: wanted }));
  deps.logger.info("Execution group takes the cluster's retention setting", {
    group,
    retention: describeRetention(wanted),
  });
  return true;
}

function warnOfLogTimeAhead(deps: RetentionSyncDeps, group: GroupId, nowMs: number): void {
  const aheadMs = deps.machine.logTimeMs() - nowMs;
  if (aheadMs <= LOG_TIME_AHEAD_WARN_MS) return;
  const lastMs = warnedAtMs.get(deps.machine);
  if (lastMs !== undefined && nowMs - lastMs < LOG_TIME_WARN_INTERVAL_MS) return;
  warnedAtMs.set(deps.machine, nowMs);
  deps.logger.warn(
    `The group's log time is ${Math.round(aheadMs / 1000)} s ahead of this node's clock: a ` +
      "node whose clock is ahead recorded a time. Until true time catches up, finished " +
      "workflows age by that much (with --retain-for shorter, each is dropped as soon as it " +
      "finishes): check the nodes' clocks (NTP)",
    { group, ahead_ms: aheadMs },
  );
}
