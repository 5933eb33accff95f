// Reading and changing the cluster's retention of finished workflows (NodeApi.clusterRetention).
// The setting lives in the management state; a change is one setRetention command there,
// and each execution group's leader then copies it into its own log (node/retention-sync.ts).

import {
  checkRetention,
  DEFAULT_RETENTION,
  MANAGEMENT_GROUP,
  RaftoralError,
  type RetentionSetting,
} from "../lib/index.ts";
import { encodeManagementCommand, type ManagementMachine } from "../management/index.ts";
import type { MultiRaftHost } from "../multiraft/index.ts";
import type { RetentionInfo, RetentionRequest } from "../transport/index.ts";
import { DEFAULT_WORKFLOW_STATE_CONFIG } from "../workflow/index.ts";

/** What groups keep in a cluster that never recorded a setting: the old built-in limits. */
export const BUILT_IN_RETENTION: RetentionSetting = {
  finishedMax: DEFAULT_WORKFLOW_STATE_CONFIG.finishedRetainedMax,
  retainForMs: 0,
  retainAtLeastMs: 0,
};

export interface ClusterRetentionDeps {
  readonly host: Pick<MultiRaftHost, "read" | "propose">;
  readonly machine: ManagementMachine;
  readonly proposalTimeoutMs: number;
  /** Why the management group has had no leader for long, as a sentence; undefined if it has. */
  readonly managementLeaderless: () => string | undefined;
}

/**
 * Reads the setting after a read barrier (so a change just made elsewhere is seen), and
 * when the request gives fields, proposes the setting with them changed. The fields it does
 * not give keep their value (DEFAULT_RETENTION's in a cluster that never had one). Two
 * operators changing different fields at once: the later commit wins as a whole.
 */
export async function clusterRetention(
  deps: ClusterRetentionDeps,
  request: RetentionRequest,
): Promise<RetentionInfo> {
  const timeoutMs = deps.proposalTimeoutMs;
  // Both the read and a change wait for the management leader: without one for long, the
  // call fails at once with the reason rather than at its deadline.
  const leaderless = deps.managementLeaderless();
  if (leaderless !== undefined) {
    throw new RaftoralError(
      "UNAVAILABLE",
      `${leaderless}; the retention cannot be read or changed`,
    );
  }
  await deps.host.read(MANAGEMENT_GROUP, { timeoutMs });
  const current = deps.machine.state().retention;
  const isChange =
    request.finishedMax !== undefined ||
    request.retainForMs !== undefined ||
    request.retainAtLeastMs !== undefined;
  if (!isChange) {
    return { retention: current ?? BUILT_IN_RETENTION, isSet: current !== undefined };
  }
  // Throws INVALID_ARGUMENT naming the field, before anything is proposed.
  const retention = checkRetention({ ...(current ?? DEFAULT_RETENTION), ...request });
  await deps.host.propose(
    MANAGEMENT_GROUP,
    encodeManagementCommand({ type: "setRetention", retention }),
    { timeoutMs },
  );
  return { retention, isSet: true };
}
