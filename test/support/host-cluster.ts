// In-process clusters of MultiRaftHosts for tests: memory storage, the memory network and a
// virtual clock, so a test controls time and faults exactly.

import {
  createLogger,
  type GroupId,
  groupId,
  logIndex,
  MetricsRegistry,
  type NodeId,
  nodeId,
  seededRandom,
  term,
  VirtualClock,
} from "../../src/lib/index.ts";
import {
  type HostConfig,
  MultiRaftHost,
  type MultiRaftHostOptions,
  type StateMachine,
} from "../../src/multiraft/index.ts";
import { DEFAULT_RAFT_CONFIG, type RaftMessage } from "../../src/raft/index.ts";
import { type LogStorage, MemoryLogStorage, MemoryLogStore } from "../../src/storage/index.ts";
import { type PeerBatch, PeerSenders, type TransportServer } from "../../src/transport/index.ts";
import { MemoryNetwork } from "../../src/transport/memory/index.ts";
import { KvStateMachine } from "./kv-state-machine.ts";
import { peerOnlyApi } from "./peer-only-api.ts";
import { TRUSTING_DIRECTORY } from "./trusting-directory.ts";

export const TEST_HOST_CONFIG: HostConfig = {
  tickIntervalMs: 10,
  raft: { ...DEFAULT_RAFT_CONFIG, electionTicks: 10, heartbeatTicks: 2 },
  snapshotEntries: 50,
  compactionMarginEntries: 5,
  snapshotBytes: 64 * 1024 * 1024,
  compactionMarginBytes: 8 * 1024 * 1024,
  proposalTimeoutMs: 2_000,
  eventsPerTurnMax: 10_000,
  pendingProposalsMax: 10_000,
  groupsMax: 100,
  recentAppliedMax: 1_000,
};

export interface TestHost {
  readonly id: NodeId;
  host: MultiRaftHost;
  senders: PeerSenders;
  server: TransportServer;
  readonly store: MemoryLogStore;
  readonly machines: Map<GroupId, KvStateMachine>;
  /** The host's metrics, since it last started. */
  metrics: MetricsRegistry;
  fatal: Error | undefined;
}

export class HostCluster {
  readonly clock = new VirtualClock();
  readonly network: MemoryNetwork;
  readonly hosts = new Map<NodeId, TestHost>();
  private readonly random = seededRandom(7);

  constructor(readonly config: HostConfig = TEST_HOST_CONFIG) {
    this.network = new MemoryNetwork(this.clock, this.random.fork("network"));
    this.network.faults = { dropRate: 0, delayMinMs: 1, delayMaxMs: 2 };
  }

  address(id: NodeId): string {
    return `node-${id}:1`;
  }

  /**
   * Starts (or restarts, keeping its store) node `id`; `storage` may wrap its storage, and
   * `options` overrides the host's.
   */
  async startNode(
    id: number,
    storage: (inner: LogStorage) => LogStorage = (inner) => inner,
    options: Partial<MultiRaftHostOptions> = {},
  ): Promise<TestHost> {
    const key = nodeId(id);
    const existing = this.hosts.get(key);
    const store = existing?.store ?? new MemoryLogStore();
    const machines = new Map<GroupId, KvStateMachine>();
    const logger = createLogger({ level: "warn", format: "text", write: () => undefined });
    let host: MultiRaftHost | undefined;
    const senders = new PeerSenders({
      self: key,
      transport: this.network.transport(this.address(key)),
      clock: this.clock,
      logger,
      onUnreachable: (peer) => host?.reportUnreachable(peer),
    });
    const server = this.network.server();
    const testHost: TestHost = {
      id: key,
      host: undefined as never,
      senders,
      server,
      store,
      machines,
      metrics: new MetricsRegistry(),
      fatal: undefined,
    };
    host = new MultiRaftHost({
      nodeId: key,
      storage: storage(new MemoryLogStorage(store)),
      peers: senders,
      directory: TRUSTING_DIRECTORY,
      clock: this.clock,
      random: this.random.fork(`host-${id}-${existing === undefined ? 0 : 1}`),
      logger,
      metrics: testHost.metrics,
      config: this.config,
      onFatal: (error) => {
        testHost.fatal = error;
      },
      ...options,
    });
    testHost.host = host;
    for (const [peerId] of this.hosts) senders.setAddress(peerId, this.address(peerId));
    this.hosts.set(key, testHost);
    for (const other of this.hosts.values()) other.senders.setAddress(key, this.address(key));
    await host.restoreGroups((groupId) => {
      const machine = new KvStateMachine();
      machines.set(groupId, machine);
      return machine;
    });
    await server.listen(`node-${id}`, 1, peerOnlyApi(host));
    host.start();
    return testHost;
  }

  /** Stops node `id` as a crash would: its store keeps only what was written. */
  async crash(id: number): Promise<void> {
    const testHost = this.hosts.get(nodeId(id));
    if (testHost === undefined) return;
    testHost.host.stop();
    testHost.senders.close();
    await testHost.server.close();
  }

  machineFor(id: number, groupId: GroupId): KvStateMachine {
    const testHost = this.hosts.get(nodeId(id));
    let machine = testHost?.machines.get(groupId);
    if (machine === undefined) {
      machine = new KvStateMachine();
      testHost?.machines.set(groupId, machine);
    }
    return machine;
  }

  /** Moves virtual time forward in small steps, letting promises settle in between. */
  async advance(totalMs: number, stepMs = 1): Promise<void> {
    for (let elapsed = 0; elapsed < totalMs; elapsed += stepMs) {
      this.clock.advance(stepMs);
      await flush();
    }
  }

  /** Advances time until `condition` holds; fails after `limitMs`. */
  async until(condition: () => boolean, limitMs = 10_000): Promise<void> {
    for (let elapsed = 0; elapsed < limitMs; elapsed++) {
      if (condition()) return;
      this.clock.advance(1);
      await flush();
    }
    if (!condition()) throw new Error(`condition not reached within ${limitMs} virtual ms`);
  }

  leaderOf(groupId: GroupId): TestHost | undefined {
    for (const testHost of this.hosts.values()) {
      if (testHost.host.inspect(groupId)?.status()?.role === "leader") return testHost;
    }
    return undefined;
  }
}

/** A lone host's options: any of the host's, its virtual clock among them. */
export type LoneHostOptions = Partial<Omit<MultiRaftHostOptions, "clock">> & {
  readonly clock?: VirtualClock;
};

/**
 * One started host, node 1, alone with a virtual clock: memory storage, peers that take
 * nothing, a directory that trusts every node, no log output; `options` overrides any of it.
 */
export function loneHost({ clock = new VirtualClock(), ...options }: LoneHostOptions = {}): {
  host: MultiRaftHost;
  clock: VirtualClock;
} {
  const host = new MultiRaftHost({
    nodeId: nodeId(1),
    storage: new MemoryLogStorage(),
    peers: { send: () => undefined },
    directory: TRUSTING_DIRECTORY,
    clock,
    random: seededRandom(1),
    logger: createLogger({ level: "error", format: "text", write: () => undefined }),
    config: TEST_HOST_CONFIG,
    onFatal: (error) => {
      throw error;
    },
    ...options,
  });
  host.start();
  return { host, clock };
}

/**
 * A lone host (loneHost) on which group 1 was created with `machine`, and `step`: one virtual
 * millisecond and what it lets run. The host is the group's only voter unless `voters` says
 * otherwise.
 */
export async function loneHostWithGroup(
  machine: StateMachine,
  { voters = [nodeId(1)], ...options }: LoneHostOptions & { voters?: NodeId[] } = {},
) {
  const { host, clock } = loneHost(options);
  const step = async () => {
    clock.advance(1);
    await flush();
  };
  const created = settle(host.createGroup(groupId(1), { mode: "bootstrap", voters }, machine));
  while (!created.done) await step();
  return { host, clock, step };
}

/** Lets every queued promise callback and immediate run. */
export async function flush(): Promise<void> {
  for (let k = 0; k < 3; k++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * Three nodes (or `size`), each hosting `groups` (every group on all of them), once each group
 * has a leader.
 */
export async function clusterWithGroups(
  groups: readonly GroupId[],
  { config = TEST_HOST_CONFIG, size = 3 }: { config?: HostConfig; size?: number } = {},
): Promise<HostCluster> {
  const cluster = new HostCluster(config);
  const ids = Array.from({ length: size }, (_, k) => k + 1);
  const voters = ids.map(nodeId);
  for (const id of ids) await cluster.startNode(id);
  for (const id of ids) {
    for (const group of groups) {
      const creating = cluster.hosts
        .get(nodeId(id))
        ?.host.createGroup(group, { mode: "bootstrap", voters }, cluster.machineFor(id, group));
      await cluster.advance(2);
      await creating;
    }
  }
  for (const group of groups) await cluster.until(() => cluster.leaderOf(group) !== undefined);
  return cluster;
}

/** Tracks a promise's settlement for tests that drive virtual time by hand. */
export function settle<T>(promise: Promise<T>): { value?: T; error?: Error; done: boolean } {
  const state: { value?: T; error?: Error; done: boolean } = { done: false };
  promise.then(
    (value) => Object.assign(state, { value, done: true }),
    (error: Error) => Object.assign(state, { error, done: true }),
  );
  return state;
}

/** Creates `group` on `host` as a joining replica and runs the turns that follow. */
export async function joinReplica(
  host: MultiRaftHost,
  clock: VirtualClock,
  group: GroupId,
): Promise<void> {
  const created = host.createGroup(group, { mode: "join" }, new KvStateMachine());
  for (let k = 0; k < 3; k++) {
    clock.advance(1);
    await flush();
  }
  await created;
}

/** A peer batch carrying `message` for `group`, from its sender to its receiver. */
export function raftBatch(group: GroupId, message: RaftMessage): PeerBatch {
  return {
    from: message.from,
    to: message.to,
    messages: [{ type: "raft", groupId: group, message }],
  };
}

/** Node 2's heartbeat to node 1 as the leader of term 3. */
export const HEARTBEAT_2_TO_1: RaftMessage = {
  type: "Heartbeat",
  from: nodeId(2),
  to: nodeId(1),
  term: term(3),
  leaderCommit: logIndex(0),
  readContext: "",
};
