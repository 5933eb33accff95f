// In-process clusters whose nodes run execution group 1 with the workflow state machine and
// runtime on MultiRaftHosts: memory storage, the memory network, one virtual clock. Like
// host-cluster.ts, but each (re)started node gets a fresh WorkflowStateMachine restored from
// its own storage, and a WorkflowRuntime that resumes its executions.

import {
  createLogger,
  type GroupId,
  groupId,
  type Logger,
  type NodeId,
  nodeId,
  type Random,
  seededRandom,
  VirtualClock,
} from "../../src/lib/index.ts";
import { MultiRaftHost } from "../../src/multiraft/index.ts";
import { MemoryLogStorage, MemoryLogStore } from "../../src/storage/index.ts";
import { PeerSenders, type TransportServer } from "../../src/transport/index.ts";
import { MemoryNetwork } from "../../src/transport/memory/index.ts";
import {
  type WorkflowProposer,
  WorkflowQueries,
  type WorkflowRegistry,
  WorkflowRuntime,
  type WorkflowStateConfig,
  WorkflowStateMachine,
} from "../../src/workflow/index.ts";
import { TEST_HOST_CONFIG } from "./host-cluster.ts";
import { peerOnlyApi } from "./peer-only-api.ts";
import { TRUSTING_DIRECTORY } from "./trusting-directory.ts";
import { WALL_ORIGIN_MS } from "./workflow-local-group.ts";

export const G1: GroupId = groupId(1);

export interface WorkflowNode {
  readonly id: NodeId;
  readonly store: MemoryLogStore;
  host: MultiRaftHost;
  senders: PeerSenders;
  server: TransportServer;
  stateMachine: WorkflowStateMachine;
  runtime: WorkflowRuntime;
  queries: WorkflowQueries;
  isUp: boolean;
  /** Virtual time of the last crash (or 0). */
  downSinceMs: number;
  incarnation: number;
  fatal: Error | undefined;
}

export interface WorkflowClusterOptions {
  readonly size: number;
  /** Each node's registry (a test may give one node different code). */
  readonly registry: (id: NodeId) => WorkflowRegistry;
  readonly seed: number;
  readonly stateConfig?: WorkflowStateConfig;
  /** Called with every new state machine (checkers subscribe here). */
  readonly onStateMachine?: (node: NodeId, stateMachine: WorkflowStateMachine) => void;
  /** Wall-clock skew per node, in ms (ctx.now() must stay monotonic despite it). */
  readonly skewMsMax?: number;
}

export class WorkflowCluster {
  readonly clock = new VirtualClock();
  readonly network: MemoryNetwork;
  readonly nodes = new Map<NodeId, WorkflowNode>();
  readonly warnings: string[] = [];
  readonly random: Random;
  private readonly options: WorkflowClusterOptions;
  private readonly voters: NodeId[];

  constructor(options: WorkflowClusterOptions) {
    this.options = options;
    this.random = seededRandom(options.seed);
    this.network = new MemoryNetwork(this.clock, this.random.fork("network"));
    this.network.faults = { dropRate: 0, delayMinMs: 1, delayMaxMs: 3 };
    this.voters = Array.from({ length: options.size }, (_, k) => nodeId(k + 1));
  }

  async startAll(): Promise<void> {
    for (const id of this.voters) await this.startNode(id);
    await this.until(() => this.leader() !== undefined);
  }

  ids(): NodeId[] {
    return [...this.voters];
  }

  node(id: NodeId): WorkflowNode {
    const node = this.nodes.get(id);
    if (node === undefined) throw new Error(`no node ${id}`);
    return node;
  }

  upNodes(): WorkflowNode[] {
    return [...this.nodes.values()].filter((node) => node.isUp);
  }

  /** Starts (or restarts, keeping its store) node `id`. */
  async startNode(id: NodeId): Promise<WorkflowNode> {
    const existing = this.nodes.get(id);
    const incarnation = (existing?.incarnation ?? 0) + 1;
    const store = existing?.store ?? new MemoryLogStore();
    const logger = createLogger({
      level: "warn",
      format: "text",
      write: (line) => this.warnings.push(`node ${id}: ${line}`),
    });
    const random = this.random.fork(`node-${id}-${incarnation}`);
    const node = {
      id,
      store,
      isUp: true,
      downSinceMs: 0,
      incarnation,
      fatal: undefined,
    } as WorkflowNode;
    this.connect(node, logger, random);
    node.stateMachine = new WorkflowStateMachine({
      registry: this.options.registry(id),
      ...(this.options.stateConfig === undefined ? {} : { config: this.options.stateConfig }),
    });
    this.options.onStateMachine?.(id, node.stateMachine);
    this.nodes.set(id, node);
    for (const peer of this.voters) node.senders.setAddress(peer, address(peer));
    for (const other of this.nodes.values()) other.senders.setAddress(id, address(id));
    const restored = await node.host.restoreGroups(() => node.stateMachine);
    await node.server.listen(`node-${id}`, 1, peerOnlyApi(node.host));
    node.host.start();
    if (!restored.includes(G1)) {
      const creating = node.host.createGroup(
        G1,
        { mode: "bootstrap", voters: this.voters },
        node.stateMachine,
      );
      await this.advance(1);
      await creating;
    }
    const skewMs = random.int(0, (this.options.skewMsMax ?? 0) + 1);
    node.runtime = new WorkflowRuntime({
      nodeId: id,
      stateMachine: node.stateMachine,
      proposer: proposerFor(node.host),
      clock: this.clock,
      wallClockMs: () => WALL_ORIGIN_MS + this.clock.nowMs() - skewMs,
      random: random.fork("runtime"),
      logger,
      onFatal: (error) => {
        node.fatal = error;
      },
    });
    node.queries = new WorkflowQueries(node.stateMachine, this.clock);
    node.runtime.open();
    return node;
  }

  /** Gives `node` its transport halves and its Raft host. */
  private connect(node: WorkflowNode, logger: Logger, random: Random): void {
    const { id } = node;
    node.senders = new PeerSenders({
      self: id,
      transport: this.network.transport(address(id)),
      clock: this.clock,
      logger,
      onUnreachable: (peer) => node.host.reportUnreachable(peer),
    });
    node.server = this.network.server();
    node.host = new MultiRaftHost({
      nodeId: id,
      storage: new MemoryLogStorage(node.store),
      peers: node.senders,
      directory: TRUSTING_DIRECTORY,
      clock: this.clock,
      random: random.fork("host"),
      logger,
      config: TEST_HOST_CONFIG,
      onFatal: (error) => {
        node.fatal = error;
      },
    });
  }

  /** Stops node `id` as a crash would: what its store holds survives, nothing else. */
  async crash(id: NodeId): Promise<void> {
    const node = this.node(id);
    if (!node.isUp) return;
    node.isUp = false;
    node.downSinceMs = this.clock.nowMs();
    node.runtime.close();
    node.queries.close();
    node.host.stop();
    node.senders.close();
    await node.server.close();
  }

  /** Cuts node `id` off from every other node (both ways) until heal(). */
  isolate(id: NodeId): void {
    const others = this.voters.filter((peer) => peer !== id).map(address);
    this.network.partition([address(id)], others);
  }

  heal(): void {
    this.network.heal();
  }

  leader(): WorkflowNode | undefined {
    return this.upNodes().find((node) => node.host.inspect(G1)?.status().role === "leader");
  }

  /** Moves virtual time forward 1 ms at a time, letting promises settle in between. */
  async advance(totalMs: number): Promise<void> {
    for (let elapsed = 0; elapsed < totalMs; elapsed++) {
      this.clock.advance(1);
      await flush();
    }
  }

  async until(condition: () => boolean, limitMs = 10_000): Promise<void> {
    for (let elapsed = 0; elapsed < limitMs; elapsed++) {
      if (condition()) return;
      this.clock.advance(1);
      await flush();
    }
    if (!condition()) throw new Error(`condition not reached within ${limitMs} virtual ms`);
  }
}

function address(id: NodeId): string {
  return `node-${id}:1`;
}

function proposerFor(host: MultiRaftHost): WorkflowProposer {
  return {
    propose: (bytes) => host.propose(G1, bytes, { timeoutMs: 1_000 }),
    proposeChained: (first, then) => host.proposeChained(G1, first, then, { timeoutMs: 1_000 }),
    barrier: () => host.read(G1, { timeoutMs: 1_000 }),
  };
}

async function flush(): Promise<void> {
  for (let k = 0; k < 3; k++) await new Promise<void>((resolve) => setImmediate(resolve));
}
