// One simulated node running one Raft group the way the production host does: each turn
// drains the inbox, ticks, collects a Ready, sends a leader's replication traffic, persists
// the Ready (taking simulated disk time), then sends the rest, applies and advances. A crash
// loses the inbox, the turn in progress and unsynced writes; a restart loads the synced disk.

import { assert, logIndex, type NodeId, type Random, type Term } from "../../src/lib/index.ts";
import {
  DEFAULT_RAFT_CONFIG,
  EMPTY_CONF_STATE,
  type Entry,
  leavesBeforePersist,
  type RaftConfig,
  type RaftInitialState,
  type RaftMessage,
  type RaftMutations,
  RawNode,
  type Ready,
  type Snapshot,
} from "../../src/raft/index.ts";
import { decodeCommand, encodeCommand, type KvCommand, type KvResult, KvStore } from "./kv.ts";
import { type DiskImage, SimDisk } from "./sim-disk.ts";

/** How a node reports client-visible outcomes and checker events to the simulation. */
export interface SimNodeEnvironment {
  now(): number;
  schedule(delay: number, run: () => void): void;
  send(message: RaftMessage): void;
  /** Called after each committed entry (command, no-op or ConfChange) was applied. */
  onEntryApplied(node: SimNode, entry: Entry): void;
  onSnapshotRestored(node: SimNode, snapshot: Snapshot): void;
  onPersisted(node: SimNode, ready: Ready): void;
  onMessageSent(node: SimNode, message: RaftMessage): void;
  /** Called after advance(): the node's status reflects the entries just applied. */
  onTurnFinished(node: SimNode): void;
}

export type ClientCallback = (
  outcome: { ok: true; result: KvResult } | { ok: false; definite: boolean },
) => void;

interface PendingProposal {
  readonly index: number;
  readonly term: Term;
  readonly callback: ClientCallback;
}

interface PendingRead {
  readonly key: string;
  readonly callback: ClientCallback;
  index: number | undefined;
}

export interface SimNodeOptions {
  readonly id: NodeId;
  readonly random: Random;
  readonly config: Partial<Omit<RaftConfig, "id">>;
  readonly mutations: RaftMutations;
  readonly diskLatency: () => number;
  readonly snapshotEvery: number;
  readonly compactionMargin: number;
  /** Planted host bug: send messages before the Ready is persisted. */
  readonly sendBeforePersist: boolean;
  /** Planted host bug: serve reads from local state without ReadIndex (stale reads). */
  readonly serveReadsLocally: boolean;
}

export class SimNode {
  readonly id: NodeId;
  raw: RawNode | undefined;
  readonly disk: SimDisk;
  kv = new KvStore();
  isAlive = false;
  /** Increments on every crash, so events scheduled before a crash are ignored after it. */
  incarnation = 0;
  private inbox: RaftMessage[] = [];
  private proposals: { command: KvCommand; callback: ClientCallback }[] = [];
  private reads: { key: string; callback: ClientCallback }[] = [];
  private ticksDue = 0;
  private isBusy = false;
  private isTurnScheduled = false;
  private pending: PendingProposal[] = [];
  private pendingReads = new Map<string, PendingRead>();
  private readCounter = 0;
  private lastSnapshotIndex = 0;

  constructor(
    private readonly options: SimNodeOptions,
    private readonly env: SimNodeEnvironment,
    initial: DiskImage,
  ) {
    this.id = options.id;
    this.disk = new SimDisk(initial);
  }

  start(): void {
    assert(!this.isAlive, `node ${this.id} started twice`);
    const image = this.disk.synced;
    const snapshot = image.snapshot;
    const snapshotIndex = snapshot?.metadata.index ?? 0;
    const initial: RaftInitialState = {
      hardState: image.hardState,
      confState: snapshot?.metadata.confState ?? EMPTY_CONF_STATE,
      log: {
        ...(snapshot === undefined ? {} : { snapshot }),
        entries: image.entries.filter((entry) => entry.index > snapshotIndex),
        commit: logIndex(Math.max(image.hardState.commit, snapshotIndex)),
      },
    };
    this.kv = new KvStore();
    if (snapshot !== undefined) this.kv.restore(snapshot.data);
    this.lastSnapshotIndex = snapshotIndex;
    this.raw = new RawNode({
      config: { ...DEFAULT_RAFT_CONFIG, ...this.options.config, id: this.id },
      random: this.options.random.fork(`incarnation-${this.incarnation}`),
      initial,
      mutations: this.options.mutations,
    });
    this.isAlive = true;
    this.scheduleTurn();
  }

  crash(): void {
    this.isAlive = false;
    this.incarnation++;
    this.raw = undefined;
    this.inbox = [];
    this.ticksDue = 0;
    this.isBusy = false;
    this.isTurnScheduled = false;
    this.disk.crash();
    for (const proposal of this.proposals) proposal.callback({ ok: false, definite: true });
    for (const proposal of this.pending) proposal.callback({ ok: false, definite: false });
    for (const read of [...this.reads, ...this.pendingReads.values()]) {
      read.callback({ ok: false, definite: true });
    }
    this.proposals = [];
    this.pending = [];
    this.reads = [];
    this.pendingReads.clear();
  }

  receive(message: RaftMessage): void {
    if (!this.isAlive) return;
    this.inbox.push(message);
    this.scheduleTurn();
  }

  tick(): void {
    if (!this.isAlive) return;
    this.ticksDue++;
    this.scheduleTurn();
  }

  submit(command: KvCommand, callback: ClientCallback): void {
    if (!this.isAlive) {
      callback({ ok: false, definite: true });
      return;
    }
    this.proposals.push({ command, callback });
    this.scheduleTurn();
  }

  /** A linearizable read through ReadIndex (thesis 6.4), served locally once applied. */
  read(key: string, callback: ClientCallback): void {
    if (!this.isAlive) {
      callback({ ok: false, definite: true });
      return;
    }
    if (this.options.serveReadsLocally) {
      callback({ ok: true, result: this.kv.read(key) });
      return;
    }
    this.reads.push({ key, callback });
    this.scheduleTurn();
  }

  private scheduleTurn(): void {
    if (this.isTurnScheduled || this.isBusy || !this.isAlive) return;
    this.isTurnScheduled = true;
    const incarnation = this.incarnation;
    this.env.schedule(0, () => {
      if (incarnation !== this.incarnation) return;
      this.isTurnScheduled = false;
      this.turn();
    });
  }

  private turn(): void {
    const raw = this.raw;
    if (raw === undefined || this.isBusy) return;
    for (const message of this.inbox.splice(0)) raw.step(message);
    for (; this.ticksDue > 0; this.ticksDue--) raw.tick();
    this.startProposals(raw);
    this.startReads(raw);
    if (!raw.hasReady()) return;
    const ready = raw.ready();
    // As the production host: a leader's replication traffic leaves while its write is in
    // flight (thesis 10.2.1), everything else once the write is done.
    const early = this.options.sendBeforePersist
      ? ready.messages
      : ready.messages.filter((message) => leavesBeforePersist(ready, message));
    this.sendAll(early);
    const late = ready.messages.filter((message) => !early.includes(message));
    const hasWrites =
      ready.hardState !== undefined || ready.entries.length > 0 || ready.snapshot !== undefined;
    this.isBusy = true;
    const incarnation = this.incarnation;
    this.env.schedule(hasWrites ? this.options.diskLatency() : 0, () => {
      if (incarnation !== this.incarnation) return;
      this.finishTurn(raw, ready, late);
    });
  }

  private startProposals(raw: RawNode): void {
    for (const { command, callback } of this.proposals.splice(0)) {
      const result = raw.propose(encodeCommand(command));
      if (result.accepted) this.pending.push({ index: result.index, term: result.term, callback });
      else callback({ ok: false, definite: true });
    }
  }

  private startReads(raw: RawNode): void {
    for (const { key, callback } of this.reads.splice(0)) {
      const context = `${this.id}:${this.incarnation}:${this.readCounter++}`;
      if (raw.readIndex(context).accepted) {
        this.pendingReads.set(context, { key, callback, index: undefined });
      } else {
        callback({ ok: false, definite: true });
      }
    }
  }

  private finishTurn(raw: RawNode, ready: Ready, late: readonly RaftMessage[]): void {
    this.disk.write({
      ...(ready.hardState === undefined ? {} : { hardState: ready.hardState }),
      ...(ready.snapshot === undefined ? {} : { snapshot: ready.snapshot, replaceLog: true }),
      entries: ready.entries,
      mustSync: ready.mustSync,
    });
    this.env.onPersisted(this, ready);
    this.sendAll(late);
    if (ready.snapshot !== undefined) this.restoreSnapshot(ready.snapshot);
    for (const entry of ready.committedEntries) this.applyEntry(entry);
    for (const state of ready.readStates) {
      const read = this.pendingReads.get(state.context);
      if (read !== undefined) read.index = state.index;
    }
    raw.advance(ready);
    this.serveReads(raw);
    this.maybeSnapshot(raw);
    this.isBusy = false;
    this.env.onTurnFinished(this);
    if (raw.hasReady() || this.inbox.length > 0 || this.ticksDue > 0) this.scheduleTurn();
  }

  private sendAll(messages: readonly RaftMessage[]): void {
    for (const message of messages) {
      this.env.onMessageSent(this, message);
      this.env.send(message);
    }
  }

  private restoreSnapshot(snapshot: Snapshot): void {
    this.kv.restore(snapshot.data);
    this.lastSnapshotIndex = snapshot.metadata.index;
    // Proposals the snapshot covers may or may not have committed: their fate is unknown.
    this.pending = this.pending.filter((proposal) => {
      if (proposal.index > snapshot.metadata.index) return true;
      proposal.callback({ ok: false, definite: false });
      return false;
    });
    this.env.onSnapshotRestored(this, snapshot);
  }

  private applyEntry(entry: Entry): void {
    let result: KvResult = null;
    if (entry.type === "normal" && entry.data.byteLength > 0) {
      result = this.kv.apply(decodeCommand(entry.data));
    }
    this.env.onEntryApplied(this, entry);
    this.pending = this.pending.filter((proposal) => {
      if (proposal.index !== entry.index) return true;
      // Only the entry we proposed (same term) carries our command; anything else at that
      // index means ours can never commit.
      if (proposal.term === entry.term) proposal.callback({ ok: true, result });
      else proposal.callback({ ok: false, definite: true });
      return false;
    });
  }

  private serveReads(raw: RawNode): void {
    const applied = raw.status().applied;
    for (const [context, read] of this.pendingReads) {
      if (read.index === undefined || read.index > applied) continue;
      this.pendingReads.delete(context);
      read.callback({ ok: true, result: this.kv.read(read.key) });
    }
  }

  private maybeSnapshot(raw: RawNode): void {
    const { applied } = raw.status();
    if (applied - this.lastSnapshotIndex < this.options.snapshotEvery) return;
    const snapshot = raw.createSnapshot(this.kv.snapshot());
    const compactIndex = logIndex(Math.max(0, applied - this.options.compactionMargin));
    this.disk.write({ snapshot, entries: [], mustSync: false });
    // Keep a margin of entries before the snapshot for slow followers.
    raw.compact(compactIndex);
    this.disk.compact(compactIndex);
    this.disk.sync();
    this.lastSnapshotIndex = applied;
  }

  /** Drops reads that waited too long (their ReadIndex round was lost with a leader). */
  expireReads(): void {
    for (const [context, read] of this.pendingReads) {
      this.pendingReads.delete(context);
      read.callback({ ok: false, definite: true });
    }
  }
}
