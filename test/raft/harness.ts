// A tiny deterministic host for Raft tests: nodes with in-memory "disks", a network that
// delivers messages in order until quiet, and filters to drop or isolate. Scenario and
// paper tests use it; the fault-injecting simulator lives in test/sim/.

import { logIndex, type NodeId, nodeId, seededRandom } from "../../src/lib/index.ts";
import {
  bootstrapState,
  DEFAULT_RAFT_CONFIG,
  type Entry,
  emptyState,
  type HardState,
  type RaftConfig,
  type RaftInitialState,
  type RaftMessage,
  type RaftMutations,
  RawNode,
  type ReadState,
  type Ready,
  type Snapshot,
} from "../../src/raft/index.ts";

export const ids = (...values: number[]): NodeId[] => values.map(nodeId);

/** What a node persisted: the state a restart would load. */
export interface Disk {
  hardState: HardState;
  snapshot: Snapshot | undefined;
  entries: Entry[];
}

export interface TestNodeOptions {
  readonly config?: Partial<Omit<RaftConfig, "id">>;
  readonly seed?: number;
  readonly mutations?: RaftMutations;
}

/** A RawNode plus the host duties: persist, apply, advance. */
export class TestNode {
  raw: RawNode;
  readonly disk: Disk;
  readonly applied: Entry[] = [];
  readonly readStates: ReadState[] = [];
  readonly readies: Ready[] = [];

  constructor(
    readonly id: NodeId,
    initial: RaftInitialState,
    private readonly options: TestNodeOptions = {},
  ) {
    this.disk = {
      hardState: initial.hardState,
      snapshot: initial.log.snapshot,
      entries: [...initial.log.entries],
    };
    this.raw = this.start(initial);
  }

  private start(initial: RaftInitialState): RawNode {
    return new RawNode({
      config: { ...DEFAULT_RAFT_CONFIG, ...this.options.config, id: this.id },
      random: seededRandom(this.options.seed ?? this.id).fork(`node-${this.id}`),
      initial,
      ...(this.options.mutations === undefined ? {} : { mutations: this.options.mutations }),
    });
  }

  /** Processes every Ready; returns the messages to send. */
  process(): RaftMessage[] {
    const messages: RaftMessage[] = [];
    while (this.raw.hasReady()) {
      const ready = this.raw.ready();
      this.readies.push(ready);
      this.persist(ready);
      messages.push(...ready.messages);
      if (ready.snapshot !== undefined) this.applied.length = 0;
      this.applied.push(...ready.committedEntries);
      this.readStates.push(...ready.readStates);
      this.raw.advance(ready);
    }
    return messages;
  }

  private persist(ready: Ready): void {
    if (ready.hardState !== undefined) this.disk.hardState = ready.hardState;
    if (ready.snapshot !== undefined) {
      this.disk.snapshot = ready.snapshot;
      this.disk.entries = [];
    }
    const first = ready.entries[0];
    if (first !== undefined) {
      this.disk.entries = this.disk.entries.filter((entry) => entry.index < first.index);
      this.disk.entries.push(...ready.entries);
    }
  }

  /** Simulates a crash and restart from the disk. */
  restart(): void {
    const snapshot = this.disk.snapshot;
    const snapshotIndex = snapshot?.metadata.index ?? 0;
    const entries = this.disk.entries.filter((entry) => entry.index > snapshotIndex);
    this.raw = this.start({
      hardState: this.disk.hardState,
      confState: snapshot?.metadata.confState ?? emptyState().confState,
      log: {
        ...(snapshot === undefined ? {} : { snapshot }),
        entries,
        commit: logIndex(Math.max(this.disk.hardState.commit, snapshotIndex)),
      },
    });
    this.applied.length = 0;
  }
}

type Filter = (message: RaftMessage) => boolean;

/** Nodes wired together; deliver() runs until no message is left. */
export class TestNetwork {
  readonly nodes = new Map<NodeId, TestNode>();
  private filters: Filter[] = [];
  readonly delivered: RaftMessage[] = [];

  static bootstrap(voters: number[], options: TestNodeOptions = {}): TestNetwork {
    const network = new TestNetwork();
    for (const id of ids(...voters)) {
      network.nodes.set(id, new TestNode(id, bootstrapState(ids(...voters)), options));
    }
    network.deliver([]);
    return network;
  }

  node(id: number): TestNode {
    const found = this.nodes.get(nodeId(id));
    if (found === undefined) throw new Error(`no node ${id}`);
    return found;
  }

  addEmptyNode(id: number, options: TestNodeOptions = {}): TestNode {
    const node = new TestNode(nodeId(id), emptyState(), options);
    this.nodes.set(nodeId(id), node);
    return node;
  }

  /** Drops every message for which `filter` returns true, until heal(). */
  drop(filter: Filter): void {
    this.filters.push(filter);
  }

  isolate(id: number): void {
    this.drop((message) => message.from === id || message.to === id);
  }

  cut(a: number, b: number): void {
    this.drop(
      (message) =>
        (message.from === a && message.to === b) || (message.from === b && message.to === a),
    );
  }

  heal(): void {
    this.filters = [];
  }

  /** Delivers `messages` and everything they cause, in FIFO order. */
  deliver(messages: RaftMessage[]): void {
    const queue = [...messages];
    for (const node of this.nodes.values()) queue.push(...node.process());
    for (let steps = 0; queue.length > 0; steps++) {
      if (steps > 1_000_000) throw new Error("network: messages never quiesce");
      const message = queue.shift() as RaftMessage;
      if (this.filters.some((filter) => filter(message))) continue;
      const target = this.nodes.get(message.to);
      if (target === undefined) continue;
      this.delivered.push(message);
      target.raw.step(message);
      queue.push(...target.process());
    }
  }

  /** Ticks every node once and delivers the consequences. */
  tick(times = 1): void {
    for (let i = 0; i < times; i++) {
      for (const node of this.nodes.values()) node.raw.tick();
      this.deliver([]);
    }
  }

  /** Makes `id` campaign and delivers the election. */
  campaign(id: number): void {
    this.node(id).raw.campaign();
    this.deliver([]);
  }

  leaders(): NodeId[] {
    return [...this.nodes.values()]
      .filter((node) => node.raw.status().role === "leader")
      .map((node) => node.id);
  }

  /** Proposes `text` on node `id` and delivers. */
  propose(id: number, text: string) {
    const result = this.node(id).raw.propose(new TextEncoder().encode(text));
    this.deliver([]);
    return result;
  }
}

/** The application payloads a node applied, decoded, skipping no-ops and conf changes. */
export function appliedTexts(node: TestNode): string[] {
  return node.applied
    .filter((entry) => entry.type === "normal" && entry.data.byteLength > 0)
    .map((entry) => new TextDecoder().decode(entry.data));
}
