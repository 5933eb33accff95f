// Everything a RaftoralNode can be told, and the tunables with their defaults. NodeTuning
// holds every value that sets the cluster's timing or a node's capacity, with its unit, so
// that tests and simulations can run a cluster faster and an operator can see what governs
// it. What stays a named constant beside its code is part of one operation's meaning, not a
// setting: how long RunWorkflowSync waits when its caller set no deadline, how often a
// child's outcome is asked for again, how large one Adopt entry may grow, how many rounds a
// start under a caller's id takes, how long a leaving node lets its answer leave.

import {
  InvalidArgumentError,
  type Logger,
  parseAddress,
  type RetentionSetting,
} from "../lib/index.ts";
import type { HostConfig } from "../multiraft/index.ts";
import { DEFAULT_RAFT_CONFIG } from "../raft/index.ts";
import type { TransportKind } from "../transport/index.ts";
import type { WorkflowDefinition } from "../workflow/index.ts";
import type { NodeSecurity } from "./node-security.ts";

export interface NodeTuning {
  /** One Raft tick (ms). */
  readonly tickIntervalMs: number;
  /**
   * Election timeout in ticks, randomized up to twice that. 7 (0.7-1.4 s): a group whose
   * leader died elects a new one before ownerFailoverMs has passed, so a dead owner that also
   * led its group is not handed over any later than one that did not; still 3.5 heartbeats,
   * and pre-vote with check-quorum keeps one slow follower from unseating a live leader.
   */
  readonly electionTicks: number;
  /** Leader heartbeat interval in ticks. */
  readonly heartbeatTicks: number;
  /** A node silent for longer than this (ms) is removed from the cluster. */
  readonly failureTimeoutMs: number;
  /**
   * A member silent for longer than this (ms) hands its running workflows to live members.
   * 1,500: 7.5 heartbeat intervals of a live owner (a voter answers every heartbeat), more
   * than the longest election (1.4 s), and with the tick-paced check (owner-failover-watch.ts)
   * and the AssignOwner commit a dead owner's workflows resume within about 1.7 s
   * (docs/performance.md, "Owner failover").
   */
  readonly ownerFailoverMs: number;
  /**
   * This process counts as having stalled (SIGSTOP, a paused VM, a long collection) when its
   * tick timer fires more than this (ms) late; silence across a stall is not held against
   * peers, for owner failover (failure detection counts stalls over 1 s only). 500: a third
   * of ownerFailoverMs, so an unnoticed stall of the judge plus a normal gap between
   * heartbeats (200 ms) stays well under the failover threshold.
   */
  readonly stallMs: number;
  /**
   * A group without a leader for longer than this (a few election timeouts) has most likely
   * lost its majority: the nodes hosting it report unhealthy and refuse its workflow calls.
   */
  readonly leaderlessReportMs: number;
  /**
   * A replica whose applied index lags what its group committed by more than this many
   * entries is catching up (catching-up.ts): the node reports unhealthy and refuses calls into
   * that group. 5,000, as etcd refuses proposals past that gap between commit and apply; a
   * replica that keeps up under load stays far below it.
   */
  readonly catchingUpEntries: number;
  readonly reconcileIntervalMs: number;
  /** A group's load (running workflows) is reported to the management group at most this often. */
  readonly loadReportIntervalMs: number;
  readonly proposalTimeoutMs: number;
  readonly maxVoters: number;
  /** How long a joining node keeps trying its peers before giving up (ms). */
  readonly joinTimeoutMs: number;
  /**
   * One call to a peer while joining or registering again (ms); a registration, which waits
   * for a commit in the management group, gets three times this.
   */
  readonly peerCallTimeoutMs: number;
  /** The pause between two rounds over the peers while joining (ms). */
  readonly joinRetryDelayMs: number;
  /**
   * A call this node makes for a caller to a member of a group it does not host: a start,
   * signal, describe, list, cancel or wait forwarded there (ms; a wait's own wait on top).
   */
  readonly forwardTimeoutMs: number;
  /** One health call per node when the console probes the cluster (ms). */
  readonly probeTimeoutMs: number;
  /** How often the log warns again about a group that still has no leader (ms). */
  readonly leaderlessWarnIntervalMs: number;
  /** A group snapshots (and trims its in-memory log) after this many entries or bytes. */
  readonly snapshotEntries: number;
  readonly snapshotBytes: number;
  /** Workflow starts being proposed at once; more wait their turn (call-limits.ts). */
  readonly startsInFlightMax: number;
  /** Starts waiting their turn; more are refused with RESOURCE_EXHAUSTED (429). */
  readonly startsQueuedMax: number;
  /** Callers waiting for results at once; more are refused with RESOURCE_EXHAUSTED (429). */
  readonly waitsMax: number;
  /** Workflow describes and lists at once; more are refused with RESOURCE_EXHAUSTED (429). */
  readonly readsMax: number;
  /** Entries kept in the log behind a snapshot, for followers a little behind. */
  readonly compactionMarginEntries: number;
  /** Inbox events the host's loop handles per turn, so that one turn stays short. */
  readonly eventsPerTurnMax: number;
  /** Proposals waiting on this node (queued, forwarded or in the log) at once. */
  readonly pendingProposalsMax: number;
  /** Groups one node may host. */
  readonly groupsMax: number;
  /** Applied entries remembered per group, to answer forwarded proposals that settle late. */
  readonly recentAppliedMax: number;
}

export const DEFAULT_TUNING: NodeTuning = {
  tickIntervalMs: 100,
  electionTicks: 7,
  heartbeatTicks: 2,
  failureTimeoutMs: 30_000,
  ownerFailoverMs: 1_500,
  stallMs: 500,
  leaderlessReportMs: 5_000,
  catchingUpEntries: 5_000,
  reconcileIntervalMs: 500,
  loadReportIntervalMs: 2_000,
  proposalTimeoutMs: 10_000,
  maxVoters: 5,
  joinTimeoutMs: 30_000,
  peerCallTimeoutMs: 3_000,
  joinRetryDelayMs: 500,
  forwardTimeoutMs: 30_000,
  probeTimeoutMs: 1_000,
  leaderlessWarnIntervalMs: 30_000,
  snapshotEntries: 10_000,
  snapshotBytes: 64 * 1024 * 1024,
  startsInFlightMax: 2_000,
  startsQueuedMax: 8_000,
  waitsMax: 20_000,
  readsMax: 64,
  compactionMarginEntries: 1_000,
  eventsPerTurnMax: 10_000,
  pendingProposalsMax: 100_000,
  groupsMax: 1_000,
  recentAppliedMax: 10_000,
};

/** How a join paces its calls to the peers. */
export function joinTimingOf(tuning: NodeTuning): { callTimeoutMs: number; retryDelayMs: number } {
  return { callTimeoutMs: tuning.peerCallTimeoutMs, retryDelayMs: tuning.joinRetryDelayMs };
}

/** How many workflow calls one node takes at once (call-limits.ts). */
export function callLimitsOf(
  tuning: NodeTuning,
): Pick<NodeTuning, "startsInFlightMax" | "startsQueuedMax" | "waitsMax" | "readsMax"> {
  const { startsInFlightMax, startsQueuedMax, waitsMax, readsMax } = tuning;
  return { startsInFlightMax, startsQueuedMax, waitsMax, readsMax };
}

/** The multi-Raft host's configuration for these tunables. */
export function hostConfigOf(tuning: NodeTuning): HostConfig {
  return {
    tickIntervalMs: tuning.tickIntervalMs,
    raft: {
      ...DEFAULT_RAFT_CONFIG,
      electionTicks: tuning.electionTicks,
      heartbeatTicks: tuning.heartbeatTicks,
    },
    snapshotEntries: tuning.snapshotEntries,
    snapshotBytes: tuning.snapshotBytes,
    compactionMarginEntries: tuning.compactionMarginEntries,
    compactionMarginBytes: tuning.snapshotBytes / 8,
    proposalTimeoutMs: tuning.proposalTimeoutMs,
    eventsPerTurnMax: tuning.eventsPerTurnMax,
    pendingProposalsMax: tuning.pendingProposalsMax,
    groupsMax: tuning.groupsMax,
    recentAppliedMax: tuning.recentAppliedMax,
  };
}

export interface RaftoralNodeOptions {
  /** host:port to listen on. */
  readonly listen: string;
  /** host:port other nodes reach this one at; defaults to `listen`. */
  readonly advertise?: string;
  readonly nodeId?: number;
  /** Running nodes to join through. */
  readonly peers?: readonly string[];
  /**
   * Create a new cluster with this node as its first member; with `peers`, only if none of
   * them belongs to a cluster yet, else join it (see README, "Restoring a node").
   */
  readonly bootstrap?: boolean;
  /** Keep data in storagePath/node_<id>/; without it, data lives in memory. */
  readonly storagePath?: string;
  readonly transport?: TransportKind;
  /**
   * host:port of a second listener for people and tools: the HTTP client API, /metrics,
   * /health and the console at /ui, whatever the cluster's transport. Nodes never use it.
   */
  readonly httpListen?: string;
  /** Workflows this node runs besides the built-in ping_pong; every node needs the same set. */
  readonly workflows?: readonly WorkflowDefinition[];
  readonly logger: Logger;
  readonly tuning?: Partial<NodeTuning>;
  /**
   * The first retention setting of finished workflows, when this node creates the cluster
   * (default DEFAULT_RETENTION); ignored otherwise. Change it later with
   * `raftoral cluster retention` (docs/workflows.md, "Retention").
   */
  readonly retention?: RetentionSetting;
  /** TLS, the cluster secret and client tokens (docs/security.md); default: none. */
  readonly security?: NodeSecurity;
}

/**
 * Refuses, before anything listens or is stored, options the CLI's flags could not give: a
 * node id that is no positive integer, a transport other than grpc or http, or an address
 * that is not host:port (each named).
 */
export function checkNodeOptions(options: RaftoralNodeOptions): void {
  const { nodeId, transport } = options;
  if (nodeId !== undefined && (!Number.isSafeInteger(nodeId) || nodeId < 1)) {
    throw new InvalidArgumentError(
      `nodeId ${JSON.stringify(nodeId)}: a node id is a positive integer; leave it out to get one`,
    );
  }
  if (transport !== undefined && transport !== "grpc" && transport !== "http") {
    throw new InvalidArgumentError(
      `transport ${JSON.stringify(transport)}: it is "grpc" (the default) or "http"`,
    );
  }
  checkAddressOptions(options);
}

/** Refuses an address option that is not host:port, naming it (the CLI checks its flags alike). */
function checkAddressOptions(options: RaftoralNodeOptions): void {
  const given: [string, string | undefined][] = [
    ["listen", options.listen],
    ["advertise", options.advertise],
    ["httpListen", options.httpListen],
    ...(options.peers ?? []).map((peer): [string, string] => ["peers", peer]),
  ];
  for (const [name, value] of given) {
    if (value === undefined) continue;
    const parsed = parseAddress(value);
    if (!parsed.ok) throw new InvalidArgumentError(`${name} '${value}': ${parsed.problem}`);
  }
}
