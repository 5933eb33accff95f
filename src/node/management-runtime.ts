// Keeps this node's part of the cluster in line with the management state. Every node:
// hosts the execution groups the state lists it in, and drops replicas of groups it left.
// The management leader additionally runs the ClusterManager; each execution group's leader
// moves its group's configuration to the desired members and reports it back.
// Runs periodically, whenever the management state changes and whenever a hosted group's
// leader or configuration changes; one pass at a time.

import type { ExecutionLayer } from "../api/index.ts";
import type { Clock, GroupId, Logger, NodeId } from "../lib/index.ts";
import { MANAGEMENT_GROUP, NO_NODE, toError } from "../lib/index.ts";
import {
  CATCH_UP_SLACK_ENTRIES,
  encodeManagementCommand,
  GROUP_SIZE_MAX,
  type GroupRecord,
  isCountedOn,
  type ManagementCommand,
  type ManagementMachine,
  type ManagementState,
  type ManagerAction,
  planCluster,
  planGroupMembership,
  voterTarget,
} from "../management/index.ts";
import type { GroupInspector, MultiRaftHost } from "../multiraft/index.ts";
import type { ConfChangeSingle, RaftStatus } from "../raft/index.ts";
import { liveFaultTolerance } from "./group-health.ts";
import { StallWatch } from "./stall-watch.ts";

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
  readonly proposalTimeoutMs: number;
  /**
   * Called when this node has not heard from a management leader for failureTimeoutMs: it may
   * have been removed while cut off, so it registers again (a no-op if it is still a member).
   */
  readonly rejoin: () => Promise<void>;
}

export class ManagementRuntime {
  private isRunning = false;
  private isRerunWanted = false;
  private isStopped = false;
  private cancelTimer: (() => void) | undefined;
  private unsubscribe: (() => void)[] = [];
  /** When this node last became the management leader (silence is measured from then on). */
  private leaderSinceMs: number | undefined;
  /** When this node last knew a live management leader (itself included). */
  private leaderContactMs: number | undefined;
  /** When each node (re)appeared in the state: a node is not silent before it could speak. */
  private readonly memberSinceMs = new Map<NodeId, number>();
  private readonly stalls: StallWatch;

  constructor(private readonly options: ManagementRuntimeOptions) {
    this.stalls = new StallWatch(options.clock, options.tickIntervalMs);
  }

  start(): void {
    this.stalls.start();
    // A pass as soon as anything it acts on changes: the management state, or a hosted
    // group's leader or configuration (a new leader reports its group at once).
    this.unsubscribe = [
      this.options.machine.subscribe(() => this.trigger()),
      this.options.host.onGroupChanged(() => this.trigger()),
    ];
    const loop = () => {
      if (this.isStopped) return;
      this.trigger();
      this.cancelTimer = this.options.clock.setTimer(this.options.reconcileIntervalMs, loop);
    };
    loop();
  }

  stop(): void {
    this.isStopped = true;
    this.stalls.stop();
    this.cancelTimer?.();
    for (const unsubscribe of this.unsubscribe) unsubscribe();
  }

  /** Runs a pass now, or right after the one in progress. */
  trigger(): void {
    if (this.isStopped) return;
    if (this.isRunning) {
      this.isRerunWanted = true;
      return;
    }
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
          // A learner catching up is no event: look again soon rather than a whole interval
          // later, so that a growing group reaches its voters (and fault tolerance) quickly.
          this.options.clock.setTimer(this.options.tickIntervalMs, () => this.trigger());
        }
      });
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

  private async pass(): Promise<void> {
    const management = this.options.host.inspect(MANAGEMENT_GROUP)?.status();
    // Even before any state arrived: a node that joined while cut off may never get it.
    await this.maybeRejoin(management);
    const state = this.options.machine.state();
    if (state.clusterId === "") return;
    await this.syncLocalGroups(state);
    if (management?.role === "leader") {
      this.leaderSinceMs ??= this.options.clock.nowMs();
      await this.runClusterManager(state);
    } else {
      this.leaderSinceMs = undefined;
    }
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

  /**
   * Contact is judged by the management group's own Raft traffic: other groups may keep a
   * removed node talking to the very node it still takes for the management leader.
   */
  private async maybeRejoin(management: RaftStatus | undefined): Promise<void> {
    const { clock, failureTimeoutMs, tickIntervalMs } = this.options;
    const now = clock.nowMs();
    const isInContact =
      management !== undefined &&
      (management.role === "leader" ||
        (management.leaderId !== NO_NODE &&
          management.ticksSinceLeaderContact * tickIntervalMs <= failureTimeoutMs));
    if (isInContact) {
      this.leaderContactMs = now;
      return;
    }
    this.leaderContactMs ??= now;
    if (now - this.leaderContactMs <= failureTimeoutMs) return;
    this.leaderContactMs = now;
    this.options.logger.warn("No management leader heard for a while; registering again", {
      silent_ms: failureTimeoutMs,
    });
    await this.options.rejoin();
  }

  /** Host exactly the execution groups the state lists this node in. */
  private async syncLocalGroups(state: ManagementState): Promise<void> {
    const { host, self } = this.options;
    for (const group of state.groups.values()) {
      if (!isCountedOn(group, self) || host.hasGroup(group.id)) continue;
      const isNewGroup = group.configIndex === 0 && group.initialMembers.includes(self);
      await host.createGroup(
        group.id,
        isNewGroup ? { mode: "bootstrap", voters: group.initialMembers } : { mode: "join" },
        this.options.execution.stateMachine(group.id),
      );
      if (isNewGroup && group.initialMembers.length === 1) host.campaign(group.id);
    }
    for (const id of host.groupIds()) {
      if (id === MANAGEMENT_GROUP) continue;
      if (!this.mayDeleteReplica(state, id)) continue;
      this.options.logger.info("Leaving execution group", { group: id });
      this.options.execution.dropGroup(id);
      await host.removeGroup(id);
    }
  }

  /**
   * Deleting a replica the group still counts would be a silent disk loss:
   * the leader's match index for us would point at entries we no longer
   * have. So a replica goes only once the group is destroyed, or once a
   * config report newer than everything in our log shows we are out of it.
   */
  private mayDeleteReplica(state: ManagementState, id: GroupId): boolean {
    const group = state.groups.get(id);
    // Unknown and below the id counter: destroyed. Above it: our state is behind.
    if (group === undefined) return id < state.nextGroupId;
    const { self } = this.options;
    if (group.members.includes(self) || group.configIndex === 0) return false;
    if (group.voters.includes(self) || group.learners.includes(self)) return false;
    const lastIndex = this.options.host.inspect(id)?.status().lastIndex ?? 0;
    return lastIndex <= group.configIndex;
  }

  /**
   * Where a drained group's results go: the lowest running group this node is a member of
   * (by the state, not merely hosting a replica it was already removed from).
   */
  private heirOf(drained: GroupId): GroupId | undefined {
    const { host, self } = this.options;
    return [...this.options.machine.state().groups.values()]
      .filter(
        (group) =>
          group.id !== drained &&
          !group.draining &&
          group.configIndex > 0 &&
          group.members.includes(self),
      )
      .map((group) => group.id)
      .sort((a, b) => a - b)
      .find((id) => host.hasGroup(id));
  }

  private async runClusterManager(state: ManagementState): Promise<void> {
    const status = this.options.host.inspect(MANAGEMENT_GROUP)?.status();
    if (
      status === undefined ||
      this.options.host.inspect(MANAGEMENT_GROUP)?.isChangingMembership() === true
    )
      return;
    const raft = this.options.host.inspect(MANAGEMENT_GROUP);
    const tolerance = raft === undefined ? undefined : liveFaultTolerance(raft, this.options.self);
    if (tolerance !== undefined && tolerance !== state.managementFaultTolerance) {
      await this.propose({ type: "reportManagementTolerance", faultTolerance: tolerance });
    }
    const actions = planCluster({
      self: this.options.self,
      state,
      managementVoters: status.confState.voters,
      managementLearners: status.confState.learners,
      managementLastIndex: status.lastIndex,
      managementMatchOf: (id) => raft?.matchOf(id),
      isManagementActive: (id) => raft?.isRecentlyActive(id) === true,
      silentNodes: this.silentNodes(state),
    });
    for (const action of actions) await this.execute(action);
  }

  private liveMembers(voters: readonly NodeId[]): NodeId[] {
    const now = this.options.clock.nowMs();
    const resumedAt = this.stalls.countsSilenceFrom();
    return voters.filter((id) => {
      if (id === this.options.self) return true;
      const heard = Math.max(this.options.host.lastHeardMs(id) ?? resumedAt, resumedAt);
      return now - heard <= this.options.ownerFailoverMs;
    });
  }

  private silentNodes(state: ManagementState): Set<NodeId> {
    const now = this.options.clock.nowMs();
    const since = Math.max(this.leaderSinceMs ?? now, this.stalls.countsSilenceFrom());
    for (const id of this.memberSinceMs.keys())
      if (!state.nodes.has(id)) this.memberSinceMs.delete(id);
    const silent = new Set<NodeId>();
    for (const id of state.nodes.keys()) {
      if (id === this.options.self) continue;
      if (!this.memberSinceMs.has(id)) this.memberSinceMs.set(id, now);
      const baseline = Math.max(since, this.memberSinceMs.get(id) ?? now);
      const heard = Math.max(this.options.host.lastHeardMs(id) ?? baseline, baseline);
      if (now - heard > this.options.failureTimeoutMs) silent.add(id);
    }
    return silent;
  }

  private async execute(action: ManagerAction): Promise<void> {
    const timeoutMs = this.options.proposalTimeoutMs;
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
      { timeoutMs },
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
    if (raft === undefined || raft.status().role !== "leader") return;
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

  /** Reports the group's configuration and load, and destroys it once drained. */
  private async reportAndDrain(group: GroupRecord, raft: GroupInspector): Promise<void> {
    const { self } = this.options;
    const status = raft.status();
    const applied = status.appliedConfState;
    if (
      !sameMembers(applied.voters, group.voters) ||
      !sameMembers(applied.learners, group.learners)
    ) {
      await this.propose({
        type: "reportGroupConfig",
        groupId: group.id,
        voters: applied.voters,
        learners: applied.learners,
        configIndex: status.applied,
      });
    }
    const running = this.options.execution.runningCount(group.id);
    if (group.draining) {
      const heir = this.heirOf(group.id);
      if (heir !== undefined && (await this.options.execution.drain(group.id, heir))) {
        this.options.logger.info("Destroying drained execution group", {
          group: group.id,
          results_moved_to: heir,
        });
        await this.propose({ type: "destroyGroup", groupId: group.id, resultsMovedTo: heir });
        return;
      }
    }
    // The leader and the fault tolerance are reported too, for every node's status answers.
    const faultTolerance = liveFaultTolerance(raft, self) ?? group.faultTolerance;
    if (
      running !== group.running ||
      self !== group.leaderId ||
      faultTolerance !== group.faultTolerance
    ) {
      await this.propose({
        type: "reportGroupLoad",
        groupId: group.id,
        running,
        leaderId: self,
        faultTolerance,
      });
    }
    await this.options.execution.maintain(group.id, this.liveMembers(applied.voters));
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
}

/** "addVoter 2, addVoter 3" for a log line. */
function describeChanges(changes: readonly ConfChangeSingle[]): Record<string, string> {
  return { change: changes.map((single) => `${single.type} ${single.nodeId}`).join(", ") };
}

function sameMembers(a: readonly NodeId[], b: readonly NodeId[]): boolean {
  return a.length === b.length && a.every((id, k) => id === b[k]);
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
