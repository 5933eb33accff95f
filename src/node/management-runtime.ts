// Keeps this node's part of the cluster in line with the management state, as a thin shell
// over pure planners (src/management): it observes (the management state, its Raft groups,
// who it heard from when), asks the planners what to do, and does it.
//   - every node: registers again when cut off from the management group, and hosts exactly
//     the replicas planReplicas wants (one left out of a forced recovery given way to an
//     empty one: replica-renewal.ts);
//   - the management leader: reports its group's fault tolerance and runs the ClusterManager
//     (planCluster), with failure detection by silentNodes;
//   - each execution group's leader: reports its group (planGroupReports), drains it into its
//     heir (heirOf), hands workflows of silent owners to live members, and takes one
//     membership step (planGroupMembership).
// A pass runs periodically, and soon after the management state or a hosted group's leader
// or configuration changes: never inside the apply that announced the change. One at a time.

import type { ExecutionLayer } from "../api/index.ts";
import type { Clock, GroupId, Logger, LogIndex, NodeId } from "../lib/index.ts";
import { MANAGEMENT_GROUP, NO_NODE, SoonOnce, toError } from "../lib/index.ts";
import {
  CATCH_UP_SLACK_ENTRIES,
  encodeManagementCommand,
  GROUP_SIZE_MAX,
  type GroupRecord,
  heirOf,
  type ManagementCommand,
  type ManagementMachine,
  type ManagementState,
  type ManagerAction,
  onlyVoter,
  planCluster,
  planGroupMembership,
  planGroupReports,
  planRejoin,
  planReplicas,
  silentNodes,
  voterTarget,
} from "../management/index.ts";
import type { GroupInspector, LostCommitRenewal, MultiRaftHost } from "../multiraft/index.ts";
import type { ConfChangeSingle, RaftStatus } from "../raft/index.ts";
import { CatchUpWatch } from "./catch-up-watch.ts";
import { liveFaultTolerance } from "./group-health.ts";
import type { LeaderWatch } from "./leader-watch.ts";
import { LeaderlessReports } from "./leaderless-reports.ts";
import { LivenessObserver } from "./liveness-observer.ts";
import { OwnerFailoverWatch } from "./owner-failover-watch.ts";
import { ReplicaRenewal } from "./replica-renewal.ts";

export interface ManagementRuntimeOptions {
  readonly self: NodeId;
  readonly host: MultiRaftHost;
  readonly machine: ManagementMachine;
  readonly clock: Clock;
  readonly logger: Logger;
  /** A node silent for longer than this is removed from the cluster. */
  readonly failureTimeoutMs: number;
  readonly reconcileIntervalMs: number;
  /** One Raft tick, to turn the management group's tick counts into time. */
  readonly tickIntervalMs: number;
  readonly execution: ExecutionLayer;
  /** A member silent for longer than this loses the executions it owns to live members. */
  readonly ownerFailoverMs: number;
  /** This process stalled when its tick timer fires this much late (see stall-watch.ts). */
  readonly stallMs: number;
  /** A group's load (running workflows) is reported at most once per this interval. */
  readonly loadReportIntervalMs: number;
  readonly proposalTimeoutMs: number;
  /**
   * Called when this node has not heard from a management leader for failureTimeoutMs, or
   * runs again after a stall that long: it may have been removed while cut off or paused, so
   * it registers again (a no-op if it is still a member).
   */
  readonly rejoin: () => Promise<void>;
  /** A node on its way out was removed on purpose: it never registers again. */
  readonly isLeaving: () => boolean;
  /**
   * Which hosted groups have had no leader for a while: a member reports such a group
   * leaderless, so that nodes not hosting it stop showing its last leader's report.
   */
  readonly leaderWatch?: Pick<LeaderWatch, "leaderless">;
}

export class ManagementRuntime {
  private isRunning = false;
  /** The next pass, at most one pending. */
  private readonly soon: SoonOnce;
  private isRerunWanted = false;
  private isStopped = false;
  /** No pass before start(): a node still resuming asks for one (ReplicaRenewal) early. */
  private isStarted = false;
  private cancelTimer: (() => void) | undefined;
  private unsubscribe: (() => void)[] = [];
  /** When this node last knew a live management leader (itself included). */
  private leaderContactMs: number | undefined;
  /** When each group's load was last reported from here. */
  private readonly loadReportedMs = new Map<GroupId, number>();
  private readonly leaderless: LeaderlessReports;
  private readonly liveness: LivenessObserver;
  private readonly failoverWatch: OwnerFailoverWatch;
  /** Passes again while a group this node leads has a learner catching up. */
  private readonly catchUpWatch: CatchUpWatch;
  /** Per group, the last maintain call asked for (see maintain). */
  private readonly maintaining = new Map<GroupId, Promise<void>>();
  private readonly renewal: ReplicaRenewal;

  constructor(private readonly options: ManagementRuntimeOptions) {
    this.soon = new SoonOnce(options.clock, () => this.run());
    this.liveness = new LivenessObserver(
      options.host,
      options.clock,
      options.tickIntervalMs,
      options.stallMs,
      options.logger,
      options.failureTimeoutMs,
    );
    this.failoverWatch = new OwnerFailoverWatch({
      ...options,
      checkIntervalMs: options.tickIntervalMs,
      liveness: this.liveness,
      execution: { maintain: (id, live) => this.maintain(id, live) },
    });
    this.catchUpWatch = new CatchUpWatch(options.clock, options.tickIntervalMs, () =>
      this.trigger(),
    );
    this.leaderless = new LeaderlessReports({
      ...options,
      propose: (command) => this.propose(command),
    });
    this.renewal = new ReplicaRenewal({
      ...options,
      state: () => options.machine.state(),
      onDue: () => this.trigger(),
    });
  }

  /** MultiRaftHostOptions.lostCommitRenew (see replica-renewal.ts). */
  renewReplica(groupId: GroupId, leader: NodeId): LostCommitRenewal {
    return this.renewal.renew(groupId, leader);
  }

  /**
   * ExecutionLayer.maintain, one call per group at a time: the failover watch and the pass
   * may both ask at once, and two rounds planned from the same state would propose the same
   * AssignOwners twice (the second refused, with a log line per workflow). A call that finds
   * one running follows it and plans from the state it left.
   */
  private maintain(id: GroupId, liveMembers: readonly NodeId[]): Promise<void> {
    const previous = this.maintaining.get(id) ?? Promise.resolve();
    const next = previous
      .catch(() => undefined) // The earlier caller handles its own failure.
      .then(() => this.options.execution.maintain(id, liveMembers));
    this.maintaining.set(id, next);
    const forget = () => {
      if (this.maintaining.get(id) === next) this.maintaining.delete(id);
    };
    next.then(forget, forget);
    return next;
  }

  start(): void {
    this.isStarted = true;
    this.liveness.start();
    this.failoverWatch.start();
    // A pass soon after anything it acts on changes: the management state, or a hosted
    // group's leader or configuration (a new leader reports its group at once).
    this.unsubscribe = [
      this.options.machine.subscribe(() => this.trigger()),
      this.options.host.onGroupChanged(() => {
        // A new configuration may hold a new learner: its catch-up is watched from the start.
        this.catchUpWatch.reset();
        this.trigger();
      }),
    ];
    // Runs for the life of the node; stop() ends it.
    const loop = () => {
      if (this.isStopped) return;
      this.trigger();
      this.cancelTimer = this.options.clock.setTimer(this.options.reconcileIntervalMs, loop);
    };
    loop();
  }

  stop(): void {
    this.isStopped = true;
    this.liveness.stop();
    this.failoverWatch.stop();
    this.cancelTimer?.();
    this.catchUpWatch.reset();
    for (const unsubscribe of this.unsubscribe) unsubscribe();
  }

  /** Asks for a pass: soon (outside the caller's stack), or right after the one running. */
  trigger(): void {
    if (this.isStopped || !this.isStarted) return;
    if (this.isRunning) {
      this.isRerunWanted = true;
      return;
    }
    this.soon.request();
  }

  private run(): void {
    if (this.isStopped || this.isRunning) return;
    this.isRunning = true;
    this.pass()
      .catch((error: unknown) => {
        // A failed step is retried on the next pass; the state it acts on is replicated.
        this.options.logger.debug("Reconcile step failed; will retry", {
          error: toError(error).message,
        });
      })
      .finally(() => {
        this.isRunning = false;
        if (this.isRerunWanted) {
          this.isRerunWanted = false;
          this.trigger();
        } else if (this.isPromotionPending()) {
          this.catchUpWatch.again();
        } else {
          this.catchUpWatch.reset();
        }
      });
  }

  private async pass(): Promise<void> {
    const management = this.options.host.inspect(MANAGEMENT_GROUP)?.status();
    // Even before any state arrived: a node that joined while cut off may never get it.
    await this.maybeRejoin(management);
    const state = this.options.machine.state();
    if (state.clusterId === "") return;
    await this.syncReplicas(state);
    this.liveness.observeLeadership(management?.role === "leader", state);
    if (management?.role === "leader") await this.runClusterManager(state);
    for (const group of state.groups.values()) {
      try {
        await this.reconcileGroup(group);
      } catch (error) {
        // Retried on the next pass; a group that cannot act must not hold up the others.
        this.options.logger.debug("Group reconcile step failed; will retry", {
          group: group.id,
          error: toError(error).message,
        });
      }
    }
  }

  /** Whether this process stood still for a while after `clockMs` (owner failover's stall). */
  readonly hasStalledSince = (clockMs: number) => this.liveness.hasStalledSince(clockMs);

  private async maybeRejoin(management: RaftStatus | undefined): Promise<void> {
    const { clock, failureTimeoutMs, tickIntervalMs } = this.options;
    // A process that did not run for longer than the failure timeout (SIGSTOP, a frozen VM)
    // heard nobody meanwhile, whatever its replica's count of ticks says, and may have been
    // removed: it registers again at once, not a failure timeout after it runs again.
    const isBackFromLongStall =
      this.liveness.lastLongStallEndMs() > (this.leaderContactMs ?? Number.POSITIVE_INFINITY);
    const plan = planRejoin({
      nowMs: clock.nowMs(),
      isInContact:
        management !== undefined &&
        !isBackFromLongStall &&
        (management.role === "leader" ||
          (management.leaderId !== NO_NODE &&
            management.ticksSinceLeaderContact * tickIntervalMs <= failureTimeoutMs)),
      contactMs: this.leaderContactMs,
      failureTimeoutMs,
    });
    this.leaderContactMs = plan.contactMs;
    if (!plan.rejoin || this.options.isLeaving()) return;
    const why = isBackFromLongStall
      ? "This process did not run for longer than the failure timeout"
      : "No management leader heard for a while";
    this.options.logger.warn(`${why}; registering again`, { silent_ms: failureTimeoutMs });
    await this.options.rejoin();
  }

  /** Hosts exactly the replicas planReplicas wants, after dropping those due for renewal. */
  private async syncReplicas(state: ManagementState): Promise<void> {
    const { host, self, execution } = this.options;
    await this.renewal.dropDue();
    const hosted = new Map<GroupId, LogIndex>();
    for (const id of host.groupIds()) {
      const status = host.inspect(id)?.status();
      if (id !== MANAGEMENT_GROUP && status !== undefined) hosted.set(id, status.lastIndex);
    }
    for (const action of planReplicas({ self, state, hosted })) {
      if (action.type === "drop") {
        this.options.logger.info("Leaving execution group", { group: action.groupId });
        execution.dropGroup(action.groupId);
        await host.removeGroup(action.groupId);
        continue;
      }
      const voters = action.bootstrapVoters;
      const engine = execution.createEngine(action.groupId);
      try {
        await host.createGroup(
          action.groupId,
          voters === undefined ? { mode: "join" } : { mode: "bootstrap", voters },
          engine,
        );
      } catch (error) {
        execution.dropGroup(action.groupId);
        throw error;
      }
      execution.openEngine(action.groupId);
      if (action.campaign) host.campaign(action.groupId);
    }
  }

  private async runClusterManager(state: ManagementState): Promise<void> {
    const raft = this.options.host.inspect(MANAGEMENT_GROUP);
    if (raft === undefined || raft.isChangingMembership()) return;
    const status = raft.status();
    const tolerance = liveFaultTolerance(raft, this.options.self);
    if (tolerance !== undefined && tolerance !== state.managementFaultTolerance) {
      await this.propose({ type: "reportManagementTolerance", faultTolerance: tolerance });
    }
    const actions = planCluster({
      self: this.options.self,
      state,
      managementVoters: status.confState.voters,
      managementLearners: status.confState.learners,
      managementLastIndex: status.lastIndex,
      managementMatchOf: (id) => raft.matchOf(id),
      isManagementActive: (id) => raft.isRecentlyActive(id),
      silentNodes: silentNodes(
        this.liveness.asManagementLeader(),
        state.nodes.keys(),
        this.options.self,
        this.options.failureTimeoutMs,
      ),
    });
    for (const action of actions) await this.execute(action);
  }

  private async execute(action: ManagerAction): Promise<void> {
    if (action.type === "command") {
      this.options.logger.info("Cluster change", describeCommand(action.command));
      await this.propose(action.command);
      return;
    }
    if (action.type === "managementTransfer") {
      this.options.host.transferLeadership(MANAGEMENT_GROUP, action.to);
      return;
    }
    this.options.logger.info("Management group change", describeChanges(action.changes));
    await this.options.host.proposeConfChange(
      MANAGEMENT_GROUP,
      { transition: "auto", changes: action.changes, context: new Uint8Array() },
      { timeoutMs: this.options.proposalTimeoutMs },
    );
  }

  private propose(command: ManagementCommand): Promise<unknown> {
    return this.options.host.propose(MANAGEMENT_GROUP, encodeManagementCommand(command), {
      timeoutMs: this.options.proposalTimeoutMs,
    });
  }

  /** As the group's leader: report the group, drain it, and take one membership step. */
  private async reconcileGroup(group: GroupRecord): Promise<void> {
    const raft = this.options.host.inspect(group.id);
    if (raft === undefined) return;
    if (raft.status().role !== "leader") {
      await this.leaderless.check(group);
      return;
    }
    // Independent: the group's own membership must move on even while the management group
    // cannot take its reports (this node is cut off from its leader, or left the cluster and
    // has nothing to report any more, only its groups to hand over).
    const isInCluster = this.options.machine.state().nodes.has(this.options.self);
    const outcomes = await Promise.allSettled([
      isInCluster ? this.reportAndDrain(group, raft) : Promise.resolve(),
      this.stepMembership(group, raft),
    ]);
    for (const outcome of outcomes) if (outcome.status === "rejected") throw outcome.reason;
  }

  /** Reports the group (planGroupReports), destroys it once drained, reassigns owners. */
  private async reportAndDrain(group: GroupRecord, raft: GroupInspector): Promise<void> {
    const { self, execution, clock } = this.options;
    const status = raft.status();
    const reports = planGroupReports({
      self,
      group,
      voters: status.appliedConfState.voters,
      learners: status.appliedConfState.learners,
      appliedIndex: status.applied,
      running: execution.runningCount(group.id),
      faultTolerance: liveFaultTolerance(raft, self) ?? group.faultTolerance,
      nowMs: clock.nowMs(),
      lastLoadReportMs: this.loadReportedMs.get(group.id),
      loadReportIntervalMs: this.options.loadReportIntervalMs,
    });
    for (const command of reports) {
      if (command.type === "reportGroupLoad") this.loadReportedMs.set(group.id, clock.nowMs());
      await this.propose(command);
    }
    if (group.draining && (await this.drained(group))) return;
    const voters = status.appliedConfState.voters;
    const silent = silentNodes(
      this.liveness.asLeaderOf(group.id, this.options.ownerFailoverMs),
      voters,
      self,
      this.options.ownerFailoverMs,
    );
    await this.maintain(
      group.id,
      voters.filter((id) => !silent.has(id)),
    );
  }

  /** Hands a drained group's finished workflows to its heir and destroys it: true if done. */
  private async drained(group: GroupRecord): Promise<boolean> {
    const { host, self, execution } = this.options;
    const heir = heirOf({
      state: this.options.machine.state(),
      drained: group.id,
      self,
      isHosted: (id) => host.hasGroup(id),
    });
    if (heir === undefined || !(await execution.drain(group.id, heir))) return false;
    this.options.logger.info("Destroying drained execution group", {
      group: group.id,
      results_moved_to: heir,
    });
    await this.propose({ type: "destroyGroup", groupId: group.id, resultsMovedTo: heir });
    return true;
  }

  /** One safe step toward the desired members (see group-membership-plan.ts). */
  private async stepMembership(group: GroupRecord, raft: GroupInspector): Promise<void> {
    const { host, self } = this.options;
    const status = raft.status();
    const step = planGroupMembership({
      self,
      desired: group.members,
      votersMax: GROUP_SIZE_MAX,
      voters: status.confState.voters,
      learners: status.confState.learners,
      isChanging: raft.isChangingMembership(),
      lastIndex: status.lastIndex,
      matchOf: (id) => raft.matchOf(id),
      isActive: (id) => raft.isRecentlyActive(id),
      isLeavingCluster: !this.options.machine.state().nodes.has(self),
      catchUpSlackEntries: CATCH_UP_SLACK_ENTRIES,
      preferredVoter: onlyVoter(host.inspect(MANAGEMENT_GROUP)?.status().confState.voters),
    });
    if (step === undefined) return;
    if (step.type === "transferLeadership") {
      host.transferLeadership(group.id, step.to);
      return;
    }
    this.options.logger.info("Execution group change", {
      group: group.id,
      ...describeChanges(step.changes),
    });
    await host.proposeConfChange(
      group.id,
      { transition: "auto", changes: step.changes, context: new Uint8Array() },
      { timeoutMs: this.options.proposalTimeoutMs },
    );
  }

  /** Whether a group this node leads has learners it wants as voters once they catch up. */
  private isPromotionPending(): boolean {
    const { host, machine } = this.options;
    const state = machine.state();
    const wanting = (groupId: GroupId, members: number, votersMax: number) => {
      const status = host.inspect(groupId)?.status();
      if (status?.role !== "leader" || status.confState.learners.length === 0) return false;
      return status.confState.voters.length < voterTarget(members, votersMax);
    };
    if (wanting(MANAGEMENT_GROUP, state.nodes.size, state.maxVoters)) return true;
    return [...state.groups.values()].some((group) =>
      wanting(group.id, group.members.length, GROUP_SIZE_MAX),
    );
  }
}

/** "addVoter 2, addVoter 3" for a log line. */
function describeChanges(changes: readonly ConfChangeSingle[]): Record<string, string> {
  return { change: changes.map((single) => `${single.type} ${single.nodeId}`).join(", ") };
}

function describeCommand(command: ManagementCommand): Record<string, string | number> {
  switch (command.type) {
    case "removeNode":
      return { change: "remove node", node: command.nodeId, reason: command.reason };
    case "createGroup":
      return { change: "create execution group", members: command.members.join(" ") };
    case "setGroupMembers":
      return { change: "set members", group: command.groupId, members: command.members.join(" ") };
    case "setDraining":
      return { change: "drain", group: command.groupId };
    case "destroyGroup":
      return { change: "destroy", group: command.groupId };
    default:
      return { change: command.type };
  }
}
