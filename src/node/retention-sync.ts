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

import {
  describeRetention,
  type GroupId,
  isSameRetention,
  type Logger,
  type RetentionSetting,
} from "../lib/index.ts";
import { encodeCommand, type WorkflowStateMachine } from "../workflow/index.ts";

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
