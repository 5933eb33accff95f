// What the nodes count of their own work, read from each node's GET /metrics: the messages
// they took from their peers and the storage writes they made (with fsync, and all of them),
// and how many of those with fsync took over 2.5 ms: a latency tail is either the disk's (a
// write that takes milliseconds) or the CPU's (a process not running), and this tells which.
// Summed over the nodes and divided by the workflows run, these count the protocol's work per
// workflow, which, unlike time and CPU, the machine's load does not move: a change that sends
// or writes more (or less) per workflow shows here in one run.

export interface TrafficTotals {
  readonly peerMessages: number;
  readonly syncWrites: number;
  readonly slowSyncWrites: number;
  readonly writes: number;
}

const PEER_MESSAGES = "raftoral_peer_received_messages_total";
const WRITES = "raftoral_storage_persist_seconds_count";
/** The histogram's bucket of durable writes that took at most 2.5 ms. */
const FAST_SYNC_WRITES = 'raftoral_storage_persist_seconds_bucket{sync="true",le="0.0025"}';

/** The totals of the nodes serving GET /metrics at `addresses` (host:port each). */
export async function readTraffic(addresses: readonly string[]): Promise<TrafficTotals> {
  let peerMessages = 0;
  let syncWrites = 0;
  let fastSyncWrites = 0;
  let writes = 0;
  for (const address of addresses) {
    const response = await fetch(`http://${address}/metrics`);
    if (!response.ok) throw new Error(`GET /metrics of ${address}: HTTP ${response.status}`);
    for (const line of (await response.text()).split("\n")) {
      const value = Number(line.slice(line.lastIndexOf(" ") + 1));
      if (line.startsWith(PEER_MESSAGES)) peerMessages += value;
      else if (line.startsWith(FAST_SYNC_WRITES)) fastSyncWrites += value;
      else if (line.startsWith(WRITES)) {
        writes += value;
        if (line.includes('sync="true"')) syncWrites += value;
      }
    }
  }
  return { peerMessages, syncWrites, slowSyncWrites: syncWrites - fastSyncWrites, writes };
}

/** The JSON fields of a bench line: what `runs` workflows took between two readings. */
export function trafficPerWorkflow(
  before: TrafficTotals,
  after: TrafficTotals,
  runs: number,
): Record<string, number> {
  const per = (key: keyof TrafficTotals) => Number(((after[key] - before[key]) / runs).toFixed(2));
  return {
    peerMessagesPerWorkflow: per("peerMessages"),
    syncWritesPerWorkflow: per("syncWrites"),
    writesPerWorkflow: per("writes"),
    syncWritesOver2_5msShare: Number(
      (
        (after.slowSyncWrites - before.slowSyncWrites) /
        Math.max(1, after.syncWrites - before.syncWrites)
      ).toFixed(4),
    ),
  };
}
