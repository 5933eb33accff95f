// Everything a RaftoralNode can be told, and the tunables with their defaults.

import type { Logger } from "../lib/index.ts";
import type { TransportKind } from "../transport/index.ts";

export interface NodeTuning {
  /** One Raft tick; election timeout = electionTicks ticks, randomized up to twice that. */
  readonly tickIntervalMs: number;
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  /** A node silent for longer than this is removed from the cluster. */
  readonly failureTimeoutMs: number;
  readonly reconcileIntervalMs: number;
  readonly proposalTimeoutMs: number;
  readonly maxVoters: number;
  /** How long a joining node keeps trying its peers before giving up. */
  readonly joinTimeoutMs: number;
  readonly snapshotEntries: number;
}

export const DEFAULT_TUNING: NodeTuning = {
  tickIntervalMs: 100,
  electionTicks: 10,
  heartbeatTicks: 2,
  failureTimeoutMs: 30_000,
  reconcileIntervalMs: 500,
  proposalTimeoutMs: 10_000,
  maxVoters: 5,
  joinTimeoutMs: 30_000,
  snapshotEntries: 10_000,
};

export interface RaftoralNodeOptions {
  /** host:port to listen on. */
  readonly listen: string;
  /** host:port other nodes reach this one at; defaults to `listen`. */
  readonly advertise?: string;
  readonly nodeId?: number;
  /** Running nodes to join through. */
  readonly peers?: readonly string[];
  /** Create a new cluster with this node as its first member. */
  readonly bootstrap?: boolean;
  /** Keep data in storagePath/node_<id>/; without it, data lives in memory. */
  readonly storagePath?: string;
  readonly transport?: TransportKind;
  readonly logger: Logger;
  readonly tuning?: Partial<NodeTuning>;
}
