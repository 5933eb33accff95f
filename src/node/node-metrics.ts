// The node's metrics read at scrape time: each hosted group's Raft state, the traffic to each
// peer, the workflows each group runs, and the process itself (CPU, memory, event-loop lag,
// storage on disk). What is counted as it happens lives next to the code that does it
// (multiraft/host-metrics.ts, workflow-metrics.ts). Meanings: docs/metrics.md.

import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type { ExecutionLayer } from "../api/index.ts";
import {
  type CancelTimer,
  type Clock,
  MANAGEMENT_GROUP,
  type MetricsRegistry,
} from "../lib/index.ts";
import type { MultiRaftHost } from "../multiraft/index.ts";
import type { PeerSenders } from "../transport/index.ts";

/** How often the event loop's lag is sampled. */
const LAG_SAMPLE_INTERVAL_MS = 250;

const LAG_BUCKETS_SECONDS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5];

/** Gauges and totals of the node's running parts, refreshed at every scrape. */
export function collectNodeMetrics(
  registry: MetricsRegistry,
  parts: { host: MultiRaftHost; senders: PeerSenders; execution: ExecutionLayer },
): void {
  const groups = groupMetrics(registry, parts);
  const peers = peerMetrics(registry, parts.senders);
  registry.onCollect(() => peers(groups()));
}

/** Each hosted group's Raft state and workflows; the collector returns the cluster's nodes. */
function groupMetrics(
  registry: MetricsRegistry,
  parts: { host: MultiRaftHost; execution: ExecutionLayer },
): () => Set<number> {
  const gauge = (name: string, help: string) => registry.gauge(name, help);
  const term = gauge("raftoral_raft_term", "The group's current term on this node.");
  const commit = gauge("raftoral_raft_commit_index", "Highest log index known committed.");
  const applied = gauge("raftoral_raft_applied_index", "Highest log index applied here.");
  const unapplied = gauge(
    "raftoral_raft_unapplied_entries",
    "Committed entries this replica has yet to apply, those it does not hold yet included.",
  );
  const leader = gauge("raftoral_raft_leader_id", "The leader this node knows; 0 if none.");
  const isLeader = gauge("raftoral_raft_is_leader", "1 while this node leads the group.");
  const running = gauge("raftoral_workflows_running", "Workflows of the group not finished.");
  const runningBytes = gauge(
    "raftoral_workflows_running_bytes",
    "What the group's running workflows' records take on this node; starts stop at 1 GiB.",
  );
  const sleeping = gauge("raftoral_workflows_sleeping", "Running workflows asleep on a timer.");
  const waiting = gauge("raftoral_workflows_waiting", "Running workflows waiting for an event.");
  const all = [
    ...[term, commit, applied, unapplied, leader, isLeader],
    ...[running, runningBytes, sleeping, waiting],
  ];
  return () => {
    for (const metric of all) metric.reset();
    // The nodes of the cluster now: a removed node's series go (they would read 0 for ever).
    const peers = new Set<number>();
    for (const group of parts.host.groupIds()) {
      const raft = parts.host.inspect(group);
      const status = raft?.status();
      if (raft === undefined || status === undefined) continue;
      if (group === MANAGEMENT_GROUP) {
        const { voters, learners, votersOutgoing } = status.confState;
        for (const id of [...voters, ...learners, ...votersOutgoing]) peers.add(id);
      }
      term.set(status.term, { group });
      commit.set(status.commit, { group });
      applied.set(status.applied, { group });
      unapplied.set(raft.unappliedCommits(), { group });
      leader.set(status.leaderId, { group });
      isLeader.set(status.role === "leader" ? 1 : 0, { group });
      if (group === 0) continue;
      running.set(parts.execution.runningCount(group), { group });
      runningBytes.set(parts.execution.runningBytes(group), { group });
      const suspended = parts.execution.suspendedCounts(group);
      sleeping.set(suspended.sleeping, { group });
      waiting.set(suspended.waiting, { group });
    }
    return peers;
  };
}

/** The traffic to each of `peers` (the cluster's nodes now). */
function peerMetrics(
  registry: MetricsRegistry,
  senders: PeerSenders,
): (peers: Set<number>) => void {
  const queued = registry.gauge(
    "raftoral_peer_send_queue_messages",
    "Messages waiting for a peer.",
  );
  const streaming = registry.gauge(
    "raftoral_peer_stream_open",
    "1 while batches to the peer go on its stream, 0 while they go as requests or wait.",
  );
  const sent = registry.counter("raftoral_peer_sent_messages_total", "Messages sent to a peer.");
  const sentBytes = registry.counter(
    "raftoral_peer_sent_bytes_total",
    "Payload bytes (entries, snapshot chunks, forwards) of messages sent to a peer.",
  );
  const dropped = registry.counter(
    "raftoral_peer_dropped_messages_total",
    "Messages for a peer dropped: its queue was full, a delivery failed or a batch was too large (Raft resends).",
  );
  const failed = registry.counter(
    "raftoral_peer_failed_deliveries_total",
    "Requests to a peer that failed and streams to it that broke (unreachable, refused, timed out).",
  );
  return (peers) => {
    for (const metric of [queued, streaming, sent, sentBytes, dropped, failed]) metric.reset();
    for (const peer of senders.perPeer()) {
      if (!peers.has(peer.peer)) continue;
      const labels = { peer: peer.peer };
      queued.set(peer.queued, labels);
      streaming.set(peer.isStreaming ? 1 : 0, labels);
      sent.setTotal(peer.sentMessages, labels);
      sentBytes.setTotal(peer.sentBytes, labels);
      dropped.setTotal(peer.droppedMessages, labels);
      failed.setTotal(peer.failedDeliveries, labels);
    }
  };
}

/**
 * The process: CPU, memory, start time, event-loop lag, and the bytes of `storagePath` (when
 * the node keeps its state on disk). Returns the function that stops sampling the lag.
 */
export function collectProcessMetrics(
  registry: MetricsRegistry,
  clock: Clock,
  storagePath: string | undefined,
): CancelTimer {
  const cpu = registry.counter("process_cpu_seconds_total", "User and system CPU time used.");
  const rss = registry.gauge("process_resident_memory_bytes", "Resident memory size.");
  const heap = registry.gauge("raftoral_heap_used_bytes", "JavaScript heap in use.");
  const started = registry.gauge("process_start_time_seconds", "Start time, Unix epoch.");
  const storage = registry.gauge("raftoral_storage_bytes", "Bytes of the node's storage files.");
  const lag = registry.histogram(
    "raftoral_event_loop_lag_seconds",
    `How late a ${LAG_SAMPLE_INTERVAL_MS} ms timer fires: time the loop was busy elsewhere.`,
    LAG_BUCKETS_SECONDS,
  );
  started.set(Math.floor((Date.now() - performance.now()) / 1_000));
  registry.onCollect(() => {
    const usage = process.cpuUsage();
    cpu.setTotal((usage.user + usage.system) / 1e6);
    const memory = process.memoryUsage();
    rss.set(memory.rss);
    heap.set(memory.heapUsed);
    if (storagePath !== undefined) storage.set(directoryBytes(storagePath));
  });
  let cancel: CancelTimer = () => undefined;
  const sample = (expectedMs: number) => {
    cancel = clock.setTimer(LAG_SAMPLE_INTERVAL_MS, () => {
      lag.observe(Math.max(0, clock.nowMs() - expectedMs) / 1_000);
      sample(clock.nowMs() + LAG_SAMPLE_INTERVAL_MS);
    });
  };
  sample(clock.nowMs() + LAG_SAMPLE_INTERVAL_MS);
  return () => cancel();
}

/** Sum of file sizes under `path`, one level of subdirectories deep (per-node directories). */
function directoryBytes(path: string, depth = 0): number {
  let bytes = 0;
  try {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const full = join(path, entry.name);
      if (entry.isFile()) bytes += statSync(full).size;
      else if (entry.isDirectory() && depth < 1) bytes += directoryBytes(full, depth + 1);
    }
  } catch (error) {
    // A directory removed between listing and stat (a group compacted away) counts as empty;
    // anything else is a real problem the scrape should show.
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  return bytes;
}
