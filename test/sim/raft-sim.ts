// Deterministic simulation of one Raft group: N nodes over a faulty network and faulty
// disks, driven by one seed. A fault phase (drops, delays, duplicates, partitions, crashes
// losing unsynced writes, membership changes, snapshots) is followed by a liveness phase
// (heal everything) that must make progress within a budget. Checkers run throughout.

import { type NodeId, nodeId, type Random, seededRandom, term } from "../../src/lib/index.ts";
import {
  type ConfChange,
  type ConfChangeSingle,
  type ConfState,
  type Entry,
  encodeConfChange,
  type RaftMessage,
  type RaftMutations,
  type RaftStatus,
} from "../../src/raft/index.ts";
import { EventQueue } from "./event-queue.ts";
import { RaftChecker, SimulationFailure } from "./raft-checker.ts";
import { type HistoryOp, SimClient } from "./sim-clients.ts";
import { type DiskImage, emptyImage } from "./sim-disk.ts";
import { PERFECT_NETWORK, SimNetwork } from "./sim-network.ts";
import { SimNode, type SimNodeEnvironment } from "./sim-node.ts";
import { describeParams, drawParams, type SimParams } from "./sim-params.ts";

export const TICK = 10;

export interface SimOptions {
  readonly seed: number;
  readonly faultTicks?: number;
  readonly livenessTicks?: number;
  readonly mutations?: RaftMutations;
  readonly sendBeforePersist?: boolean;
  readonly serveReadsLocally?: boolean;
  readonly params?: Partial<SimParams>;
}

export interface SimReport {
  readonly seed: number;
  readonly params: string;
  readonly events: number;
  readonly messagesSent: number;
  readonly messagesDropped: number;
  readonly crashes: number;
  readonly confChanges: number;
  readonly snapshotsInstalled: number;
  readonly history: readonly HistoryOp[];
  readonly livenessTicks: number;
  readonly checks: number;
}

export class RaftSimulation implements SimNodeEnvironment {
  readonly params: SimParams;
  private readonly queue = new EventQueue();
  private nowTime = 0;
  private readonly random: Random;
  private readonly nemesis: Random;
  readonly nodes = new Map<NodeId, SimNode>();
  /** Nodes the simulation treats as members; removed ones are stopped. */
  private readonly members = new Set<NodeId>();
  readonly checker = new RaftChecker();
  private readonly network: SimNetwork;
  readonly history: HistoryOp[] = [];
  private isFaultPhase = true;
  private isClientsRunning = true;
  private events = 0;
  private crashes = 0;
  private confChanges = 0;
  private snapshotsInstalled = 0;

  constructor(private readonly options: SimOptions) {
    this.random = seededRandom(options.seed);
    this.params = { ...drawParams(this.random.fork("params")), ...options.params };
    this.nemesis = this.random.fork("nemesis");
    this.network = new SimNetwork(this.random.fork("network"), (message, delay) =>
      this.schedule(delay, () => this.nodes.get(message.to)?.receive(message)),
    );
    this.network.faults = {
      dropRate: this.params.dropRate,
      duplicateRate: this.params.duplicateRate,
      delayMin: 1,
      delayMax: this.params.delayMax,
    };
    this.createNodes();
  }

  // ---- environment for nodes -------------------------------------------------------------

  now(): number {
    return this.nowTime;
  }

  schedule(delay: number, run: () => void): void {
    this.queue.schedule(this.nowTime + delay, run);
  }

  send(message: RaftMessage): void {
    this.network.send(message);
  }

  onEntryApplied(node: SimNode, entry: Entry): void {
    this.checker.onApplied(node.id, entry, node.kv.digest(), this.termOf(node));
  }

  onTurnFinished(node: SimNode): void {
    const status = node.raw?.status();
    // A deposed leader that has not heard of it yet judges from a stale configuration.
    if (status?.role !== "leader" || this.leader() !== node) return;
    // Like the management layer: once a leader that stays a voter applied a change, removed
    // nodes stop. A leader that removed itself first hands leadership to a remaining voter.
    const { voters, votersOutgoing } = status.appliedConfState;
    if (!voters.includes(node.id) && !votersOutgoing.includes(node.id)) return;
    // A node added by a change the leader has not applied yet is not removed either.
    const inConfig = new Set([
      ...membersOf(status.appliedConfState),
      ...membersOf(status.confState),
    ]);
    for (const id of [...this.members]) {
      if (inConfig.has(id)) continue;
      this.members.delete(id);
      this.nodes.get(id)?.crash();
    }
  }

  onSnapshotRestored(
    node: SimNode,
    snapshot: Parameters<SimNodeEnvironment["onSnapshotRestored"]>[1],
  ): void {
    this.snapshotsInstalled++;
    this.checker.onSnapshotRestored(node.id, snapshot, node.kv.digest());
  }

  onPersisted(node: SimNode, ready: Parameters<SimNodeEnvironment["onPersisted"]>[1]): void {
    if (ready.softState?.role === "leader") this.checker.observeLeader(node.id, this.termOf(node));
    this.checker.onPersisted(node.id, ready, node.disk);
  }

  onMessageSent(node: SimNode, message: RaftMessage): void {
    this.checker.onMessageSent(node.id, message, node.disk);
  }

  private termOf(node: SimNode): number {
    return node.raw?.status().term ?? 0;
  }

  // ---- setup -----------------------------------------------------------------------------

  private createNodes(): void {
    const { voters, learners, spares } = this.params;
    const initial = bootstrapImage(voters, learners);
    const total = voters + learners + spares;
    for (let k = 1; k <= total; k++) {
      const id = nodeId(k);
      const isMember = k <= voters + learners;
      const node = new SimNode(
        {
          id,
          random: this.random.fork(`node-${k}`),
          config: {
            electionTicks: 10,
            heartbeatTicks: 2,
            preVote: this.params.preVote,
            checkQuorum: this.params.checkQuorum,
            snapshotChunkBytes: this.params.snapshotChunkBytes,
            appendBytesMax: 4096,
            inflightAppendsMax: 16,
            committedEntriesPerReadyMax: this.params.committedEntriesPerReadyMax,
          },
          mutations: this.options.mutations ?? {},
          diskLatency: () => this.nemesis.int(0, this.params.diskLatencyMax + 1),
          snapshotEvery: this.params.snapshotEvery,
          compactionMargin: this.params.compactionMargin,
          sendBeforePersist: this.options.sendBeforePersist ?? false,
          serveReadsLocally: this.options.serveReadsLocally ?? false,
        },
        this,
        isMember ? initial : emptyImage(),
      );
      this.nodes.set(id, node);
      if (isMember) {
        this.members.add(id);
        this.startNode(node);
      }
      this.scheduleTicks(node);
    }
  }

  private startNode(node: SimNode): void {
    node.start();
    this.checker.onRestart(node.id, node.disk.synced.snapshot?.metadata.index ?? 0);
  }

  private scheduleTicks(node: SimNode): void {
    const skew = this.params.clockSkew;
    const period = TICK + (skew === 0 ? 0 : this.random.int(-skew, skew + 1));
    const loop = () => {
      node.tick();
      this.schedule(period, loop);
    };
    this.schedule(this.random.int(1, period + 1), loop);
  }

  // ---- run -------------------------------------------------------------------------------

  run(): SimReport {
    const faultTicks = this.options.faultTicks ?? 300;
    const livenessBudget = this.options.livenessTicks ?? 400;
    for (let k = 0; k < this.params.clients; k++) {
      const client = new SimClient(
        k,
        this.random.fork(`client-${k}`),
        {
          now: () => this.nowTime,
          schedule: (delay, run) => this.schedule(delay, run),
          targets: () => [...this.members].map((id) => this.nodes.get(id) as SimNode),
          isRunning: () => this.isClientsRunning,
        },
        this.history,
        30 * TICK,
      );
      client.start();
    }
    this.scheduleNemesis();
    this.runUntil(faultTicks * TICK);
    this.isFaultPhase = false;
    this.heal();
    const livenessTicks = this.awaitLiveness(livenessBudget);
    this.isClientsRunning = false;
    this.checker.checkLogMatching(this.liveDisks());
    return {
      seed: this.options.seed,
      params: describeParams(this.params),
      events: this.events,
      messagesSent: this.network.sent,
      messagesDropped: this.network.dropped,
      crashes: this.crashes,
      confChanges: this.confChanges,
      snapshotsInstalled: this.snapshotsInstalled,
      history: this.history,
      livenessTicks,
      checks: this.checker.checks,
    };
  }

  private runUntil(time: number, stop: () => boolean = () => false): boolean {
    for (;;) {
      const next = this.queue.peekTime();
      if (next === undefined || next > time) {
        this.nowTime = time;
        return false;
      }
      const event = this.queue.pop();
      if (event === undefined) return false;
      this.nowTime = event.time;
      event.run();
      this.events++;
      if (this.events % 500 === 0) this.checker.checkLogMatching(this.liveDisks());
      if (stop()) return true;
    }
  }

  private liveDisks(): Map<NodeId, SimNode["disk"]> {
    const disks = new Map<NodeId, SimNode["disk"]>();
    for (const [id, node] of this.nodes) if (node.isAlive) disks.set(id, node.disk);
    return disks;
  }

  // ---- faults ----------------------------------------------------------------------------

  private scheduleNemesis(): void {
    const loop = () => {
      if (!this.isFaultPhase) return;
      this.nemesisStep();
      this.schedule(TICK, loop);
    };
    this.schedule(TICK, loop);
  }

  private nemesisStep(): void {
    const random = this.nemesis;
    const members = [...this.members].map((id) => this.nodes.get(id) as SimNode);
    if (random.chance(this.params.crashRate)) {
      const live = members.filter((node) => node.isAlive);
      if (live.length > 0) {
        const victim = random.pick(live);
        victim.crash();
        this.crashes++;
        this.schedule(random.int(5, 60) * TICK, () => {
          if (this.members.has(victim.id) && !victim.isAlive) this.startNode(victim);
        });
      }
    }
    if (random.chance(this.params.partitionRate))
      this.partitionRandomly(members.map((node) => node.id));
    if (random.chance(this.params.confChangeRate)) this.changeMembership();
  }

  private partitionRandomly(ids: NodeId[]): void {
    const random = this.nemesis;
    const kind = random.int(0, 3);
    if (kind === 0) {
      const side = ids.filter(() => random.chance(0.5));
      this.network.partition(
        side,
        ids.filter((id) => !side.includes(id)),
      );
    } else if (kind === 1) {
      for (let k = 0; k < ids.length; k++) {
        this.network.cutOneWay(random.pick(ids), random.pick(ids));
      }
    } else {
      // Isolate whoever leads right now.
      const leader = this.leader();
      if (leader !== undefined)
        this.network.partition(
          [leader.id],
          ids.filter((id) => id !== leader.id),
        );
    }
    this.schedule(random.int(10, 150) * TICK, () => this.network.heal());
  }

  private leader(): SimNode | undefined {
    let best: SimNode | undefined;
    let bestTerm = -1;
    for (const node of this.nodes.values()) {
      const status = node.raw?.status();
      if (status?.role === "leader" && status.term > bestTerm) {
        best = node;
        bestTerm = status.term;
      }
    }
    return best;
  }

  private changeMembership(): void {
    const leader = this.leader();
    const status = leader?.raw?.status();
    if (leader?.raw === undefined || status === undefined) return;
    const change = pickConfChange(this.nemesis, status, [...this.nodes.keys()]);
    if (change === undefined) return;
    const result = leader.raw.proposeConfChange(change);
    if (!result.accepted) return;
    this.confChanges++;
    for (const single of change.changes) {
      if (single.type === "removeNode" || this.members.has(single.nodeId)) continue;
      this.members.add(single.nodeId);
      const node = this.nodes.get(single.nodeId);
      if (node !== undefined && !node.isAlive) this.startNode(node);
    }
  }

  // ---- liveness ----------------------------------------------------------------------------

  private heal(): void {
    this.network.heal();
    this.network.faults = PERFECT_NETWORK;
    for (const id of this.members) {
      const node = this.nodes.get(id) as SimNode;
      if (!node.isAlive) this.startNode(node);
    }
  }

  /** After healing, a new command must commit and be applied by every member in time. */
  private awaitLiveness(budgetTicks: number): number {
    const start = this.nowTime;
    const deadline = start + budgetTicks * TICK;
    let target: number | undefined;
    let isProbeInFlight = false;
    const probe = () => {
      if (target !== undefined || isProbeInFlight || this.nowTime >= deadline) return;
      const leader = this.leader();
      if (leader === undefined) {
        this.schedule(TICK, probe);
        return;
      }
      isProbeInFlight = true;
      leader.submit(
        { op: "put", key: "liveness", value: `${this.options.seed}`, opId: "probe" },
        (outcome) => {
          isProbeInFlight = false;
          if (outcome.ok) target = leader.raw?.status().commit;
          else this.schedule(TICK, probe);
        },
      );
    };
    probe();
    const isLive = () =>
      target !== undefined &&
      [...this.members].every((id) => {
        const status = this.nodes.get(id)?.raw?.status();
        return status !== undefined && status.applied >= (target as number);
      });
    if (!this.runUntil(deadline, isLive)) {
      const states = [...this.nodes.values()]
        .map((node) => `${node.id}:${node.isAlive ? JSON.stringify(node.raw?.status()) : "down"}`)
        .join("\n  ");
      throw new SimulationFailure(
        `no progress within ${budgetTicks} ticks after healing (members ${[...this.members]})\n  ${states}`,
      );
    }
    return Math.ceil((this.nowTime - start) / TICK);
  }
}

function membersOf(confState: ConfState): Set<NodeId> {
  return new Set([
    ...confState.voters,
    ...confState.learners,
    ...confState.votersOutgoing,
    ...confState.learnersNext,
  ]);
}

/** A random membership change that is valid for `status`'s configuration. */
function pickConfChange(random: Random, status: RaftStatus, all: NodeId[]): ConfChange | undefined {
  const { confState } = status;
  if (confState.votersOutgoing.length > 0) {
    if (confState.autoLeave) return undefined;
    return { transition: "auto", changes: [], context: new Uint8Array() };
  }
  const members = membersOf(confState);
  const outsiders = all.filter((id) => !members.has(id));
  const options: ConfChangeSingle[] = [];
  for (const id of outsiders) options.push({ type: "addLearner", nodeId: id });
  for (const id of confState.learners) {
    options.push({ type: "addVoter", nodeId: id }, { type: "removeNode", nodeId: id });
  }
  if (confState.voters.length > 1) {
    for (const id of confState.voters) {
      options.push({ type: "removeNode", nodeId: id }, { type: "addLearner", nodeId: id });
    }
  }
  if (options.length === 0) return undefined;
  const first = random.pick(options);
  if (random.chance(0.3)) {
    // A joint change of two nodes (thesis 4.3).
    const second = random.pick(options);
    const changes = second.nodeId === first.nodeId ? [first] : [first, second];
    const voterCount = confState.voters.filter(
      (id) => !changes.some((change) => change.nodeId === id && change.type !== "addVoter"),
    ).length;
    if (voterCount === 0) return undefined;
    return {
      transition: random.chance(0.5) ? "joint" : "jointExplicit",
      changes,
      context: new Uint8Array(),
    };
  }
  return { transition: "auto", changes: [first], context: new Uint8Array() };
}

/** The disk of a new group: members as committed ConfChange entries (like bootstrapState). */
function bootstrapImage(voters: number, learners: number): DiskImage {
  const changes: ConfChangeSingle[] = [];
  for (let k = 1; k <= voters; k++) changes.push({ type: "addVoter", nodeId: nodeId(k) });
  for (let k = voters + 1; k <= voters + learners; k++) {
    changes.push({ type: "addLearner", nodeId: nodeId(k) });
  }
  const entries: Entry[] = changes.map((change, k) => ({
    term: term(1),
    index: k + 1,
    type: "confChange",
    data: encodeConfChange({ transition: "auto", changes: [change], context: new Uint8Array() }),
  })) as Entry[];
  const image = emptyImage();
  image.hardState = { ...image.hardState, term: term(1), commit: entries.length as never };
  image.entries = entries;
  return image;
}
