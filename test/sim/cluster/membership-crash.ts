// Issue 18's invariant, checked in virtual time: once every group reports that it survives one
// failure, any single crash leaves every group able to commit (and no committed entry is ever
// lost: ClusterSim.checkCommittedLogs after every step). A cluster grows from one node to up to
// seven and shrinks by leaves, one step at a time; while a step is under way, each time a
// group's leader applies a configuration change (a learner added, a joint configuration entered
// or left, a voter removed), the run may crash one node at that very moment, if every group's
// leader then says it survives one failure. Every group must then still commit (a ReadIndex on
// a surviving member confirms a working majority) while the node stays down.

import { type GroupId, MANAGEMENT_GROUP, type Random } from "../../../src/lib/index.ts";
import { liveFaultTolerance } from "../../../src/node/group-health.ts";
import { ClusterSim, type SimNode } from "./cluster-sim.ts";

export interface MembershipCrashReport {
  readonly seed: number;
  readonly steps: number;
  /** Configuration changes seen at a group leader. */
  readonly changes: number;
  /** Crashes right after one, with every group claiming to survive one failure. */
  readonly crashes: number;
}

export class MembershipCrashFailure extends Error {
  override readonly name = "MembershipCrashFailure";
}

const NODES_MAX = 7;
const STEPS = 10;
/** How long a group may take to commit again after a crash: elections plus margin. */
const RECOVERY_MS = 20_000;

export class MembershipCrashRun {
  private readonly sim: ClusterSim;
  private readonly random: Random;
  private lastConfigs = "";
  private changes = 0;
  private crashes = 0;
  /** The node leaving in the current step, if any. */
  private leaving: SimNode | undefined;

  constructor(private readonly seed: number) {
    this.sim = new ClusterSim(seed);
    this.random = this.sim.world.random.fork("membership-crash");
  }

  async run(): Promise<MembershipCrashReport> {
    const { sim } = this;
    try {
      await sim.add();
      for (let step = 0; step < STEPS; step++) {
        const live = sim.live();
        const isJoin = live.length < 3 || (live.length < NODES_MAX && this.random.chance(0.65));
        sim.lines.push(
          `${sim.nowMs} SIM step ${step}: ${isJoin ? "a node joins" : "a node leaves"}`,
        );
        await this.during(isJoin ? this.joinOne() : this.leaveOne(), `step ${step}`);
        await sim.until("the cluster settles", () => sim.isSettled(), 120_000);
        sim.checkCommittedLogs();
      }
      return { seed: this.seed, steps: STEPS, changes: this.changes, crashes: this.crashes };
    } finally {
      await sim.stopAll();
    }
  }

  private joinOne(): Promise<void> {
    const { entry, started } = this.sim.join();
    const launched = entry.node;
    return started.catch((error: unknown) => {
      // Crashed while joining (and started again): the step is over either way.
      if (entry.node !== launched) return;
      throw error;
    });
  }

  private async leaveOne(): Promise<void> {
    const candidates = this.sim.live().slice(1);
    const entry = this.random.pick(candidates);
    this.sim.lines.push(`${this.sim.nowMs} ${entry.address} SIM leave`);
    this.leaving = entry;
    const crashesBefore = this.crashes;
    try {
      // A leave may fail under a crash (it says so): a node still a member stays one, fine; a
      // node already out that a group still needs is asked again, as an operator would.
      // Without a crash, nothing excuses a failure.
      for (;;) {
        const node = entry.node;
        if (node === undefined) return;
        try {
          await node.leave();
          break;
        } catch (error) {
          this.sim.lines.push(`${this.sim.nowMs} ${entry.address} SIM leave failed: ${error}`);
          if (this.crashes === crashesBefore) {
            throw new MembershipCrashFailure(
              `seed ${this.seed}: a leave failed with no crash during it: ${error}\n${this.recentLines()}`,
            );
          }
          if (node.managementState().nodes.has(node.nodeId)) return;
        }
      }
    } finally {
      this.leaving = undefined;
    }
    entry.node = undefined;
    this.sim.nodes.splice(this.sim.nodes.indexOf(entry), 1);
  }

  /** Live nodes other than one on its way out (it stops by itself once out). */
  private staying(): SimNode[] {
    return this.sim.live().filter((entry) => entry !== this.leaving);
  }

  /** Drives time until `work` settles, crashing a node right after configuration changes. */
  private async during(work: Promise<void>, what: string): Promise<void> {
    let outcome: "done" | Error | undefined;
    work.then(
      () => {
        outcome = "done";
      },
      (error: Error) => {
        outcome = error;
      },
    );
    const deadline = this.sim.nowMs + 180_000;
    while (outcome === undefined) {
      if (this.sim.nowMs > deadline) {
        throw new MembershipCrashFailure(
          `seed ${this.seed}: ${what} never finished\n${this.recentLines()}\n${this.sim.describe()}`,
        );
      }
      await this.sim.advance(10, 5);
      if (this.sawConfigChange() && this.random.chance(0.5)) await this.crashAndCheck(what);
    }
    if (outcome instanceof Error) throw outcome;
  }

  /** Whether any group's leader shows a configuration other than at the last look. */
  private sawConfigChange(): boolean {
    const configs = this.leaders()
      .map(({ groupId, entry }) => {
        const status = entry.node?.raftHost()?.inspect(groupId)?.status();
        const conf = status?.confState;
        return `${groupId}:${conf?.voters}/${conf?.votersOutgoing}/${conf?.learners}`;
      })
      .join(" ");
    const isChanged = configs !== this.lastConfigs && this.lastConfigs !== "";
    this.lastConfigs = configs;
    if (isChanged) this.changes++;
    return isChanged;
  }

  /** Every group and the live node that leads it (groups without a leader are left out). */
  private leaders(): { groupId: GroupId; entry: SimNode }[] {
    const state = this.sim.managementLeader()?.node?.managementState();
    const groups = [MANAGEMENT_GROUP, ...(state?.groups.keys() ?? [])];
    const found: { groupId: GroupId; entry: SimNode }[] = [];
    for (const groupId of groups) {
      const entry = this.sim
        .live()
        .find(
          (candidate) => candidate.node?.raftHost()?.inspect(groupId)?.status().role === "leader",
        );
      if (entry !== undefined) found.push({ groupId, entry });
    }
    return found;
  }

  /** Every group has a leader that says it survives one failure now. */
  private isEveryGroupTolerant(): boolean {
    const state = this.sim.managementLeader()?.node?.managementState();
    if (state === undefined) return false;
    const leaders = this.leaders();
    if (leaders.length !== state.groups.size + 1) return false;
    return leaders.every(({ groupId, entry }) => {
      const raft = entry.node?.raftHost()?.inspect(groupId);
      const self = entry.node?.nodeId;
      return raft !== undefined && self !== undefined && (liveFaultTolerance(raft, self) ?? 0) >= 1;
    });
  }

  private async crashAndCheck(what: string): Promise<void> {
    if (!this.isEveryGroupTolerant()) return;
    const state = this.sim.managementLeader()?.node?.managementState();
    const groups = [MANAGEMENT_GROUP, ...(state?.groups.keys() ?? [])];
    const victim = this.random.pick(this.staying());
    this.crashes++;
    this.sim.lines.push(`${this.sim.nowMs} SIM crash right after a configuration change`);
    await this.sim.crash(victim);
    for (const groupId of groups) await this.mustCommit(groupId, victim, what);
    // One crash at a time: the victim is back and ready before anything else may fail.
    const restarted = this.sim.restart(victim);
    await this.sim.until(`${victim.address} ready again`, restarted.isReady, 120_000);
  }

  /** The last log lines that say what happened (not the per-interval repeats). */
  private recentLines(): string {
    return this.sim.lines
      .filter((line) => !line.includes("Dropping") && !line.includes("registering again"))
      .slice(-60)
      .join("\n");
  }

  /**
   * A surviving member confirms a working majority of `groupId` within RECOVERY_MS. Members
   * are looked up afresh on each try: the group may move its replicas meanwhile.
   */
  private async mustCommit(groupId: GroupId, victim: SimNode, what: string): Promise<void> {
    const deadline = this.sim.nowMs + RECOVERY_MS;
    let outcome: "ok" | Error | undefined;
    const ask = async () => {
      let last: Error | undefined;
      while (this.sim.nowMs < deadline) {
        const member = this.staying().find((entry) => entry.node?.raftHost()?.hasGroup(groupId));
        const host = member?.node?.raftHost();
        // No replica left and no record: a drained group destroyed meanwhile.
        const state = this.staying()[0]?.node?.managementState();
        if (groupId !== MANAGEMENT_GROUP && state?.groups.has(groupId) === false) return;
        if (host !== undefined) {
          try {
            await host.read(groupId, { timeoutMs: Math.max(1, deadline - this.sim.nowMs) });
            return;
          } catch (error) {
            last = error as Error;
          }
        }
        await new Promise<void>((resolve) => this.sim.world.clock.setTimer(100, resolve));
      }
      throw last ?? new Error("no member answered");
    };
    ask().then(
      () => {
        outcome = "ok";
      },
      (error: Error) => {
        outcome = error;
      },
    );
    await this.sim.until(`group ${groupId} answers`, () => outcome !== undefined, RECOVERY_MS * 2);
    if (outcome !== "ok") {
      throw new MembershipCrashFailure(
        `seed ${this.seed}, ${what}: every group claimed to survive one failure, yet after ` +
          `${victim.address} (node ${victim.lastId}) crashed, group ${groupId} could not commit: ` +
          `${(outcome as Error).message}\n${this.recentLines()}\n${this.sim.describe()}`,
      );
    }
  }
}
