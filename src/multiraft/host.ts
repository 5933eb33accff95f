// The multi-Raft host: every Raft group of this node (management group 0 and execution
// groups 1+) driven by ONE event loop. Transport handlers and API calls only queue events;
// each turn then (1) handles the queued events, (2) ticks the groups that are due,
// (3) collects every group's Ready, (4) persists all of them in one storage write,
// (5) sends, batched per peer, (6) applies, advances and answers waiting callers.
// Work is event driven: a message or proposal starts a turn at once, ticks only drive timeouts.

import { type GroupId, MetricsRegistry, type NodeId, toError } from "../lib/index.ts";
import {
  bootstrapState,
  type ConfChange,
  encodeConfChange,
  type RaftInitialState,
  type Ready,
} from "../raft/index.ts";
import type { PeerBatch } from "../transport/index.ts";
import { BatchRouter } from "./batch-router.ts";
import { DeferredCommits } from "./deferred-commits.ts";
import {
  groupRemovedUnder,
  overloaded,
  type ProposalError,
  shuttingDown,
  stoppedUnder,
  stoppedUnsettled,
  unknownGroup,
} from "./errors.ts";
import { handOverAfterFailure } from "./failure-handover.ts";
import { type ForcedRecovery, forceSoleVoter } from "./forced-recovery.ts";
import { ForwardingDesk } from "./forwarding-desk.ts";
import { GroupChanges } from "./group-changes.ts";
import { GroupRegistry } from "./group-registry.ts";
import { validateHostConfig } from "./host-config.ts";
import { dropEvent, type HostEvent } from "./host-events.ts";
import { HostInbox } from "./host-inbox.ts";
import { HostLoop } from "./host-loop.ts";
import { HostMetrics } from "./host-metrics.ts";
import type { GroupInspector, MultiRaftHostOptions, ProposeOptions } from "./host-options.ts";
import type { HostedGroup } from "./hosted-group.ts";
import { LifecycleWrites } from "./lifecycle-writes.ts";
import { joiningState, loadGroupState } from "./load-group.ts";
import { Outbox, sortMessages } from "./outbox.ts";
import { PeerHearing } from "./peer-hearing.ts";
import { newPendingRead } from "./pending.ts";
import { ProposalIntake } from "./proposal-intake.ts";
import { ReadDesk } from "./read-desk.ts";
import type { GroupStart, StateMachine } from "./state-machine.ts";
import { collectReadies, collectWrites, mustAwaitWrites, mustSyncWrites } from "./turn-work.ts";

export class MultiRaftHost {
  readonly nodeId: NodeId;
  private readonly options: MultiRaftHostOptions;
  private readonly groups: GroupRegistry;
  private readonly inbox = new HostInbox();
  private readonly desk: ForwardingDesk;
  private readonly intake: ProposalIntake;
  private readonly reads: ReadDesk;
  private readonly loop: HostLoop;
  private isStopped = false;
  private readonly lifecycleWrites = new LifecycleWrites();
  private readonly deferredCommits = new DeferredCommits();
  private readonly outbox = new Outbox();
  readonly hearing = new PeerHearing();
  private readonly router: BatchRouter;
  /** Distinguishes this process's proposal ids from those of earlier runs of this node. */
  private readonly incarnation: number;
  private readonly changes = new GroupChanges();
  private readonly metrics: HostMetrics;

  constructor(options: MultiRaftHostOptions) {
    validateHostConfig(options.config);
    this.options = options;
    this.nodeId = options.nodeId;
    this.incarnation = options.random.nextU32();
    this.metrics = new HostMetrics(options.metrics ?? new MetricsRegistry());
    this.loop = new HostLoop({
      clock: options.clock,
      tickIntervalMs: options.config.tickIntervalMs,
      logger: options.logger,
      turn: () => this.metrics.timedTurn(() => this.runTurn()),
      fail: (error) => this.fail(error),
    });
    const electionTimeoutMs = options.config.raft.electionTicks * options.config.tickIntervalMs;
    // A ReadIndex lost with a leader change is asked again after two election timeouts.
    this.reads = new ReadDesk(options.nodeId, options.clock, 2 * electionTimeoutMs);
    this.groups = new GroupRegistry({
      ...options,
      origin: {
        nodeId: options.nodeId,
        incarnation: this.incarnation,
        onApplied: (proposalId, outcome) => this.desk.settleApplied(proposalId, outcome),
      },
    });
    this.desk = new ForwardingDesk({
      ...options,
      self: options.nodeId,
      incarnation: this.incarnation,
      retryIntervalMs: 2 * electionTimeoutMs,
      send: (peer, message) => {
        if (message.type === "forward") this.metrics.proposalForwarded(message.groupId);
        this.outbox.add(peer, message);
      },
    });
    this.intake = new ProposalIntake({
      ...options,
      desk: this.desk,
      metrics: this.metrics,
      isStopped: () => this.isStopped,
      enqueue: (proposal) => this.enqueue({ type: "propose", proposal }),
    });
    this.router = new BatchRouter({
      ...options,
      self: options.nodeId,
      groups: this.groups,
      desk: this.desk,
      reply: (peer, message) => this.outbox.add(peer, message),
      onHeard: (batch, hearsUs) => {
        this.hearing.heard(batch.from, options.clock.nowMs(), hearsUs);
        options.onPeerHeard?.(batch.from);
        this.metrics.received(batch.from, batch);
        if (batch.fromAddress !== undefined) options.onPeerAddress?.(batch.from, batch.fromAddress);
      },
    });
  }

  /** Starts ticking. Groups may be added before or after. */
  start(): void {
    this.loop.start();
  }

  /** Stops the loop and fails every waiting caller with `failure` (see stoppedUnder). */
  stop(failure: (groupId: GroupId, wasSent: boolean) => ProposalError = stoppedUnder): void {
    if (this.isStopped) return;
    this.isStopped = true;
    this.loop.stop();
    for (const group of this.groups.values()) this.failWaiters(group, failure);
    this.desk.failAll((proposal) => failure(proposal.groupId, proposal.wasSent));
    for (const event of this.inbox.takeAll()) dropEvent(event);
  }

  /** Loads the stored groups that `isWanted` (all by default); also after start(). */
  async restoreGroups(
    stateMachineFor: (groupId: GroupId, stored: RaftInitialState) => StateMachine,
    isWanted: (groupId: GroupId) => boolean = () => true,
  ): Promise<GroupId[]> {
    const ids = (await this.options.storage.listGroups()).filter(isWanted);
    for (const id of ids) {
      const initial = await loadGroupState(this.options.storage, id);
      if (initial === undefined) continue;
      const group = this.installGroup(id, initial, stateMachineFor(id, initial));
      const { snapshot } = initial.log;
      if (snapshot === undefined) continue;
      group.restore(snapshot.data);
      this.metrics.snapshotLoaded(id, snapshot);
    }
    return ids;
  }

  /**
   * Creates a group here: "bootstrap" writes its first configuration (as every initial member
   * does), "join" waits for the leader's log; resolves once it is hosted.
   */
  async createGroup(
    groupId: GroupId,
    start: GroupStart,
    stateMachine: StateMachine,
  ): Promise<void> {
    if (this.groups.size() >= this.options.config.groupsMax) throw overloaded(groupId);
    // A bootstrap is queued in this very call (callers may count on it); a join reads storage.
    const initial =
      start.mode === "bootstrap"
        ? bootstrapState(start.voters)
        : await joiningState(this.options.storage, groupId);
    return new Promise((resolve, reject) => {
      this.enqueue({
        type: "create",
        groupId,
        initial,
        isNew: start.mode === "bootstrap",
        stateMachine,
        done: (error) => (error === undefined ? resolve() : reject(error)),
      });
    });
  }

  /** Removes a group and its stored state from this node. */
  removeGroup(groupId: GroupId): Promise<void> {
    return new Promise((resolve) => this.enqueue({ type: "remove", groupId, done: resolve }));
  }

  hasGroup(groupId: GroupId): boolean {
    return this.groups.has(groupId);
  }

  groupIds(): GroupId[] {
    return this.groups.ids();
  }

  /** Read-only view of a hosted group's Raft state, for observers and reconcilers. */
  inspect(groupId: GroupId): GroupInspector | undefined {
    return this.groups.get(groupId)?.raw;
  }

  /**
   * Calls `listener` after a turn in which a hosted group's role or known leader changed, it
   * applied a membership change, or it was created, so that nothing need poll. Returns the
   * unsubscribe function.
   */
  onGroupChanged(listener: (groupId: GroupId) => void): () => void {
    return this.changes.subscribe(listener);
  }

  /** Starts an election in the group now (a sole member need not wait for a timeout). */
  campaign(groupId: GroupId): void {
    this.enqueue({ type: "campaign", groupId });
  }

  /**
   * Inbound traffic from a peer (called by the transport server). Never blocks; throws
   * RESOURCE_EXHAUSTED while the inbox is full (see HostInbox), which the sender hears.
   */
  receive(batch: PeerBatch): void {
    if (this.isStopped) return;
    this.inbox.pushBatch(batch);
    this.loop.wake();
  }

  /** A delivery to `peer` failed: stop streaming to it until it answers again. */
  reportUnreachable(peer: NodeId): void {
    this.enqueue({ type: "unreachable", peer });
  }

  /**
   * Proposes a command to a group and resolves with the state machine's result once this
   * node applied it, wherever the leader is. Rejects with a ProposalError: NO_LEADER (never
   * got into the log), PROPOSAL_DROPPED (replaced in the log; safe to retry), TIMEOUT (outcome
   * unknown), UNKNOWN_GROUP, RESOURCE_EXHAUSTED, SHUTTING_DOWN; or with the command's ApplyError.
   */
  propose(groupId: GroupId, command: Uint8Array, options: ProposeOptions = {}): Promise<unknown> {
    return this.intake.submit(groupId, "normal", command, options).answer;
  }

  /**
   * Proposes `first`, and `then` behind it when this node leads: `then` goes into the log
   * only after `first`, by this leader in the same term, and is never sent alone. Where it
   * cannot follow (this node does not lead, `first` was refused) it rejects with
   * PROPOSAL_DROPPED or RESOURCE_EXHAUSTED; after a leader change with TIMEOUT (it may still
   * be applied). The caller then proposes it again by itself. `first` is an ordinary proposal.
   */
  proposeChained(
    groupId: GroupId,
    first: Uint8Array,
    then: Uint8Array,
    options: ProposeOptions = {},
  ): readonly [Promise<unknown>, Promise<unknown>] {
    return this.intake.chained(groupId, first, then, options);
  }

  /** Proposes a membership change; resolves once it is applied on this node. */
  proposeConfChange(
    groupId: GroupId,
    change: ConfChange,
    options: ProposeOptions = {},
  ): Promise<unknown> {
    return this.intake.submit(groupId, "confChange", encodeConfChange(change), options).answer;
  }

  /** Resolves once this node has applied everything committed before the call (thesis 6.4). */
  read(groupId: GroupId, options: ProposeOptions = {}): Promise<void> {
    if (this.isStopped) return Promise.reject(shuttingDown(groupId));
    return new Promise((resolve, reject) => {
      const read = newPendingRead({
        groupId,
        deadlineMs: this.intake.deadline(options),
        resolve,
        reject,
      });
      this.enqueue({ type: "read", read });
    });
  }

  /**
   * Operator recovery of a group that lost its majority for good (RawNode.forceSoleVoter):
   * this replica becomes the group's only voter and leader, keeping and committing its whole
   * log. Rejects with FAILED_PRECONDITION when the replica cannot (it leads already, is no
   * member), UNKNOWN_GROUP when not hosted here.
   */
  forceSoleVoter(groupId: GroupId): Promise<ForcedRecovery> {
    return new Promise((resolve, reject) => {
      this.enqueue({
        type: "forceSoleVoter",
        groupId,
        done: (outcome) => (outcome instanceof Error ? reject(outcome) : resolve(outcome)),
      });
    });
  }

  /** Asks the group's leader to hand leadership to `to` (thesis 3.10). */
  transferLeadership(groupId: GroupId, to: NodeId): void {
    this.enqueue({ type: "transfer", groupId, to });
  }

  private enqueue(event: HostEvent): void {
    if (this.isStopped) dropEvent(event);
    else {
      this.inbox.push(event);
      this.loop.wake();
    }
  }

  /** One turn (see the file's header), run by the HostLoop. */
  private async runTurn(): Promise<void> {
    if (this.isStopped || !this.loop.beginTurn()) return;
    try {
      this.handleEvents();
      this.tickGroups();
      const work = collectReadies(this.groups.values(), this.desk, this.reads);
      const lifecycle = this.lifecycleWrites.take();
      const hasLifecycle = lifecycle.length > 0;
      const collected = collectWrites(this.groups.values(), work, lifecycle);
      const isSync = mustSyncWrites(work, collected);
      const writes = this.deferredCommits.take(collected, isSync, hasLifecycle);
      // Thesis 10.2.1: a leader's appends may leave while its own write is in flight; it only
      // counts itself for commitment from state a later turn sees persisted. Without a write
      // nothing waits: every message to a peer leaves in one batch.
      const early = writes.length > 0 ? new Outbox() : this.outbox;
      for (const { group, ready } of work)
        sortMessages(group.id, ready, { early, late: this.outbox });
      early.flush(this.options.peers);
      if (writes.length > 0) {
        const written = this.metrics.timedPersist(this.options.storage, writes, isSync);
        if (mustAwaitWrites(writes, isSync, hasLifecycle)) await written;
        else written.catch((error: unknown) => this.fail(toError(error)));
      }
      if (this.isStopped) return;
      this.outbox.flush(this.options.peers);
      for (const { group, ready } of work) {
        if (this.applyAndAdvance(group, ready)) this.changes.add(group.id);
      }
    } finally {
      this.loop.endTurn();
    }
    // Outside the turn: a listener may well call back into the host.
    if (!this.isStopped) this.changes.notify();
    if (this.hasMoreWork()) this.loop.wake();
  }

  /** True when observers should look at the group again (see HostedGroup.afterAdvance). */
  private applyAndAdvance(group: HostedGroup, ready: Ready): boolean {
    group.apply(ready);
    group.raw.advance(ready);
    const isChanged = group.afterAdvance(ready);
    if (ready.snapshot !== undefined) this.metrics.snapshotInstalled(group.id, ready.snapshot);
    if (ready.softState !== undefined && ready.softState.leaderId !== 0) {
      if (group.noteLeaderTerm()) this.metrics.leaderChanged(group.id);
      // A new leader: commands in flight may have been lost with the old one.
      this.desk.retryWaiting(group);
      this.desk.resendInFlight(group);
    }
    if (group.isSnapshotDue()) this.metrics.timedSnapshot(group.id, () => group.takeSnapshot());
    return isChanged;
  }

  private hasMoreWork(): boolean {
    const { inbox, lifecycleWrites, deferredCommits } = this;
    if (inbox.length > 0 || lifecycleWrites.size > 0 || deferredCommits.isHolding) return true;
    for (const group of this.groups.values()) if (group.raw.hasReady()) return true;
    return false;
  }

  private tickGroups(): void {
    const due = this.loop.takeTicks();
    if (due === 0) return;
    this.groups.tick(due);
    // An idle node writes nothing, so only this tells it that its storage is gone.
    this.options.storage.checkFile?.();
    this.desk.resendOverdue((id) => this.groups.get(id));
    this.expireWaiters();
  }

  private handleEvents(): void {
    const events = this.inbox.take(this.options.config.eventsPerTurnMax);
    for (const event of events) {
      switch (event.type) {
        case "batch":
          this.router.route(event.batch);
          break;
        case "propose": {
          const group = this.groups.get(event.proposal.groupId);
          if (group === undefined) event.proposal.reject(unknownGroup(event.proposal.groupId));
          else this.desk.propose(group, event.proposal);
          break;
        }
        case "read": {
          const group = this.groups.get(event.read.groupId);
          if (group === undefined) event.read.reject(unknownGroup(event.read.groupId));
          else group.readsToSend.push(event.read);
          break;
        }
        case "transfer":
          this.groups.get(event.groupId)?.raw.transferLeader(event.to);
          break;
        case "campaign":
          this.groups.get(event.groupId)?.raw.campaign();
          break;
        case "unreachable":
          for (const group of this.groups.values()) group.raw.reportUnreachable(event.peer);
          break;
        case "create":
          this.handleCreate(event);
          break;
        case "remove":
          this.handleRemove(event.groupId);
          event.done();
          break;
        case "forceSoleVoter": {
          const { groupId } = event;
          const options = { self: this.nodeId, logger: this.options.logger };
          event.done(forceSoleVoter(groupId, this.groups.get(groupId), options));
          break;
        }
      }
    }
  }

  private handleCreate(event: Extract<HostEvent, { type: "create" }>): void {
    if (this.groups.has(event.groupId)) {
      event.done();
      return;
    }
    if (event.isNew) this.lifecycleWrites.created(event.groupId, event.initial);
    const initial = event.isNew
      ? event.initial
      : this.groups.joinState(event.groupId, event.initial);
    this.installGroup(event.groupId, initial, event.stateMachine);
    this.options.logger.info("Hosting group", {
      group: event.groupId,
      mode: event.isNew ? "bootstrap" : "join",
    });
    event.done();
    this.changes.add(event.groupId);
  }

  private installGroup(id: GroupId, initial: RaftInitialState, machine: StateMachine): HostedGroup {
    const group = this.groups.install(id, initial, machine);
    // A full inbox refuses them as it would any peer's batch; the leader sends more soon.
    for (const batch of this.router.takeEarly(id)) {
      if (!this.inbox.refuses(batch)) this.inbox.pushBatch(batch);
    }
    this.loop.wake();
    return group;
  }

  private handleRemove(groupId: GroupId): void {
    const group = this.groups.get(groupId);
    if (group === undefined) return;
    const tombstone = this.groups.delete(group);
    this.failWaiters(group, groupRemovedUnder);
    this.lifecycleWrites.removed(groupId, tombstone);
    this.options.logger.info("Removed group", { group: groupId });
  }

  private failWaiters(group: HostedGroup, errorFor: (id: GroupId, wasSent: boolean) => Error) {
    group.failWaiters((wasSent) => errorFor(group.id, wasSent));
    this.desk.failGroup(group.id, (wasSent) => errorFor(group.id, wasSent));
  }

  private expireWaiters(): void {
    const now = this.options.clock.nowMs();
    this.desk.expire(now);
    for (const group of this.groups.values()) this.reads.expire(group, now);
  }

  /** Stops for good: nothing is stepped, persisted, sent or answered any more. */
  private fail(error: Error): void {
    if (this.isStopped) return;
    const { logger, peers } = this.options;
    logger.error("The Raft host stopped after a fatal error", { error: error.message });
    handOverAfterFailure({ error, self: this.nodeId, groups: this.groups.values(), peers, logger });
    this.stop(stoppedUnsettled);
    this.options.onFatal(error);
  }
}
