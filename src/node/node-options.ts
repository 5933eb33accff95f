// Everything a RaftoralNode can be told, and the tunables with their defaults.

import type { Logger } from "../lib/index.ts";
import type { TransportKind } from "../transport/index.ts";
import type { WorkflowDefinition } from "../workflow/index.ts";

export interface NodeTuning {
  /** One Raft tick; election timeout = electionTicks ticks, randomized up to twice that. */
  readonly tickIntervalMs: number;
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  /** A node silent for longer than this is removed from the cluster. */
  readonly failureTimeoutMs: number;
  /** A member silent for longer than this hands its running workflows to live members. */
  readonly ownerFailoverMs: number;
  readonly reconcileIntervalMs: number;
  readonly proposalTimeoutMs: number;
  readonly maxVoters: number;
  /** How long a joining node keeps trying its peers before giving up. */
  readonly joinTimeoutMs: number;
  /** A group snapshots (and trims its in-memory log) after this many entries or bytes. */
  readonly snapshotEntries: number;
  readonly snapshotBytes: number;
  /** Workflow starts being proposed at once; more are refused with RESOURCE_EXHAUSTED (429). */
  readonly startsInFlightMax: number;
  /** Callers waiting for results at once; more are refused with RESOURCE_EXHAUSTED (429). */
  readonly waitsMax: number;
}

export const DEFAULT_TUNING: NodeTuning = {
  tickIntervalMs: 100,
  electionTicks: 10,
  heartbeatTicks: 2,
  failureTimeoutMs: 30_000,
  ownerFailoverMs: 3_000,
  reconcileIntervalMs: 500,
  proposalTimeoutMs: 10_000,
  maxVoters: 5,
  joinTimeoutMs: 30_000,
  snapshotEntries: 10_000,
  snapshotBytes: 64 * 1024 * 1024,
  startsInFlightMax: 2_000,
  waitsMax: 20_000,
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
  /** Workflows this node runs besides the built-in ping_pong; every node needs the same set. */
  readonly workflows?: readonly WorkflowDefinition[];
  readonly logger: Logger;
  readonly tuning?: Partial<NodeTuning>;
}
