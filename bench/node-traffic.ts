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

/**
 * Every sample the node at `address` (host:port) serves at GET /metrics, by its name and labels
 * as printed (`name{label="value"}`).
 */
export async function nodeSamples(address: string): Promise<Map<string, number>> {
  const response = await fetch(`http://${address}/metrics`);
  if (!response.ok) throw new Error(`GET /metrics of ${address}: HTTP ${response.status}`);
  const samples = new Map<string, number>();
  for (const line of (await response.text()).split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const cut = line.lastIndexOf(" ");
    samples.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return samples;
}

/** The totals of the nodes serving GET /metrics at `addresses` (host:port each). */
export async function readTraffic(addresses: readonly string[]): Promise<TrafficTotals> {
  let peerMessages = 0;
  let syncWrites = 0;
  let fastSyncWrites = 0;
  let writes = 0;
  for (const address of addresses) {
    for (const [sample, value] of await nodeSamples(address)) {
      if (sample.startsWith(PEER_MESSAGES)) peerMessages += value;
      else if (sample === FAST_SYNC_WRITES) fastSyncWrites += value;
      else if (sample.startsWith(WRITES)) {
        writes += value;
        if (sample.includes('sync="true"')) syncWrites += value;
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
