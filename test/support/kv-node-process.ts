// A test-only node process: the multi-Raft host with the KV state machine, real transport
// and SQLite storage, but no management layer (a fixed set of voters bootstraps groups
// 1..G). A small control server lets tests and benchmarks drive it:
//   POST /put {key, value, group?}  -> {result}      (linearizable write through Raft)
//   GET  /get?key&group             -> {value}       (linearizable read: ReadIndex first)
//   GET  /local?key&group           -> {value}       (this replica's state, no read barrier)
//   GET  /status?group              -> Raft status of the group here
//   POST /bench {count, concurrency, bytes, groups} -> throughput and latency, measured here
//   GET  /probe                     -> the latency probe's marks since the last call (--probe)
//   GET  /metrics                   -> the host's metrics, in Prometheus's text format
// Usage: bun test/support/kv-node-process.ts --id 1 --port P --control C --peers 1=h:p,2=h:p
//        --transport grpc|http --storage DIR [--groups G] [--snapshot-entries N] [--probe]
//        [--tick-ms T] (one Raft tick; 50 by default, the node's default is 100)
// Prints "READY" on stdout once it serves.

import { parseArgs } from "node:util";
import {
  createLogger,
  type GroupId,
  groupId,
  MetricsRegistry,
  type NodeId,
  nodeId,
  RealClock,
  seededRandom,
} from "../../src/lib/index.ts";
import { MultiRaftHost } from "../../src/multiraft/index.ts";
import { createNodeTransport } from "../../src/node/node-transport.ts";
import { DEFAULT_RAFT_CONFIG } from "../../src/raft/index.ts";
import { nodeDirectoryPath, openNodeStorage } from "../../src/storage/index.ts";
import { PeerSenders } from "../../src/transport/index.ts";
import { KvStateMachine, kvCommand } from "./kv-state-machine.ts";
import { LatencyProbe } from "./latency-probe.ts";
import { peerOnlyApi } from "./peer-only-api.ts";
import { TRUSTING_DIRECTORY } from "./trusting-directory.ts";

const { values } = parseArgs({
  options: {
    id: { type: "string" },
    port: { type: "string" },
    control: { type: "string" },
    peers: { type: "string" },
    transport: { type: "string", default: "grpc" },
    storage: { type: "string" },
    groups: { type: "string", default: "1" },
    "snapshot-entries": { type: "string", default: "1000" },
    probe: { type: "boolean", default: false },
    "tick-ms": { type: "string", default: "50" },
  },
});

const self = nodeId(Number(values.id));
const transportKind = values.transport === "http" ? "http" : "grpc";
const peers = new Map<NodeId, string>(
  (values.peers ?? "").split(",").map((item) => {
    const [id, address] = item.split("=");
    return [nodeId(Number(id)), address ?? ""];
  }),
);
const groupCount = Number(values.groups);
const clock = new RealClock();
const logger = createLogger({
  level: "warn",
  format: "text",
  write: (line) => process.stderr.write(`${line}\n`),
});

const probe = values.probe === true ? new LatencyProbe(self) : undefined;
const opened = await openNodeStorage({
  nodeId: self,
  directory: nodeDirectoryPath(values.storage ?? "", self),
});
// The room a node gives its WAL once ready (RaftoralNode); here before any write is timed.
await opened.storage.reserveSpace?.();
const storage = probe === undefined ? opened.storage : probe.storage(opened.storage);
const transport = await createNodeTransport(transportKind, logger, clock);
let host: MultiRaftHost | undefined;
const metrics = new MetricsRegistry();
const senders = new PeerSenders({
  self,
  transport: transport.peers,
  clock,
  logger,
  onUnreachable: (peer) => host?.reportUnreachable(peer),
});
for (const [id, address] of peers) senders.setAddress(id, address);
host = new MultiRaftHost({
  nodeId: self,
  storage,
  peers: probe === undefined ? senders : probe.sink(senders),
  directory: TRUSTING_DIRECTORY,
  clock,
  random: seededRandom(Date.now()),
  logger,
  metrics,
  config: {
    tickIntervalMs: Number(values["tick-ms"]),
    raft: { ...DEFAULT_RAFT_CONFIG, electionTicks: 10, heartbeatTicks: 2 },
    snapshotEntries: Number(values["snapshot-entries"]),
    compactionMarginEntries: 20,
    snapshotBytes: 64 * 1024 * 1024,
    compactionMarginBytes: 8 * 1024 * 1024,
    proposalTimeoutMs: 5_000,
    eventsPerTurnMax: 10_000,
    pendingProposalsMax: 100_000,
    groupsMax: 1_000,
    recentAppliedMax: 10_000,
  },
  onFatal: (error) => {
    logger.error("fatal", { error: error.message });
    process.exit(70);
  },
});
const machines = new Map<GroupId, KvStateMachine>();
const machineFor = (id: GroupId) => {
  const machine = new KvStateMachine();
  machines.set(id, machine);
  return probe === undefined ? machine : probe.machine(id, machine);
};
const restored = await host.restoreGroups(machineFor);
const voters = [...peers.keys()].sort((a, b) => a - b);
for (let g = 1; g <= groupCount; g++) {
  const id = groupId(g);
  if (!restored.includes(id))
    await host.createGroup(id, { mode: "bootstrap", voters }, machineFor(id));
}
host.start();

const raftHost = host;
const api = peerOnlyApi(raftHost, probe);
const [host0, port0] = (peers.get(self) ?? `127.0.0.1:${values.port}`).split(":");
await transport.server.listen(host0 ?? "127.0.0.1", Number(values.port ?? port0), api);

const groupOf = (url: URL) => groupId(Number(url.searchParams.get("group") ?? "1"));

Bun.serve({
  hostname: "127.0.0.1",
  port: Number(values.control),
  idleTimeout: 0,
  async fetch(request) {
    const url = new URL(request.url);
    try {
      if (url.pathname === "/put") {
        const body = (await request.json()) as { key: string; value: string; group?: number };
        const result = await raftHost.propose(
          groupId(body.group ?? 1),
          kvCommand({ op: "put", key: body.key, value: body.value }),
        );
        return Response.json({ result });
      }
      if (url.pathname === "/get") {
        await raftHost.read(groupOf(url));
        return Response.json({
          value: machines.get(groupOf(url))?.data.get(url.searchParams.get("key") ?? "") ?? null,
        });
      }
      if (url.pathname === "/local") {
        return Response.json({
          value: machines.get(groupOf(url))?.data.get(url.searchParams.get("key") ?? "") ?? null,
        });
      }
      if (url.pathname === "/status")
        return Response.json(raftHost.inspect(groupOf(url))?.status() ?? null);
      if (url.pathname === "/bench")
        return Response.json(await bench((await request.json()) as BenchRequest));
      if (url.pathname === "/probe") return Response.json(probe?.take() ?? []);
      if (url.pathname === "/metrics") return new Response(metrics.render());
      return new Response("not found", { status: 404 });
    } catch (error) {
      return Response.json(
        { error: (error as Error).message, code: (error as { code?: string }).code },
        { status: 503 },
      );
    }
  },
});

interface BenchRequest {
  readonly count: number;
  readonly concurrency: number;
  readonly bytes: number;
  readonly groups: number;
  /** The groups to propose to; groups 1 to `groups` when absent. */
  readonly groupIds?: readonly number[];
}

/** Proposes `count` commands with `concurrency` in flight, spread over the groups. */
async function bench(request: BenchRequest) {
  const value = "x".repeat(request.bytes);
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    for (;;) {
      const k = next++;
      if (k >= request.count) return;
      const group = groupId(
        request.groupIds?.[k % request.groupIds.length] ?? 1 + (k % request.groups),
      );
      const begin = performance.now();
      const proposedAt = LatencyProbe.now();
      await raftHost.propose(group, kvCommand({ op: "put", key: `b${k % 100}`, value }));
      latencies.push(performance.now() - begin);
      // With one proposal in flight, the last index applied here is this proposal's.
      const index = probe?.lastApplied.get(group);
      if (probe !== undefined && index !== undefined && request.concurrency === 1) {
        probe.mark("proposed", group, index, undefined, proposedAt);
        probe.mark("resolved", group, index);
      }
    }
  };
  await Promise.all(Array.from({ length: request.concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return {
    proposalsPerSecond: request.count / seconds,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    count: request.count,
  };
}

process.on("SIGTERM", () => process.exit(0));
process.stdout.write("READY\n");
