// The composition root: one Raftoral node. Resolves its identity (resume from storage,
// bootstrap a cluster, or join one), listens, hosts the management group and its execution
// groups on one multi-Raft host, and keeps its part of the cluster reconciled.

import { type ExecutionLayer, NodeService } from "../api/index.ts";
import {
  type Clock,
  type GroupId,
  type Logger,
  MANAGEMENT_GROUP,
  type NodeId,
  nodeId,
  RaftoralError,
  toError,
} from "../lib/index.ts";
import {
  encodeManagementCommand,
  ManagementMachine,
  type ManagementState,
} from "../management/index.ts";
import { MultiRaftHost } from "../multiraft/index.ts";
import type { LogStorage } from "../storage/index.ts";
import { PeerSenders, type TransportKind } from "../transport/index.ts";
import { registryWithBuiltins, type WorkflowStateMachine } from "../workflow/index.ts";
import { discoverCluster, registerAgain, registerNode } from "./join-cluster.ts";
import { handOverLeadership } from "./leadership-handover.ts";
import { askLeaderForStatus, leaveCluster } from "./leave-cluster.ts";
import { ManagementDirectory } from "./management-directory.ts";
import { ManagementRuntime } from "./management-runtime.ts";
import { type NodeEnvironment, realEnvironment } from "./node-environment.ts";
import { NodeHealth } from "./node-health.ts";
import {
  DEFAULT_TUNING,
  hostConfigOf,
  type NodeTuning,
  type RaftoralNodeOptions,
} from "./node-options.ts";
import { requestedId } from "./node-storage.ts";
import { type NodeTransport, splitAddress, transportName } from "./node-transport.ts";
import {
  localViewOf,
  type ReadinessInputs,
  servingReadiness,
  startupReadiness,
} from "./readiness.ts";
import { retried } from "./retried.ts";
import { WorkflowExecution } from "./workflow-execution.ts";

/** After a leave asked through the API, the answer gets this long to leave before the stop. */
const LEAVE_REPLY_GRACE_MS = 200;

export class RaftoralNode {
  private readonly options: RaftoralNodeOptions;
  private readonly tuning: NodeTuning;
  private readonly logger: Logger;
  private readonly env: NodeEnvironment;
  private readonly clock: Clock;
  private readonly machine = new ManagementMachine();
  private readonly directory = new ManagementDirectory(() => this.machine.state());
  private readonly execution: ExecutionLayer;
  private id: NodeId = nodeId(0);
  /** Names this process when it registers (see RegisterRequest.instanceId). */
  private readonly instance: string;
  private readonly health: NodeHealth;
  private isStopping = false;
  /** Set once this node asked to leave; it then never registers again. */
  private isLeaving = false;
  private host: MultiRaftHost | undefined;
  private storage: LogStorage | undefined;
  private transport: NodeTransport | undefined;
  private senders: PeerSenders | undefined;
  private runtime: ManagementRuntime | undefined;
  private fatal: Error | undefined;
  private markStopped: () => void = () => undefined;
  /** Settles once stop() has finished, whatever asked for it (a signal, a leave, the API). */
  readonly stopped: Promise<void> = new Promise((resolve) => {
    this.markStopped = resolve;
  });

  /** `execution` replaces the workflow engine (tests of cluster formation use a stub). */
  constructor(
    options: RaftoralNodeOptions & {
      readonly execution?: ExecutionLayer;
      /** The world this node runs in; the simulator injects a virtual one. */
      readonly environment?: NodeEnvironment;
    },
  ) {
    this.options = options;
    this.env = options.environment ?? realEnvironment();
    this.clock = this.env.clock;
    const instanceRandom = this.env.random.fork("instance");
    this.instance = [instanceRandom.nextU32(), instanceRandom.nextU32()]
      .map((half) => half.toString(16).padStart(8, "0"))
      .join("");
    this.tuning = { ...DEFAULT_TUNING, ...options.tuning };
    this.logger = options.logger;
    this.health = new NodeHealth({
      logger: this.logger,
      self: () => this.id,
      isManagementLeader: () => this.host?.inspect(MANAGEMENT_GROUP)?.status().role === "leader",
      startup: () => startupReadiness(this.readinessInputs()),
      serving: () => servingReadiness(this.readinessInputs()),
    });
    this.execution =
      options.execution ??
      new WorkflowExecution({
        registry: registryWithBuiltins(options.workflows ?? []),
        host: () => this.host,
        management: () => this.machine.state(),
        onManagementChange: (listener) => this.machine.subscribe(listener),
        self: () => this.id,
        transport: () => this.transport?.kind ?? options.transport ?? "grpc",
        clock: this.clock,
        random: this.env.random.fork("workflows"),
        wallClockMs: this.env.wallClockMs,
        client: this.env.client,
        logger: this.logger,
        proposalTimeoutMs: this.tuning.proposalTimeoutMs,
        startsInFlightMax: this.tuning.startsInFlightMax,
        waitsMax: this.tuning.waitsMax,
        onFatal: (error) => {
          this.fatal = error;
          this.logger.error("A workflow run hit a bug; stopping the node", {
            error: error.message,
          });
        },
      });
  }

  get nodeId(): NodeId {
    return this.id;
  }

  get address(): string {
    return this.options.advertise ?? this.options.listen;
  }

  managementState(): ManagementState {
    return this.machine.state();
  }

  /** This node's replica of an execution group's workflow state (read-only use: tests). */
  workflowState(id: GroupId): WorkflowStateMachine | undefined {
    return this.execution instanceof WorkflowExecution ? this.execution.machine(id) : undefined;
  }

  /** The multi-Raft host, once started (for the workflow layer and tests). */
  raftHost(): MultiRaftHost | undefined {
    return this.host;
  }

  /** Starts the node; resolves once it can serve workflow requests. */
  async start(): Promise<void> {
    const known = await this.env.openKnownStorage({
      storagePath: this.options.storagePath,
      requestedNodeId: requestedId(this.options.nodeId),
    });
    this.storage = known?.storage;
    try {
      await this.startWith(known?.identity?.nodeId, known?.nodeId, known?.identity?.transport);
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  private async startWith(
    resumedId: NodeId | undefined,
    knownId: NodeId | undefined,
    storedTransport: TransportKind | undefined,
  ): Promise<void> {
    const wanted = this.options.transport ?? "grpc";
    const peers = this.options.peers ?? [];
    if (resumedId === undefined && !this.options.bootstrap && peers.length === 0) {
      throw new RaftoralError(
        "INVALID_ARGUMENT",
        "nothing to do: start the first node with --bootstrap, the others with --peers <ADDRESS>, " +
          "or give the --storage-path of an existing node to resume it",
      );
    }
    let kind: TransportKind = storedTransport ?? wanted;
    let discovered: Awaited<ReturnType<typeof discoverCluster>> | undefined;
    if (resumedId === undefined && !this.options.bootstrap) {
      discovered = await discoverCluster({
        peers,
        preferred: wanted,
        clock: this.clock,
        logger: this.logger,
        timeoutMs: this.tuning.joinTimeoutMs,
        client: this.env.client,
      });
      kind = discovered.transport;
    }
    if (kind !== wanted) {
      this.logger.warn(
        `The cluster uses ${transportName(kind)}, not ${transportName(wanted)}; following the cluster`,
        { transport: kind },
      );
    }
    const startingId = resumedId ?? knownId ?? (this.options.bootstrap ? nodeId(1) : undefined);
    this.logger.info("Starting node", {
      node_id: startingId ?? "unassigned",
      address: this.address,
    });
    await this.listen(kind);
    if (resumedId !== undefined) {
      this.id = resumedId;
      await this.resume();
    } else if (this.options.bootstrap) {
      this.id = startingId ?? nodeId(1);
      await this.bootstrap(kind);
    } else if (discovered !== undefined) {
      this.id = await registerNode({
        ...discovered,
        address: this.address,
        requestedId: knownId ?? nodeId(0),
        workflowFingerprint: this.execution.fingerprint(),
        instanceId: this.instance,
        clock: this.clock,
        timeoutMs: this.tuning.joinTimeoutMs,
        client: this.env.client,
      });
      this.logger.info("Joined the cluster", { node_id: this.id, via: discovered.peer });
      this.directory.vouch(nodeId(Math.max(this.id, discovered.discovery.highestKnownNodeId)));
      await this.join(
        kind,
        discovered.discovery.managementLeaderNodeId,
        discovered.discovery.managementLeaderAddress,
      );
    }
    await this.waitUntilReady();
  }

  private async listen(kind: TransportKind): Promise<void> {
    const transport = this.env.transport(kind, this.logger);
    this.transport = transport;
    const service = new NodeService({
      host: () => this.host,
      machine: this.machine,
      execution: this.execution,
      self: () => this.id,
      address: this.address,
      transport: kind,
      maxVoters: this.tuning.maxVoters,
      proposalTimeoutMs: this.tuning.proposalTimeoutMs,
      health: () => this.health.info(),
      leave: () => this.leaveThenStopSoon(),
    });
    const [host, port] = splitAddress(this.options.listen);
    this.logger.info(`Starting ${transportName(kind)} server`, { address: this.options.listen });
    await transport.server.listen(host, port, service);
  }

  private async resume(): Promise<void> {
    if (this.storage === undefined) throw new RaftoralError("INTERNAL", "resume without storage");
    const host = this.createHost(this.storage);
    const restored = await host.restoreGroups((id) =>
      id === MANAGEMENT_GROUP ? this.machine : this.execution.stateMachine(id),
    );
    this.logger.info("Resumed from storage", { node_id: this.id, groups: restored.join(" ") });
    // Stopped right after joining, before the management group wrote anything here.
    if (!restored.includes(MANAGEMENT_GROUP)) {
      await host.createGroup(MANAGEMENT_GROUP, { mode: "join" }, this.machine);
    }
    this.startRuntime(host);
  }

  private async bootstrap(kind: TransportKind): Promise<void> {
    this.storage ??= await this.env.storageFor(this.options.storagePath, this.id);
    const clusterId = this.env.newClusterId();
    await this.storage.saveIdentity({
      nodeId: this.id,
      clusterId,
      advertiseAddress: this.address,
      transport: kind,
    });
    const host = this.createHost(this.storage);
    await host.createGroup(
      MANAGEMENT_GROUP,
      { mode: "bootstrap", voters: [this.id] },
      this.machine,
    );
    host.campaign(MANAGEMENT_GROUP);
    await retried({ what: "bootstrap the management group", logger: this.logger }, () =>
      host.propose(
        MANAGEMENT_GROUP,
        encodeManagementCommand({
          type: "bootstrap",
          clusterId,
          transport: kind,
          maxVoters: this.tuning.maxVoters,
          workflowFingerprint: this.execution.fingerprint(),
          node: { id: this.id, address: this.address, instance: this.instance },
        }),
        { timeoutMs: this.tuning.proposalTimeoutMs },
      ),
    );
    this.startRuntime(host);
  }

  private async join(kind: TransportKind, leaderId: NodeId, leaderAddress: string): Promise<void> {
    this.storage ??= await this.env.storageFor(this.options.storagePath, this.id);
    await this.storage.saveIdentity({
      nodeId: this.id,
      clusterId: "",
      advertiseAddress: this.address,
      transport: kind,
    });
    const host = this.createHost(this.storage);
    if (leaderId !== 0 && leaderAddress !== "") this.senders?.setAddress(leaderId, leaderAddress);
    await host.createGroup(MANAGEMENT_GROUP, { mode: "join" }, this.machine);
    this.startRuntime(host);
  }

  private createHost(storage: LogStorage): MultiRaftHost {
    const transport = this.transport;
    if (transport === undefined)
      throw new RaftoralError("INTERNAL", "host created before the transport");
    let host: MultiRaftHost | undefined;
    const senders = new PeerSenders({
      self: this.id,
      selfAddress: this.address,
      clusterId: () => this.machine.state().clusterId,
      transport: transport.peers,
      clock: this.clock,
      logger: this.logger,
      onUnreachable: (peer) => host?.reportUnreachable(peer),
    });
    this.senders = senders;
    this.machine.subscribe((state) => {
      for (const node of state.nodes.values()) senders.setAddress(node.id, node.address);
    });
    host = new MultiRaftHost({
      nodeId: this.id,
      storage,
      peers: senders,
      directory: this.directory,
      clock: this.clock,
      random: this.env.random.fork(`host-${this.id}`),
      logger: this.logger,
      config: hostConfigOf(this.tuning),
      // Only for peers the management state does not know yet: a batch never redirects the
      // traffic of a known member, whatever address it claims.
      onPeerAddress: (peer, address) => {
        if (!this.machine.state().nodes.has(peer)) senders.setAddress(peer, address);
      },
      onFatal: (error) => {
        this.fatal = error;
        this.logger.error("The node stopped after a fatal error", { error: error.message });
      },
    });
    this.host = host;
    host.start();
    return host;
  }

  private startRuntime(host: MultiRaftHost): void {
    this.runtime = new ManagementRuntime({
      self: this.id,
      host,
      machine: this.machine,
      clock: this.clock,
      logger: this.logger,
      failureTimeoutMs: this.tuning.failureTimeoutMs,
      reconcileIntervalMs: this.tuning.reconcileIntervalMs,
      tickIntervalMs: this.tuning.tickIntervalMs,
      execution: this.execution,
      ownerFailoverMs: this.tuning.ownerFailoverMs,
      rejoin: () => this.rejoin(),
      proposalTimeoutMs: this.tuning.proposalTimeoutMs,
    });
    this.runtime.start();
  }

  /** Registers again through any node known (or given with --peers): re-admission after removal. */
  private async rejoin(): Promise<void> {
    // A node on its way out was removed on purpose: registering again would undo the leave.
    if (this.isLeaving) return;
    const known = [...this.machine.state().nodes.values()]
      .filter((node) => node.id !== this.id)
      .map((node) => node.address);
    const highest = await registerAgain({
      peers: [...new Set([...known, ...(this.options.peers ?? [])])],
      transport: this.transport?.kind ?? this.options.transport ?? "grpc",
      client: this.env.client,
      logger: this.logger,
      request: {
        nodeId: this.id,
        address: this.address,
        workflowFingerprint: this.execution.fingerprint(),
        instanceId: this.instance,
      },
    });
    if (highest !== undefined) this.directory.vouch(highest);
  }

  /** Resolves once startup readiness holds (see readiness.ts); "Node N is ready" is logged then. */
  private waitUntilReady(): Promise<void> {
    return this.health.waitUntilReady({
      clock: this.clock,
      changes: [
        (listener) => this.machine.subscribe(listener),
        (listener) => this.host?.onGroupChanged(listener) ?? (() => undefined),
      ],
      failure: () =>
        this.fatal ??
        (this.isStopping
          ? new RaftoralError("SHUTTING_DOWN", "the node was stopped while starting")
          : undefined),
    });
  }

  private readinessInputs(): ReadinessInputs {
    const host = this.host;
    return {
      self: this.id,
      state: this.machine.state(),
      localView: (id) => localViewOf(host?.inspect(id)),
    };
  }

  /** Hands over leadership where it can, then stops everything. Idempotent. */
  async stop(): Promise<void> {
    await this.shutDown(true);
  }

  /** Stops at once, as SIGKILL would: no hand-over (for tests and simulations). */
  async kill(): Promise<void> {
    await this.shutDown(false);
  }

  private async shutDown(isGraceful: boolean): Promise<void> {
    if (this.isStopping) return;
    this.isStopping = true;
    this.health.stopping();
    this.runtime?.stop();
    if (isGraceful && this.host !== undefined) {
      await handOverLeadership({
        host: this.host,
        self: this.id,
        clock: this.clock,
        logger: this.logger,
      });
    }
    // Workflow runs stop first, so none keeps retrying against a host that is gone.
    for (const id of this.host?.groupIds() ?? []) this.execution.dropGroup(id);
    this.host?.stop();
    this.senders?.close();
    await this.transport?.server.close();
    await this.transport?.peers.close();
    await this.storage?.close();
    this.markStopped();
  }

  /** Removes this node from the cluster (all groups), then stops it. */
  async leave(): Promise<void> {
    await this.leaveCluster();
    await this.stop();
  }

  /** For the API: leaves, then stops once the answer had a moment to reach the caller. */
  private async leaveThenStopSoon(): Promise<void> {
    await this.leaveCluster();
    this.clock.setTimer(LEAVE_REPLY_GRACE_MS, () => {
      this.stop().catch((error: unknown) => {
        this.logger.error("Stopping after the leave failed", { error: toError(error).message });
      });
    });
  }

  private async leaveCluster(): Promise<void> {
    const host = this.host;
    if (host === undefined || !this.machine.state().nodes.has(this.id)) return;
    this.isLeaving = true;
    try {
      await leaveCluster({
        self: this.id,
        host,
        clock: this.clock,
        logger: this.logger,
        proposalTimeoutMs: this.tuning.proposalTimeoutMs,
        leaderStatus: () =>
          askLeaderForStatus({
            client: this.env.client,
            kind: this.transport?.kind ?? this.options.transport ?? "grpc",
            addresses: [...this.machine.state().nodes.values()]
              .filter((node) => node.id !== this.id)
              .map((node) => node.address),
            logger: this.logger,
          }),
      });
    } catch (error) {
      // The removal did not commit in time (the caller is told): the node keeps running and
      // stays free to register again if it turns out to have been removed after all.
      this.isLeaving = false;
      throw error;
    }
  }
}
