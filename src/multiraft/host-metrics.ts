// What the host counts as it runs: proposals and their outcomes, the time from propose() to
// applied, each turn's storage write, leader changes, snapshots, and the traffic it takes
// from its peers. Recording is a map lookup; see docs/metrics.md for the meaning of each.

import {
  type Clock,
  type Counter,
  type CounterSeries,
  type ErrorCode,
  type Gauge,
  type GroupId,
  type Histogram,
  type MetricsRegistry,
  type NodeId,
  RaftoralError,
} from "../lib/index.ts";
import type { Snapshot } from "../raft/index.ts";
import type { GroupWrite, LogStorage } from "../storage/index.ts";
import { batchBytes, type PeerBatch } from "../transport/index.ts";
import { ChainNotFollowedError } from "./errors.ts";

interface ProposalSettle {
  readonly resolve: (result: unknown) => void;
  readonly reject: (error: Error) => void;
}

export class HostMetrics {
  private readonly proposals: Counter;
  private readonly proposalSeconds: Histogram;
  private readonly forwarded: Counter;
  private readonly persistSeconds: Histogram;
  private readonly turnSeconds: Histogram;
  private readonly leaderChanges: Counter;
  private readonly snapshots: Counter;
  private readonly snapshotEncodeSeconds: Histogram;
  private readonly snapshotBytes: Gauge;
  private readonly receivedMessages: Counter;
  private readonly receivedBytes: Counter;
  /** Series looked up once per group or peer: a proposal or a batch only adds. */
  private readonly appliedOf = new Map<GroupId, CounterSeries>();
  private readonly receivedOf = new Map<
    NodeId,
    { messages: CounterSeries; bytes: CounterSeries }
  >();

  constructor(registry: MetricsRegistry) {
    this.proposals = registry.counter(
      "raftoral_raft_proposals_total",
      "Proposals made on this node by outcome: applied, or the error code they failed with.",
    );
    this.proposalSeconds = registry.histogram(
      "raftoral_raft_proposal_seconds",
      "Time from a proposal on this node to its apply here (replicated commit included).",
    );
    this.forwarded = registry.counter(
      "raftoral_raft_proposals_forwarded_total",
      "Proposals this node sent on to the leader of their group.",
    );
    this.persistSeconds = registry.histogram(
      "raftoral_storage_persist_seconds",
      "One loop turn's storage write for all groups (sync: with fsync).",
    );
    this.turnSeconds = registry.histogram(
      "raftoral_host_turn_seconds",
      "One turn of the node's loop: its inputs, storage write, sends and applies for all groups.",
    );
    this.leaderChanges = registry.counter(
      "raftoral_raft_leader_changes_total",
      "Times this node saw a new leader of the group.",
    );
    this.snapshots = registry.counter(
      "raftoral_raft_snapshots_total",
      "Snapshots this node took of a group (taken) or received from its leader (installed).",
    );
    this.snapshotEncodeSeconds = registry.histogram(
      "raftoral_raft_snapshot_encode_seconds",
      "Time to encode the state of a group for a snapshot this node took (the node waits).",
    );
    this.snapshotBytes = registry.gauge(
      "raftoral_raft_snapshot_bytes",
      "Size of the group's latest snapshot on this node, before compression.",
    );
    this.receivedMessages = registry.counter(
      "raftoral_peer_received_messages_total",
      "Messages accepted from a member peer.",
    );
    this.receivedBytes = registry.counter(
      "raftoral_peer_received_bytes_total",
      "Payload bytes (entries, snapshot chunks, forwards) of messages accepted from a peer.",
    );
  }

  /** `settle` counting the proposal's outcome and, once applied, its time since now. */
  timedProposal(group: GroupId, clock: Clock, settle: ProposalSettle): ProposalSettle {
    const startedMs = clock.nowMs();
    return {
      resolve: (result) => {
        this.proposalSettled(group, startedMs, clock.nowMs());
        settle.resolve(result);
      },
      reject: (error) => {
        this.proposalSettled(group, startedMs, clock.nowMs(), error);
        settle.reject(error);
      },
    };
  }

  /**
   * Writes `writes` and times it from the call: SQLite writes (and fsyncs) inside the call,
   * before the promise it returns exists.
   */
  async timedPersist(
    storage: LogStorage,
    writes: readonly GroupWrite[],
    isSync: boolean,
  ): Promise<void> {
    const startedMs = performance.now();
    await storage.write(writes, { sync: isSync });
    this.persistSeconds.observe((performance.now() - startedMs) / 1_000, { sync: String(isSync) });
  }

  /** Runs one turn of the host's loop and times it: every group on the node waits for it. */
  async timedTurn(turn: () => Promise<void>): Promise<void> {
    const startedMs = performance.now();
    try {
      await turn();
    } finally {
      this.turnSeconds.observe((performance.now() - startedMs) / 1_000);
    }
  }

  proposalSettled(group: GroupId, startedMs: number, nowMs: number, error?: unknown): void {
    if (error === undefined) {
      this.appliedSeries(group).inc();
      this.proposalSeconds.observe((nowMs - startedMs) / 1_000);
      return;
    }
    // Never proposed: the caller proposes it again by itself (MultiRaftHost.proposeChained).
    if (error instanceof ChainNotFollowedError) return;
    const outcome: ErrorCode = error instanceof RaftoralError ? error.code : "INTERNAL";
    this.proposals.inc({ group, outcome });
  }

  proposalForwarded(group: GroupId): void {
    this.forwarded.inc({ group });
  }

  leaderChanged(group: GroupId): void {
    this.leaderChanges.inc({ group });
  }

  /** Runs `takeSnapshot` (which answers the snapshot's size) and times it. */
  timedSnapshot(group: GroupId, takeSnapshot: () => number): void {
    const startedMs = performance.now();
    const bytes = takeSnapshot();
    this.snapshots.inc({ group, kind: "taken" });
    this.snapshotEncodeSeconds.observe((performance.now() - startedMs) / 1_000);
    this.snapshotBytes.set(bytes, { group });
  }

  snapshotInstalled(group: GroupId, snapshot: Snapshot): void {
    this.snapshots.inc({ group, kind: "installed" });
    this.snapshotBytes.set(snapshot.data.byteLength, { group });
  }

  /** A restart restored the group from its stored snapshot: the gauge has it from the start. */
  snapshotLoaded(group: GroupId, snapshot: Snapshot): void {
    this.snapshotBytes.set(snapshot.data.byteLength, { group });
  }

  /** Only batches from members reach here (BatchRouter's onHeard): labels stay bounded. */
  received(peer: NodeId, batch: PeerBatch): void {
    let series = this.receivedOf.get(peer);
    if (series === undefined) {
      series = {
        messages: this.receivedMessages.bind({ peer }),
        bytes: this.receivedBytes.bind({ peer }),
      };
      this.receivedOf.set(peer, series);
    }
    series.messages.inc(batch.messages.length);
    series.bytes.inc(batchBytes(batch));
  }

  private appliedSeries(group: GroupId): CounterSeries {
    let series = this.appliedOf.get(group);
    if (series === undefined) {
      series = this.proposals.bind({ group, outcome: "applied" });
      this.appliedOf.set(group, series);
    }
    return series;
  }
}
