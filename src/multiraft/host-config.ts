// Tunables of the multi-Raft host, with defaults for real networks.

import { assert } from "../lib/index.ts";
import type { RaftConfig } from "../raft/index.ts";
import type { SnapshotLimits } from "./snapshot-policy.ts";

export interface HostConfig extends SnapshotLimits {
  /** One Raft tick. Election timeout = electionTicks * tickIntervalMs. */
  readonly tickIntervalMs: number;
  readonly raft: Omit<RaftConfig, "id">;
  /** Default deadline of propose() and read(). */
  readonly proposalTimeoutMs: number;
  /** Inbox events handled per turn, so one turn stays short. */
  readonly eventsPerTurnMax: number;
  /** Proposals waiting (queued, forwarded or in the log) per node. */
  readonly pendingProposalsMax: number;
  /** Groups one node may host. */
  readonly groupsMax: number;
  /** Applied entries remembered per group to answer late forward results. */
  readonly recentAppliedMax: number;
}

export function validateHostConfig(config: HostConfig): void {
  assert(config.tickIntervalMs > 0, "host config: tickIntervalMs must be positive");
  assert(config.snapshotEntries > 0, "host config: snapshotEntries must be positive");
  assert(config.snapshotBytes > 0, "host config: snapshotBytes must be positive");
  assert(config.compactionMarginEntries >= 0, "host config: compactionMarginEntries must be >= 0");
  assert(config.compactionMarginBytes >= 0, "host config: compactionMarginBytes must be >= 0");
  assert(config.proposalTimeoutMs > 0, "host config: proposalTimeoutMs must be positive");
  assert(config.eventsPerTurnMax > 0, "host config: eventsPerTurnMax must be positive");
}
