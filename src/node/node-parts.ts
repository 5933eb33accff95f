// Everything a node runs once it knows its id, built in dependency order: the management
// machine and its directory, the peer senders, the multi-Raft host, the leader watch, the
// workflow engine, health, the API and the management runtime; none is bound late.

import { type ExecutionLayer, NodeService } from "../api/index.ts";
import {
  type Clock,
  type GroupId,
  type Logger,
  MANAGEMENT_GROUP,
  type MetricsRegistry,
  type NodeId,
  RaftoralError,
} from "../lib/index.ts";
import { isCountedOn, ManagementMachine } from "../management/index.ts";
import { MultiRaftHost } from "../multiraft/index.ts";
import type { LogStorage } from "../storage/index.ts";
import { PeerSenders } from "../transport/index.ts";
import type { WorkflowRegistry } from "../workflow/index.ts";
import { catchingUp, catchingUpGroups, groupsNotHeardFrom } from "./catching-up.ts";
import {
  type FounderDeps,
  type Founding,
  finishBootstrap,
  proposeBootstrap,
} from "./founder-bootstrap.ts";
import { checkFounderNotSplit } from "./founder-split.ts";
import { localGroupHealth } from "./group-health.ts";
import { recoverGroups } from "./group-recovery.ts";
import { LeaderWatch } from "./leader-watch.ts";
import { handOver } from "./leadership-handover.ts";
import { type ClusterLeave, nodeLeave } from "./leave-cluster.ts";
import { LostWatch } from "./lost-watch.ts";
import { ManagementDirectory } from "./management-directory.ts";
import { stopOnManagementLogLost } from "./management-log-lost.ts";
import { ManagementRuntime } from "./management-runtime.ts";
import type { NodeEnvironment } from "./node-environment.ts";
import { NodeHealth } from "./node-health.ts";
import { collectNodeMetrics } from "./node-metrics.ts";
import { callLimitsOf, hostConfigOf, joinTimingOf, type NodeTuning } from "./node-options.ts";
import { probeNodes } from "./node-probe.ts";
import type { NodeTransport } from "./node-transport.ts";
import type { PeerClients } from "./peer-clients.ts";
import {
  localViewOf,
  type ReadinessInputs,
  servingReadiness,
  startupReadiness,
} from "./readiness.ts";
import { registrantCheck } from "./registrant-address.ts";
import { Rejoin } from "./rejoin.ts";
import { SeenAddresses } from "./seen-addresses.ts";
import { campaignIfSoleVoter } from "./sole-voter.ts";
import { checkInStorage } from "./storage-check-in.ts";
import { WorkflowExecution } from "./workflow-execution.ts";
import { WorkflowMetrics } from "./workflow-metrics.ts";

export interface NodePartsOptions {
  readonly id: NodeId;
  readonly address: string;
  /** Names this process when it registers (see RegisterRequest.instanceId). */
  readonly instance: string;
  readonly storage: LogStorage;
  readonly transport: NodeTransport;
  readonly env: NodeEnvironment;
  readonly peerClients: PeerClients;
  readonly tuning: NodeTuning;
  readonly logger: Logger;
  readonly registry: WorkflowRegistry;
  /** Where the node's metrics go; the node serves them at /metrics. */
  readonly metrics: MetricsRegistry;
  /** Replaces the workflow engine (tests of cluster formation use one without workflows). */
  readonly execution: ExecutionLayer | undefined;
  /** --peers, for registering again after a removal. */
  readonly peers: readonly string[];
  /** The host or a workflow run hit an error it cannot continue after. */
  readonly onFatal: (error: Error) => void;
  /** A leave asked through the API finished: the node should stop soon. */
  readonly onLeft: () => Promise<void>;
}

export class NodeParts {
  readonly id: NodeId;
  readonly machine = new ManagementMachine();
  readonly directory: ManagementDirectory;
  readonly senders: PeerSenders;
  readonly host: MultiRaftHost;
  readonly leaderWatch: LeaderWatch;
  private readonly lostWatch: LostWatch;
  readonly execution: ExecutionLayer;
  readonly health: NodeHealth;
  readonly service: NodeService;
  readonly runtime: ManagementRuntime;
  private readonly clock: Clock;
  /** Set once the runtime runs (see run()); until then the node reports `startingStep`. */
  private isRunning = false;
  private startingStep = "starting";
  /** Set once a leave began: a node on its way out never registers again. */
  private leaving: ClusterLeave | undefined;
  /** While it resumes, it tells each peer it learns of that it is back, not at their next send. */
  private isAnnouncing = false;
  /** Where to register again when every member this node knows is gone. */
  private readonly addressesSeen: SeenAddresses;
  /** Registering again after a removal, one registration at a time. */
  private readonly rejoin: Rejoin;

  constructor(private readonly options: NodePartsOptions) {
    const { id, env, tuning, logger } = options;
    this.id = id;
    this.clock = env.clock;
    this.addressesSeen = new SeenAddresses(options.address, options.peers);
    this.rejoin = this.createRejoin();
    this.directory = new ManagementDirectory(() => this.machine.state());
    let host: MultiRaftHost | undefined;
    this.senders = new PeerSenders({
      ...{ self: id, selfAddress: options.address, clock: this.clock, logger },
      clusterId: () => this.machine.state().clusterId,
      transport: options.transport.peers,
      ...(env.peerClocks === undefined ? {} : { peerClocks: env.peerClocks }),
      onUnreachable: (peer) => host?.reportUnreachable(peer),
    });
    this.host = host = this.createHost();
    this.leaderWatch = this.createLeaderWatch();
    this.lostWatch = new LostWatch({
      ...{ self: id, clock: this.clock, logger, onLost: options.onFatal },
      ...{ onRemoved: () => this.rejoin.run(), state: () => this.machine.state() },
      ...{ transport: options.transport.kind, clients: options.peerClients },
      peers: () => this.addressesSeen.list(),
      isLeaving: () => this.leaving !== undefined,
    });
    this.execution = options.execution ?? this.createExecution();
    this.health = new NodeHealth({
      logger,
      self: () => id,
      isManagementLeader: () => this.host.inspect(MANAGEMENT_GROUP)?.leaderId() === id,
      // Ready only once every part runs (a resuming node waits for its check-in first).
      startup: () =>
        this.isRunning
          ? startupReadiness(this.readinessInputs())
          : { isReady: false, reason: this.startingReason() },
      serving: () => servingReadiness(this.readinessInputs()),
    });
    this.service = this.createService();
    this.runtime = new ManagementRuntime({
      self: id,
      host: this.host,
      machine: this.machine,
      clock: this.clock,
      logger,
      failureTimeoutMs: tuning.failureTimeoutMs,
      reconcileIntervalMs: tuning.reconcileIntervalMs,
      tickIntervalMs: tuning.tickIntervalMs,
      execution: this.execution,
      ownerFailoverMs: tuning.ownerFailoverMs,
      stallMs: tuning.stallMs,
      loadReportIntervalMs: tuning.loadReportIntervalMs,
      rejoin: () => this.rejoin.run(),
      isLeaving: () => this.leaving !== undefined,
      proposalTimeoutMs: tuning.proposalTimeoutMs,
      leaderWatch: this.leaderWatch,
    });
    this.machine.subscribe((state) => {
      for (const node of state.nodes.values()) {
        this.senders.setAddress(node.id, node.address);
        this.addressesSeen.addListed(node.address);
      }
      if (this.isAnnouncing) this.senders.announce();
    });
    collectNodeMetrics(options.metrics, this);
  }

  private createRejoin(): Rejoin {
    const { options } = this;
    return new Rejoin({
      ...{ self: options.id, address: options.address, instance: options.instance },
      ...{ transport: options.transport.kind, clients: options.peerClients },
      ...{ logger: options.logger, callTimeoutMs: options.tuning.peerCallTimeoutMs },
      peers: () => this.addressesSeen.list(),
      clusterId: () => this.machine.state().clusterId,
      workflowFingerprint: () => this.execution.fingerprint(),
      ...{ onLost: options.onFatal, storage: options.storage },
      isLeaving: () => this.leaving !== undefined,
      onHighestNodeId: (highest) => this.directory.vouch(highest),
    });
  }

  private createHost(): MultiRaftHost {
    const { id, env, tuning, logger } = this.options;
    return new MultiRaftHost({
      nodeId: id,
      storage: this.options.storage,
      peers: this.senders,
      directory: this.directory,
      clock: this.clock,
      random: env.random.fork(`host-${id}`),
      logger,
      metrics: this.options.metrics,
      config: hostConfigOf(tuning),
      // Only for peers not known yet: no batch redirects a member, whatever address it claims.
      onPeerAddress: (peer, address) => {
        if (!this.machine.state().nodes.has(peer)) this.senders.setAddress(peer, address);
      },
      onPeerSeenAt: (address) => this.addressesSeen.addHeard(address),
      onPeerHeard: (peer) => this.senders.heardFrom(peer),
      onFatal: this.options.onFatal,
      lostCommitStop: (...lost) => stopOnManagementLogLost(this.directory, ...lost),
      lostCommitRenew: (groupId, leader) => this.runtime.renewReplica(groupId, leader),
    });
  }

  private createLeaderWatch(): LeaderWatch {
    const { id, tuning, logger } = this.options;
    return new LeaderWatch({
      ...{ host: this.host, senders: this.senders, self: id, clock: this.clock, logger },
      thresholdMs: tuning.leaderlessReportMs,
      leaderContactTicksMax: 2 * tuning.electionTicks,
      warnIntervalMs: tuning.leaderlessWarnIntervalMs,
      isMember: (groupId) => this.isMemberOf(groupId),
    });
  }

  /** Whether this node takes part in the group, not only keeps a replica until it is deleted. */
  private isMemberOf(groupId: GroupId): boolean {
    if (groupId === MANAGEMENT_GROUP) return true;
    const group = this.machine.state().groups.get(groupId);
    return group !== undefined && isCountedOn(group, this.id);
  }

  private createExecution(): WorkflowExecution {
    const { id, env, tuning, logger } = this.options;
    return new WorkflowExecution({
      registry: this.options.registry,
      host: this.host,
      machine: this.machine,
      self: id,
      transport: this.options.transport.kind,
      clock: this.clock,
      random: env.random.fork("workflows"),
      wallClockMs: env.wallClockMs,
      clients: this.options.peerClients,
      logger,
      proposalTimeoutMs: tuning.proposalTimeoutMs,
      leaderWaitMs: tuning.leaderlessReportMs,
      forwardTimeoutMs: tuning.forwardTimeoutMs,
      leaderless: (id, afterMs) => this.leaderWatch.leaderless(id, afterMs),
      onLeaderless: (listener) => this.leaderWatch.onLeaderless(listener),
      catchingUp: (groupId) =>
        catchingUp(groupId, this.host.inspect(groupId), tuning.catchingUpEntries),
      ...callLimitsOf(tuning),
      metrics: new WorkflowMetrics(this.options.metrics),
      // Read when a start's proposal comes back, long after this.runtime exists.
      hasStalledSince: (clockMs) => this.runtime.hasStalledSince(clockMs),
      onFatal: (error) => {
        logger.error("A workflow run hit a bug; stopping the node", { error: error.message });
        this.options.onFatal(error);
      },
    });
  }

  private createService(): NodeService {
    const { id, tuning } = this.options;
    return new NodeService({
      host: this.host,
      machine: this.machine,
      execution: this.execution,
      self: id,
      ...{ address: this.options.address, instance: this.options.instance },
      transport: this.options.transport.kind,
      maxVoters: tuning.maxVoters,
      proposalTimeoutMs: tuning.proposalTimeoutMs,
      metrics: () => this.options.metrics.render(),
      securityProfile: this.options.env.securityProfile,
      checkRegistrant: registrantCheck({
        ...{ kind: this.options.transport.kind, clients: this.options.peerClients, self: id },
        timeoutMs: tuning.peerCallTimeoutMs,
      }),
      probeNodes: () =>
        probeNodes({
          state: this.machine.state(),
          kind: this.options.transport.kind,
          clients: this.options.peerClients,
          clock: this.clock,
          timeoutMs: tuning.probeTimeoutMs,
        }),
      health: () => this.health.info(),
      groupHealth: (groupId) =>
        localGroupHealth({
          raft: this.host.inspect(groupId),
          self: id,
          leaderlessMs: (group) => this.leaderWatch.leaderlessMs(group),
          groupId,
        }),
      managementLeaderless: () => this.leaderWatch.describe(MANAGEMENT_GROUP),
      leave: async () => {
        await this.leave();
        await this.options.onLeft();
      },
      recover: (request) =>
        recoverGroups({
          host: this.host,
          leaderWatch: this.leaderWatch,
          clock: this.clock,
          managementState: () => this.machine.state(),
          request,
        }),
    });
  }

  /** Starts the loop, the watch and the runtime once the management group is in place. */
  private run(): void {
    this.isRunning = true;
    this.leaderWatch.start();
    this.lostWatch.start();
    this.runtime.start();
  }

  /** A new cluster: this node is the management group's only voter and proposes it. */
  async bootstrap(founding: Founding): Promise<void> {
    this.host.start();
    const voters = [this.id];
    await this.host.createGroup(MANAGEMENT_GROUP, { mode: "bootstrap", voters }, this.machine);
    this.host.campaign(MANAGEMENT_GROUP);
    await proposeBootstrap(this.founderDeps(), founding);
    this.run();
  }

  private founderDeps(): FounderDeps {
    const { id, address, instance, tuning, logger } = this.options;
    return {
      host: this.host,
      machine: this.machine,
      self: { id, address, instance },
      maxVoters: tuning.maxVoters,
      workflowFingerprint: this.execution.fingerprint(),
      proposalTimeoutMs: tuning.proposalTimeoutMs,
      logger,
    };
  }

  /**
   * Every group found in storage comes back; the others catch it up. The execution groups
   * only once the cluster accepted this storage (storage-check-in.ts): an old copy of it
   * must never vote or acknowledge in them. The leader watch runs from the start: a recovery
   * forced while the check-in waits needs to know how long the group has had no leader.
   * `founding`: what this node founds, when its identity says it founded the cluster.
   */
  async resume(founding: Founding): Promise<void> {
    this.isAnnouncing = true;
    const isManagement = (groupId: GroupId) => groupId === MANAGEMENT_GROUP;
    const management = await this.host.restoreGroups(() => this.machine, isManagement);
    this.host.start();
    this.leaderWatch.start();
    campaignIfSoleVoter(this.host, this.id, MANAGEMENT_GROUP);
    if (management.length === 0) {
      // Stopped right after joining, before the management group wrote anything here: it never
      // voted or held anything, so nothing to check in (nor anyone to check in through).
      await this.host.createGroup(MANAGEMENT_GROUP, { mode: "join" }, this.machine);
    } else {
      const { storage, instance, logger, tuning } = this.options;
      await finishBootstrap({ ...this.founderDeps(), clock: this.clock }, founding);
      this.startingStep = "checking this node's storage in with the cluster";
      await checkInStorage({
        self: this.id,
        storage,
        host: this.host,
        nonce: instance,
        workflowFingerprint: this.execution.fingerprint(),
        clock: this.clock,
        logger,
        proposalTimeoutMs: tuning.proposalTimeoutMs,
        failureTimeoutMs: tuning.failureTimeoutMs,
        registerAgain: () => this.rejoin.run(),
        peers: () => this.addressesSeen.list(),
        state: () => this.machine.state(),
        transport: this.options.transport.kind,
        clients: this.options.peerClients,
      });
      if (founding.clusterId !== "") {
        await checkFounderNotSplit({
          self: this.options.address,
          peers: this.options.peers,
          admittedEver: this.machine.state().nodes.size + this.machine.state().removedNodes.size,
          preferred: this.options.transport.kind,
          timing: joinTimingOf(tuning),
          clients: this.options.peerClients,
        });
      }
    }
    const restored = await this.host.restoreGroups(
      (groupId, stored) => this.execution.createEngine(groupId, stored.hardState.commit),
      (groupId) => !isManagement(groupId),
    );
    for (const groupId of restored) {
      this.execution.openEngine(groupId);
      campaignIfSoleVoter(this.host, this.id, groupId);
    }
    this.isAnnouncing = false;
    this.options.logger.info("Resumed from storage", {
      node_id: this.id,
      groups: [...management, ...restored].join(" "),
    });
    this.run();
  }

  /** Just registered: the management leader adds this node to the management group. */
  async join(
    leader: { readonly id: NodeId; readonly address: string },
    highest: NodeId,
  ): Promise<void> {
    this.directory.vouch(highest);
    if (leader.id !== 0 && leader.address !== "")
      this.senders.setAddress(leader.id, leader.address);
    this.host.start();
    await this.host.createGroup(MANAGEMENT_GROUP, { mode: "join" }, this.machine);
    this.run();
  }

  waitUntilReady(failure: () => Error | undefined): Promise<void> {
    return this.health.waitUntilReady({
      clock: this.clock,
      changes: [
        (listener) => this.machine.subscribe(listener),
        (listener) => this.host.onGroupChanged(listener),
      ],
      failure,
    });
  }

  private readinessInputs(): ReadinessInputs {
    const isMember = (groupId: GroupId) => this.isMemberOf(groupId);
    return {
      self: this.id,
      state: this.machine.state(),
      localView: (groupId) => localViewOf(this.host.inspect(groupId)),
      leaderless: this.leaderWatch.allLeaderless(),
      catchingUp: catchingUpGroups(this.host, isMember, this.options.tuning.catchingUpEntries),
      notHeardFrom: groupsNotHeardFrom(this.host, isMember),
      unreachableLeaders: this.leaderWatch.unreachableLeaders(),
    };
  }

  /** What the start waits for, and why that may take long (no management leader, and why). */
  private startingReason(): string {
    const stuck = this.leaderWatch.describe(MANAGEMENT_GROUP);
    return stuck === undefined ? this.startingStep : `${this.startingStep}: ${stuck}`;
  }

  /** Removes this node from all its groups; resolves once it is out (a retry carries on). */
  async leave(): Promise<void> {
    const isMember = () => this.machine.state().nodes.has(this.id);
    if (this.leaving === undefined && !isMember()) {
      throw new RaftoralError("NOT_FOUND", `node ${this.id} is not a member of a cluster`);
    }
    this.leaving ??= nodeLeave({
      ...{ self: this.id, host: this.host, clock: this.clock, storage: this.options.storage },
      logger: this.options.logger,
      tuning: this.options.tuning,
      state: () => this.machine.state(),
      clients: this.options.peerClients,
      kind: this.options.transport.kind,
    });
    try {
      await this.leaving.run();
    } catch (error) {
      // Still a member (the removal did not commit in time): the node runs on, free to
      // register again if it was removed after all. Out already, it stays on its way out.
      if (isMember()) this.leaving = undefined;
      throw error;
    }
  }

  /**
   * After a fatal error: health says `reason` from now on, and nothing acts on the cluster's
   * behalf any more (the host already stopped itself and handed over what it could).
   */
  failed(reason: string): void {
    this.health.failed(reason);
    this.runtime.stop();
    this.leaderWatch.stop();
    this.lostWatch.stop();
  }

  /** Hands over what it leads (when graceful), then stops every part. */
  async stop(isGraceful: boolean): Promise<void> {
    this.health.stopping();
    this.runtime.stop();
    this.leaderWatch.stop();
    this.lostWatch.stop();
    if (isGraceful) {
      const { host, id: self, clock, execution } = this;
      const isIn = this.machine.state().nodes.has(self);
      const isMemberOf = (groupId: GroupId) => isIn && this.isMemberOf(groupId);
      await handOver({ host, self, clock, execution, logger: this.options.logger, isMemberOf });
    }
    // Workflow runs stop first, so none keeps retrying against a host that is gone.
    for (const groupId of this.host.groupIds()) this.execution.dropGroup(groupId);
    this.host.stop();
    this.senders.close();
  }
}
