// One Raftoral node, as a library user or the CLI sees it: start, stop, kill, leave. Starting
// takes three steps: decide how to start (start-plan.ts), listen, and build the node's parts
// for its id (node-parts.ts), which a joining node learns only by registering, so it listens
// first with a starting API (api-switch.ts). Then it waits until it is ready (readiness.ts).

import type { ExecutionLayer } from "../api/index.ts";
import { InProcessClient, type WorkflowClient } from "../client/index-core.ts";
import {
  type CancelTimer,
  checkRetention,
  DEFAULT_RETENTION,
  type GroupId,
  type Logger,
  MetricsRegistry,
  type NodeId,
  nodeId,
  RaftoralError,
  toError,
} from "../lib/index.ts";
import { emptyManagementState, type ManagementState } from "../management/index.ts";
import type { MultiRaftHost } from "../multiraft/index.ts";
import type { LogStorage } from "../storage/index-main.ts";
import type { FoundingState, NodeApi } from "../transport/index.ts";
import {
  registryWithBuiltins,
  type WorkflowRegistry,
  type WorkflowStateMachine,
} from "../workflow/index.ts";
import { ApiSwitch, startingApi } from "./api-switch.ts";
import { registerNode } from "./join-cluster.ts";
import { type KnownStorage, type NodeEnvironment, realEnvironment } from "./node-environment.ts";
import {
  clientBeforeStart,
  clientOfStopped,
  describeFatal,
  idBeforeStart,
  startedTwice,
  stoppedWhileStarting,
} from "./node-messages.ts";
import { collectProcessMetrics } from "./node-metrics.ts";
import {
  checkNodeOptions,
  DEFAULT_TUNING,
  joinTimingOf,
  type NodeTuning,
  type RaftoralNodeOptions,
} from "./node-options.ts";
import { NodeParts } from "./node-parts.ts";
import { certificateWarning } from "./node-security.ts";
import { removeNodeDirectory, requestedId, unclaimedIdTaken } from "./node-storage.ts";
import { listenOn, type NodeTransport, transportName } from "./node-transport.ts";
import { PeerClients } from "./peer-clients.ts";
import { type PlanOptions, planStart, type StartPlan, settleBootstrap } from "./start-plan.ts";
import { WorkflowExecution } from "./workflow-execution.ts";

/** After a leave asked through the API, the answer gets this long to leave before the stop. */
const LEAVE_REPLY_GRACE_MS = 200;
/**
 * After a fatal error the node lingers this long, serving nothing but its health (unavailable,
 * with the reason), before it stops: health checks see why, and the leadership hand-over
 * messages its host sent on the way out get to leave.
 */
const FAILED_STOP_DELAY_MS = 1_000;

/** What a RaftoralNode is built from: the user's options, plus test seams. */
export type RaftoralNodeInit = RaftoralNodeOptions & {
  /** Replaces the workflow engine (tests of cluster formation use a stub). */
  readonly execution?: ExecutionLayer;
  /** The world this node runs in; the simulator injects a virtual one. */
  readonly environment?: NodeEnvironment;
};

export class RaftoralNode {
  private readonly options: RaftoralNodeInit;
  private readonly tuning: NodeTuning;
  private readonly logger: Logger;
  private readonly env: NodeEnvironment;
  /** Clients of other nodes, kept between calls (joining, forwarding, probing, leaving). */
  private readonly peerClients: PeerClients;
  private readonly registry: WorkflowRegistry;
  /** Names this process when it registers (see RegisterRequest.instanceId). */
  private readonly instance: string;
  private readonly metrics = new MetricsRegistry();
  private stopSampling: CancelTimer = () => undefined;
  private isStopping = false;
  private storage: LogStorage | undefined;
  /**
   * The node directory this start opened that holds no identity yet. Should the start fail
   * before it saves one (a refused --node-id, a port in use), the directory is removed: it
   * holds nothing, and left behind it would make every later start ask for that id.
   */
  private unclaimed: NodeId | undefined;
  private transport: NodeTransport | undefined;
  /** Served before the node has an identity (a join; a bootstrap with --peers settling). */
  private starting: ApiSwitch | undefined;
  private founding: FoundingState | undefined;
  private parts: NodeParts | undefined;
  private fatal: Error | undefined;
  private isStarted = false;
  /** start() was called: a node object starts once (its metrics and parts are its own). */
  private hasBegun = false;
  /** Parts and storages already stopped or closed (see release()). */
  private readonly released = new Set<object>();
  private markStopped: () => void = () => undefined;
  /** Settles once stop() has finished, whatever asked for it (a signal, a leave, the API). */
  readonly stopped: Promise<void> = new Promise((resolve) => {
    this.markStopped = resolve;
  });

  constructor(options: RaftoralNodeInit) {
    this.options = options;
    this.env = options.environment ?? realEnvironment(options.security);
    const { peerClocks } = this.env;
    const clocks = peerClocks && { peerClocks, logger: options.logger };
    this.peerClients = new PeerClients(this.env.client, undefined, clocks);
    const instanceRandom = this.env.random.fork("instance");
    this.instance = [instanceRandom.nextU32(), instanceRandom.nextU32()]
      .map((half) => half.toString(16).padStart(8, "0"))
      .join("");
    this.tuning = { ...DEFAULT_TUNING, ...options.tuning };
    this.logger = options.logger;
    this.registry = registryWithBuiltins(options.workflows ?? []);
    // A bad setting fails here, before the node listens, not at bootstrap.
    checkNodeOptions(options);
    if (options.retention !== undefined) checkRetention(options.retention);
  }

  /** The node's id; 0 while a joining node has not registered yet. */
  get nodeId(): NodeId {
    return this.parts?.id ?? nodeId(0);
  }

  get address(): string {
    return this.options.advertise ?? this.options.listen;
  }

  managementState(): ManagementState {
    return this.parts?.machine.state() ?? emptyManagementState();
  }

  /** This node's replica of an execution group's workflow state (read-only use: tests). */
  workflowState(id: GroupId): WorkflowStateMachine | undefined {
    const execution = this.parts?.execution;
    return execution instanceof WorkflowExecution ? execution.machine(id) : undefined;
  }

  /** Workflow calls through this node in-process, as RaftoralClient's: no HTTP or gRPC hop. */
  client(): WorkflowClient {
    const service = this.parts?.service;
    if (this.isStopping) throw clientOfStopped();
    if (!this.isStarted || service === undefined) throw clientBeforeStart();
    return new InProcessClient(service, () => this.isStopping);
  }

  /** The fatal error that stopped (or is stopping) the node, if one did. */
  get failure(): Error | undefined {
    return this.fatal;
  }

  /** The multi-Raft host, once started (for the workflow layer and tests). */
  raftHost(): MultiRaftHost | undefined {
    return this.parts?.host;
  }

  /** Starts the node; resolves once it can serve workflow requests. */
  async start(): Promise<void> {
    if (this.hasBegun) throw startedTwice();
    this.hasBegun = true;
    try {
      await this.startSteps();
    } catch (error) {
      // Also when stopped while starting: what the steps opened since must be closed too.
      this.isStopping = true;
      await this.release(false);
      if (this.unclaimed !== undefined)
        removeNodeDirectory(this.options.storagePath, this.unclaimed);
      this.markStopped();
      // A fatal error (a disk that filled up) is why the start failed, whatever step then
      // failed with it: the caller's exit status and message follow the cause.
      throw (
        this.fatal ??
        (this.options.nodeId === undefined ? unclaimedIdTaken(this.unclaimed, error) : error)
      );
    }
  }

  /** Awaits one step of starting; a stop that came meanwhile ends the start. */
  private async step<T>(work: Promise<T>): Promise<T> {
    const value = await work;
    if (this.isStopping) throw stoppedWhileStarting();
    return value;
  }

  private async startSteps(): Promise<void> {
    this.stopSampling = collectProcessMetrics(
      this.metrics,
      this.env.clock,
      this.options.storagePath,
    );
    const wanted = this.options.transport ?? "grpc";
    const opening = this.env.openKnownStorage({
      storagePath: this.options.storagePath,
      requestedNodeId: requestedId(this.options.nodeId),
      // With peers, a bootstrap may turn into a join under another id (start-plan.ts).
      bootstrap: this.options.bootstrap === true && (this.options.peers ?? []).length === 0,
    });
    // While the storage's code loads, the transport's loads too (the wanted one: a resumed
    // node follows its storage, rarely another; docs/performance.md).
    this.env.preloadTransport?.(wanted, { operator: this.options.httpListen !== undefined });
    const known = await opening;
    this.storage = known?.storage;
    if (known !== undefined && known.identity === undefined) this.unclaimed = known.nodeId;
    if (this.isStopping) throw stoppedWhileStarting();
    // Before a join's discovery, whose peers would hang up on it without saying why.
    const { security } = this.options;
    const badCertificate = certificateWarning(security, this.env.clock.wallMs(), this.address);
    if (badCertificate !== undefined) this.logger.warn(badCertificate);
    const planning = this.planOptions(known);
    const plan = await this.step(planStart(planning));
    if (plan.kind !== wanted) {
      // A warning only for a --transport given: without one, gRPC is a default, not a choice.
      this.logger[this.options.transport === undefined ? "info" : "warn"](
        `The cluster uses ${transportName(plan.kind)}, not ${transportName(wanted)}; following the cluster`,
        { transport: plan.kind },
      );
    }
    // The workflow set is named here so that operators can compare nodes when a join is
    // refused for running another set (management-machine.ts, registerNode).
    this.logger.info("Starting node", {
      node_id: idBeforeStart(plan, planning.peers),
      address: this.address,
      workflows: this.registry
        .keys()
        .map((key) => `${key.name}@${key.version}`)
        .join(" "),
    });
    this.transport = await this.env.transport(plan.kind, this.logger, {
      operator: this.options.httpListen !== undefined,
    });
    const settled = await this.settle(plan, planning);
    const parts =
      settled.mode === "join" ? await this.joinFirst(settled) : await this.startKnown(settled);
    await parts.waitUntilReady(
      () => this.fatal ?? (this.isStopping ? stoppedWhileStarting() : undefined),
    );
    this.isStarted = true;
    this.storage?.reserveSpace?.().catch((error: unknown) => this.onFatal(toError(error)));
  }

  /** Resume or bootstrap: the id is known, so the node is built before it listens. */
  private async startKnown(plan: Exclude<StartPlan, { mode: "join" }>): Promise<NodeParts> {
    const storage = plan.storage ?? (await this.openStorageFor(plan.id));
    const parts = this.assemble(plan.id, storage);
    if (this.starting === undefined) await this.step(this.listen(parts.service));
    else this.starting.switchTo(parts.service);
    const retention = this.options.retention ?? DEFAULT_RETENTION;
    if (plan.mode === "resume") {
      await this.step(parts.resume({ clusterId: plan.clusterId, transport: plan.kind, retention }));
      return parts;
    }
    const clusterId = this.env.newClusterId();
    await this.step(
      storage.saveIdentity({
        nodeId: plan.id,
        clusterId,
        advertiseAddress: this.address,
        transport: plan.kind,
      }),
    );
    this.unclaimed = undefined;
    await this.step(parts.bootstrap({ clusterId, transport: plan.kind, retention }));
    return parts;
  }

  /** A bootstrap with --peers settles with them who founds the cluster, reachable meanwhile. */
  private async settle(plan: StartPlan, planning: PlanOptions): Promise<StartPlan> {
    if (plan.mode !== "bootstrap" || planning.peers.length === 0) return plan;
    await this.listenStarting();
    const say = (state?: FoundingState) => {
      this.founding = state;
    };
    return await this.step(settleBootstrap(planning, plan, say));
  }

  /** Listens with the starting API, once: peers ask a node before it has an identity. */
  private async listenStarting(): Promise<ApiSwitch> {
    if (this.starting !== undefined) return this.starting;
    this.starting = new ApiSwitch(
      startingApi({
        ...{ address: this.address, instance: this.instance },
        transport: this.transport?.kind ?? "grpc",
        maxVoters: this.tuning.maxVoters,
        reason: () =>
          this.founding === undefined ? "joining the cluster" : "settling who founds the cluster",
        founding: () => this.founding,
        metrics: () => this.metrics.render(),
      }),
    );
    await this.step(this.listen(this.starting));
    return this.starting;
  }

  /** Join: listen first (the cluster talks to the node as soon as it is registered). */
  private async joinFirst(plan: Extract<StartPlan, { mode: "join" }>): Promise<NodeParts> {
    const api = await this.listenStarting();
    const id = await this.step(
      registerNode({
        transport: plan.kind,
        peer: plan.peer,
        peers: this.options.peers ?? [],
        discovery: plan.discovery,
        ...{ address: this.address, listen: this.options.listen },
        requestedId: plan.requestedId,
        ...{ workflowFingerprint: this.fingerprint(), instanceId: this.instance },
        securityProfile: this.env.securityProfile,
        clock: this.env.clock,
        timeoutMs: this.tuning.joinTimeoutMs,
        timing: joinTimingOf(this.tuning),
        ...{ clients: this.peerClients, logger: this.logger },
      }),
    );
    this.logger.info("Joined the cluster", { node_id: id, via: plan.peer });
    const storage = plan.storage ?? (await this.openStorageFor(id));
    await this.step(
      storage.saveIdentity({
        nodeId: id,
        clusterId: "",
        advertiseAddress: this.address,
        transport: plan.kind,
      }),
    );
    this.unclaimed = undefined;
    const parts = this.assemble(id, storage);
    const { discovery } = plan;
    await this.step(
      parts.join(
        { id: discovery.managementLeaderNodeId, address: discovery.managementLeaderAddress },
        nodeId(Math.max(id, discovery.highestKnownNodeId)),
      ),
    );
    // Once the management group is hosted: the leader's batches held meanwhile (it adds this
    // node as soon as it registers) then reach the group instead of finding none.
    api.switchTo(parts.service);
    return parts;
  }

  private planOptions(known: KnownStorage | undefined): PlanOptions {
    return {
      ...{ known, address: this.address, listen: this.options.listen },
      requestedId: requestedId(this.options.nodeId),
      bootstrap: this.options.bootstrap === true,
      peers: this.options.peers ?? [],
      transport: this.options.transport ?? "grpc",
      clock: this.env.clock,
      logger: this.logger,
      joinTimeoutMs: this.tuning.joinTimeoutMs,
      joinTiming: joinTimingOf(this.tuning),
      clients: this.peerClients,
    };
  }

  /** Storage for an id learned only now; closed with the node, even if it stops meanwhile. */
  private async openStorageFor(id: NodeId): Promise<LogStorage> {
    const storage = await this.env.storageFor(this.options.storagePath, id);
    this.storage = storage;
    this.unclaimed = id;
    if (this.isStopping) throw stoppedWhileStarting();
    return storage;
  }

  private fingerprint(): string {
    return this.options.execution?.fingerprint() ?? this.registry.fingerprint();
  }

  private assemble(id: NodeId, storage: LogStorage): NodeParts {
    const transport = this.transport;
    if (transport === undefined)
      throw new RaftoralError("INTERNAL", "assembled before the transport");
    this.parts = new NodeParts({
      id,
      address: this.address,
      instance: this.instance,
      storage,
      transport,
      env: this.env,
      peerClients: this.peerClients,
      tuning: this.tuning,
      logger: this.logger,
      registry: this.registry,
      metrics: this.metrics,
      execution: this.options.execution,
      peers: this.options.peers ?? [],
      onFatal: (error) => this.onFatal(error),
      onLeft: () => this.recordLeft().finally(() => this.stopSoon()),
    });
    return this.parts;
  }

  /**
   * Fail-stop: a node that cannot persist must not go on (docs/storage.md, "Failures"). Its
   * host has already stopped answering; health says why at once, and the node stops soon.
   * While starting, start() sees the failure and releases everything itself.
   */
  private onFatal(error: Error): void {
    if (this.fatal !== undefined) return;
    this.fatal = error;
    const reason = describeFatal(error);
    this.parts?.failed(reason);
    this.logger.error(`The node stops: ${reason}`);
    if (!this.isStarted) return;
    this.env.clock.setTimer(FAILED_STOP_DELAY_MS, () => {
      this.kill().catch((stopError: unknown) => {
        // Handled: the process exits on the fatal error anyway; this only says what was left.
        this.logger.error("Stopping after the fatal error failed", {
          error: toError(stopError).message,
        });
      });
    });
  }

  private async listen(api: NodeApi): Promise<void> {
    const transport = this.transport;
    if (transport === undefined)
      throw new RaftoralError("INTERNAL", "listening without a transport");
    await listenOn(transport, this.options, api, this.logger);
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
    try {
      await this.release(isGraceful);
    } finally {
      // Even when closing failed: whoever waits for the stop (the CLI's exit) must go on.
      this.markStopped();
    }
  }

  /** Stops the parts and closes the transport and storage, whenever it is called, each once. */
  private async release(isGraceful: boolean): Promise<void> {
    const { parts, transport, storage } = this;
    this.stopSampling();
    if (parts !== undefined && !this.released.has(parts)) {
      this.released.add(parts);
      await parts.stop(isGraceful);
    }
    // Always: a listen still in flight at the first release may have opened the server since.
    await transport?.server.close();
    await transport?.operator?.close();
    await transport?.peers.close();
    await this.peerClients.close();
    if (storage !== undefined && !this.released.has(storage)) {
      this.released.add(storage);
      await storage.close();
    }
  }

  /**
   * Removes this node from the cluster (all groups), then stops it. Rejects, and the node runs
   * on, while it is too early in its start to know its cluster: stopping then would take away
   * a replica its groups may still count on.
   */
  async leave(): Promise<void> {
    if (this.parts === undefined) {
      throw new RaftoralError(
        "UNAVAILABLE",
        "the node has not started yet: it can leave once start() has opened its storage and groups",
      );
    }
    await this.parts.leave();
    await this.recordLeft();
    await this.stop();
  }

  /** Marks the storage as a node's that left: no start resumes it (start-plan.ts). */
  private async recordLeft(): Promise<void> {
    const identity = await this.storage?.loadIdentity();
    if (identity !== undefined) await this.storage?.saveIdentity({ ...identity, hasLeft: true });
  }

  /** After a leave through the API: stops once the answer had a moment to reach the caller. */
  private stopSoon(): void {
    this.env.clock.setTimer(LEAVE_REPLY_GRACE_MS, () => {
      this.stop().catch((error: unknown) => {
        this.logger.error("Stopping after the leave failed", { error: toError(error).message });
      });
    });
  }
}
