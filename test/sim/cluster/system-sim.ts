// Whole-system deterministic simulation: real nodes (management, ClusterManager, execution
// groups, workflow runtime, API service) on the memory network under a virtual clock, with
// simulated clients starting and waiting on workflows while a seeded nemesis crashes nodes
// (losing their unsynced and in-flight writes) and restarts them, pauses them (SIGSTOP),
// cuts nodes off, isolates the management leader, drops, delays and duplicates messages, and
// adds nodes and lets nodes leave under load. After the faults everything heals, and the
// checkers must hold.

import type { ProtocolClient } from "../../../src/client/index.ts";
import { type GroupId, MANAGEMENT_GROUP, type Random } from "../../../src/lib/index.ts";
import { resultsHolder } from "../../../src/management/index.ts";
import { workflowGroups } from "../../../src/node/caller-id-start.ts";
import type { WorkflowOutcome } from "../../../src/transport/index.ts";
import { ClusterSim, type SimNode } from "./cluster-sim.ts";
import {
  checkLastStep,
  checkOneStartPerId,
  checkRequests,
  checkWaits,
  SystemSimFailure,
} from "./sim-checks.ts";
import { NamedStarts } from "./sim-named-starts.ts";
import { emptyLedger, type StopLedger, stopOne, stopProblems } from "./sim-stops.ts";
import { SIM_LAST_STEP, SIM_STEPS, SIM_WAITS } from "./sim-workflows.ts";

export { SystemSimFailure } from "./sim-checks.ts";

export interface SystemSimOptions {
  readonly seed: number;
  readonly faultSeconds?: number;
  /**
   * One more client, starting workflows under ids of its own and sending each start again to
   * other nodes after a failure (off by default: the regression seeds replay without it).
   */
  readonly namedStarts?: boolean;
}

export interface SystemSimReport {
  readonly seed: number;
  readonly started: number;
  readonly completed: number;
  readonly crashes: number;
  /** Batches the crashes lost before they were durable. */
  readonly lostWrites: number;
  readonly pauses: number;
  readonly partitions: number;
  readonly joins: number;
  readonly leaves: number;
  /** Workflows that ended cancelled, and terminated (sim-stops.ts). */
  readonly cancelled: number;
  readonly terminated: number;
  readonly settledAfterHealMs: number;
}

interface StartedWorkflow {
  readonly workflowId: string;
  readonly group: GroupId;
  readonly name: string;
  /** The first outcome a client was told; later ones must be equal. */
  outcome: WorkflowOutcome | undefined;
  /** Cancels and terminates asked of it (sim-stops.ts). */
  readonly stops: StopLedger;
}

const NODES_MAX = 7;
/** How long (simulated) the healed cluster may take to free the nodes whose leave failed. */
const FINISH_LEAVES_MS = 600_000;
/** Nodes only leave while more than this many run, so groups keep members to move to. */
const NODES_TO_LEAVE_MIN = 4;

export class SystemSimulation {
  private readonly sim: ClusterSim;
  private readonly random: Random;
  private readonly started = new Map<string, StartedWorkflow>();
  private isFaultPhase = true;
  /** Numbers each start request (its input's `request`), acknowledged or not. */
  private requests = 0;
  private crashes = 0;
  private pauses = 0;
  private partitions = 0;
  private joins = 0;
  private leaves = 0;
  /** Nodes whose leave failed: out of the cluster, or still members. */
  private readonly leftUnfinished = new Set<SimNode>();
  /** A checker failure raised inside a client loop. */
  private failure: Error | undefined;

  constructor(private readonly options: SystemSimOptions) {
    this.sim = new ClusterSim(options.seed, [SIM_STEPS, SIM_LAST_STEP, SIM_WAITS]);
    this.random = this.sim.world.random.fork("system");
  }

  async run(): Promise<SystemSimReport> {
    const { sim } = this;
    try {
      await sim.add();
      // With named starts, six: the execution group splits in two, so an id could go to either.
      await sim.add(this.options.namedStarts === true ? 5 : 4);
      await sim.until("the nodes settled", () => sim.isSettled(), 120_000);
      sim.world.network.faults = {
        dropRate: this.random.pick([0, 0.01, 0.05]),
        delayMinMs: 1,
        delayMaxMs: this.random.pick([3, 20, 80]),
        duplicateRate: this.random.pick([0, 0.01, 0.05]),
      };
      let clientsDone = 0;
      const loops = [0, 1, 2].map((k) => this.clientLoop(k));
      const named = this.options.namedStarts === true ? this.namedStarts(3) : undefined;
      if (named !== undefined) loops.push(named.run());
      for (const loop of loops) {
        loop.then(
          () => clientsDone++,
          (error: Error) => {
            this.failure ??= error;
            clientsDone++;
          },
        );
      }
      await this.nemesis((this.options.faultSeconds ?? 40) * 1000);
      this.isFaultPhase = false;
      await sim.until("the clients stop", () => clientsDone === loops.length, 120_000);
      if (this.failure !== undefined) throw this.failure;
      const settledAfterHealMs = await this.heal();
      await this.checkOutcomes();
      await sim.until("every replica caught up", () => sim.replicasCaughtUp(), 60_000);
      sim.checkCommittedLogs();
      this.checkReplicas();
      checkRequests(this.sim.live());
      checkOneStartPerId(this.sim.live());
      const state = this.sim.live()[0]?.node?.managementState();
      if (named !== undefined && state !== undefined) named.check(state);
      return {
        seed: this.options.seed,
        started: this.started.size,
        completed: [...this.started.values()].filter((workflow) => workflow.outcome !== undefined)
          .length,
        crashes: this.crashes,
        lostWrites: sim.world.lostWrites,
        pauses: this.pauses,
        partitions: this.partitions,
        joins: this.joins,
        leaves: this.leaves,
        cancelled: this.endedWith("CANCELLED"),
        terminated: this.endedWith("TERMINATED"),
        settledAfterHealMs,
      };
    } finally {
      await sim.stopAll();
    }
  }

  private endedWith(errorCode: string): number {
    const ended = [...this.started.values()].filter(
      (w) => w.outcome?.success === false && w.outcome.failure.code === errorCode,
    );
    return ended.length;
  }

  private client(k: number): ProtocolClient {
    const live = this.sim.live();
    const target = this.random.pick(live.length > 0 ? live : this.sim.nodes);
    return this.sim.world.environment(`client-${k}:1`).client("grpc", target.address);
  }

  /** Starts workflows and waits for some, while the faults go on. */
  private async clientLoop(k: number): Promise<void> {
    while (this.isFaultPhase) {
      const name = this.random.pick(["sim_steps", "sim_last_step", "sim_waits", "ping_pong"]);
      try {
        const started = await this.client(k).startWorkflow(
          name === "ping_pong"
            ? { workflowType: name, version: 1, input: "ping" }
            : {
                workflowType: name,
                version: 1,
                // `request` names this call: no two workflows may come of it (checkRequests).
                input: { n: this.random.int(1, 5), request: ++this.requests },
              },
          { timeoutMs: 20_000 },
        );
        this.started.set(started.workflowId, {
          workflowId: started.workflowId,
          group: started.executionClusterId,
          name,
          outcome: undefined,
          stops: emptyLedger(),
        });
      } catch {
        // Handled: a start refused or lost in a fault was never acknowledged, so no promise holds.
      }
      const pending = [...this.started.values()].filter(
        (workflow) => workflow.outcome === undefined,
      );
      if (pending.length > 0) await this.waitFor(this.random.pick(pending), k, 5);
      // Now and then a waiting workflow is nudged (the event is optional: it may time out).
      const waits = pending.filter((workflow) => workflow.name === "sim_waits");
      if (waits.length > 0 && this.random.chance(0.3)) await this.nudge(this.random.pick(waits), k);
      // Now and then a workflow is asked to stop (only sim_steps: ping_pong must say pong).
      const steps = pending.filter((workflow) => workflow.name === "sim_steps");
      if (steps.length > 0 && this.random.chance(0.15)) {
        const { workflowId, group, stops: ledger } = this.random.pick(steps);
        const client = this.client(k);
        await stopOne({ client, random: this.random, workflowId, group, ledger });
      }
      // Clients only wait for time to pass; the nemesis (or the driver) moves the clock.
      await new Promise<void>((resolve) =>
        this.sim.world.clock.setTimer(this.random.int(10, 300), resolve),
      );
    }
  }

  /** The client of named starts (sim-named-starts.ts), as client `k`. */
  private namedStarts(k: number): NamedStarts {
    return new NamedStarts({
      random: this.random,
      isFaultPhase: () => this.isFaultPhase,
      client: () => this.client(k),
      nextRequest: () => ++this.requests,
      groups: () => {
        const state = this.sim.live()[0]?.node?.managementState();
        return state === undefined ? [] : workflowGroups(state);
      },
      sleep: (ms) => new Promise<void>((resolve) => this.sim.world.clock.setTimer(ms, resolve)),
      acknowledge: (workflowId, group) => {
        const stops = emptyLedger();
        this.started.set(workflowId, {
          workflowId,
          group,
          name: SIM_STEPS.name,
          outcome: undefined,
          stops,
        });
      },
    });
  }

  /** Sends the nudge event; a send lost in a fault, or to a finished workflow, is fine. */
  private async nudge(workflow: StartedWorkflow, k: number): Promise<void> {
    try {
      await this.client(k).signalWorkflow(
        {
          workflowId: workflow.workflowId,
          executionClusterId: workflow.group,
          name: "nudge",
          payload: k,
        },
        { timeoutMs: 5_000 },
      );
    } catch {
      // Handled: the workflow may have finished or timed out its wait, or a fault lost it.
    }
  }

  private async waitFor(
    workflow: StartedWorkflow,
    k: number,
    timeoutSeconds: number,
  ): Promise<boolean> {
    let outcome: WorkflowOutcome;
    try {
      outcome = await this.client(k).waitWorkflow(
        { workflowId: workflow.workflowId, executionClusterId: workflow.group, timeoutSeconds },
        { timeoutMs: timeoutSeconds * 1000 + 5_000 },
      );
    } catch {
      // Handled: a wait that times out or hits a fault says nothing; the checkers ask again.
      return false;
    }
    // Outside the try: a result that breaks a rule must fail the seed, not pass as a timeout.
    this.record(workflow, outcome);
    return true;
  }

  /** A result, once reported to a client, never changes. */
  private record(workflow: StartedWorkflow, outcome: WorkflowOutcome): void {
    if (workflow.outcome === undefined) {
      workflow.outcome = outcome;
      if (workflow.name === "ping_pong" && !(outcome.success && outcome.output === "pong")) {
        throw new SystemSimFailure(
          `ping_pong ${workflow.workflowId} returned ${JSON.stringify(outcome)}`,
        );
      }
      if (workflow.name === "sim_waits") checkWaits(workflow.workflowId, outcome);
      return;
    }
    if (JSON.stringify(workflow.outcome) !== JSON.stringify(outcome)) {
      throw new SystemSimFailure(
        `workflow ${workflow.workflowId} was reported ${JSON.stringify(workflow.outcome)}, later ${JSON.stringify(outcome)}`,
      );
    }
  }

  private async nemesis(durationMs: number): Promise<void> {
    const { sim } = this;
    const end = sim.nowMs + durationMs;
    while (sim.nowMs < end) {
      await sim.advance(this.random.int(200, 2_000));
      const roll = this.random.nextFloat();
      if (roll < 0.28) await this.crashOne();
      else if (roll < 0.5) await this.restartOne();
      else if (roll < 0.66) this.partitionOne();
      else if (roll < 0.78) this.pauseOne();
      else if (roll < 0.86) {
        sim.lines.push(`${sim.nowMs} network SIM heal`);
        sim.world.network.heal();
      } else if (roll < 0.93) {
        if (sim.nodes.length < NODES_MAX) await this.joinOne();
      } else await this.leaveOne();
      sim.checkIds();
      sim.checkCommittedLogs();
    }
  }

  private async crashOne(): Promise<void> {
    const candidates = this.sim.live();
    const first = this.random.chance(0.3)
      ? this.sim.managementLeader()
      : this.random.pick(candidates);
    if (first === undefined) return;
    const [victim] = this.sim.minorityToLose(
      first,
      1,
      this.sim.nodes.filter((entry) => entry.node === undefined),
    );
    if (victim === undefined) return;
    this.crashes++;
    await this.sim.crash(victim);
  }

  private async restartOne(): Promise<void> {
    const dead = this.sim.nodes.filter((entry) => entry.node === undefined);
    if (dead.length === 0) return;
    this.sim.restart(this.random.pick(dead));
  }

  /** Cuts one node off (both ways or one way), like a pause or a network split. */
  private partitionOne(): void {
    const live = this.sim.live();
    if (live.length < 2) return;
    const victim = this.random.chance(0.3) ? this.sim.managementLeader() : this.random.pick(live);
    if (victim === undefined) return;
    const others = this.sim.nodes.filter((entry) => entry !== victim).map((entry) => entry.address);
    this.partitions++;
    this.sim.lines.push(`${this.sim.nowMs} ${victim.address} SIM partition`);
    if (this.random.chance(0.7)) this.sim.world.network.partition([victim.address], others);
    else for (const other of others) this.sim.world.network.cutOneWay(victim.address, other);
  }

  /** Stops one process for a while (SIGSTOP), longer than an election timeout or not. */
  private pauseOne(): void {
    const live = this.sim.live().filter((entry) => !this.sim.world.isPaused(entry.address));
    if (live.length === 0) return;
    const victim = this.random.chance(0.3) ? this.sim.managementLeader() : this.random.pick(live);
    if (victim === undefined || this.sim.world.isPaused(victim.address)) return;
    const node = victim.node;
    this.pauses++;
    this.sim.lines.push(`${this.sim.nowMs} ${victim.address} SIM pause`);
    this.sim.world.pause(victim.address);
    this.sim.world.clock.setTimer(this.random.int(300, 8_000), () => {
      // The same process only: a crash in between already dropped what it held.
      if (victim.node !== node || !this.sim.world.isPaused(victim.address)) return;
      this.sim.lines.push(`${this.sim.nowMs} ${victim.address} SIM resume`);
      this.sim.world.resume(victim.address);
    });
  }

  /** A node leaves the cluster for good (`raftoral leave`), while the load goes on. */
  private async leaveOne(): Promise<void> {
    const { sim } = this;
    const live = sim.live();
    // The first node stays: later nodes join through it.
    const candidates = live.slice(1).filter((entry) => !sim.world.isPaused(entry.address));
    if (live.length <= NODES_TO_LEAVE_MIN || candidates.length === 0) return;
    const entry = this.random.pick(candidates);
    this.leaves++;
    sim.lines.push(`${sim.nowMs} ${entry.address} SIM leave`);
    if (await sim.leave(entry)) return;
    sim.lines.push(`${sim.nowMs} ${entry.address} SIM leave failed`);
    this.leftUnfinished.add(entry);
  }

  /**
   * Leaves again where a leave failed with the node already out, until it is done. Healed, the
   * groups replace such a node within minutes; one that never gets free fails the seed.
   */
  private async finishLeaves(): Promise<void> {
    const { sim } = this;
    const deadlineMs = sim.nowMs + FINISH_LEAVES_MS;
    for (const entry of this.leftUnfinished) {
      for (;;) {
        const node = entry.node;
        if (node === undefined || node.managementState().nodes.has(node.nodeId)) break;
        if (sim.nowMs > deadlineMs) {
          throw new SystemSimFailure(
            `${entry.address} is out of the cluster and still cannot leave after ${FINISH_LEAVES_MS} ms healed`,
          );
        }
        sim.lines.push(`${sim.nowMs} ${entry.address} SIM leave again`);
        if (await sim.leave(entry)) break;
      }
    }
  }

  private async joinOne(): Promise<void> {
    this.joins++;
    await this.sim.add().catch(() => undefined);
  }

  /** Heals everything and waits for the cluster to settle again. */
  private async heal(): Promise<number> {
    const { sim } = this;
    sim.world.network.heal();
    sim.world.network.faults = { dropRate: 0, delayMinMs: 1, delayMaxMs: 3 };
    for (const entry of sim.live())
      if (sim.world.isPaused(entry.address)) sim.world.resume(entry.address);
    for (const entry of sim.nodes.filter((node) => node.node === undefined)) sim.restart(entry);
    await this.finishLeaves();
    return sim.until("the cluster settles after healing", () => sim.isSettled(), 240_000);
  }

  /** Every acknowledged start reaches one final status, served by every member. */
  private async checkOutcomes(): Promise<void> {
    const unfinished = new Set(this.started.values());
    const ask = async (workflow: StartedWorkflow) => {
      while (!(await this.waitFor(workflow, 9, 20))) {
        await new Promise<void>((resolve) => this.sim.world.clock.setTimer(500, resolve));
      }
      unfinished.delete(workflow);
    };
    for (const workflow of unfinished) {
      ask(workflow).catch((error: Error) => {
        this.failure ??= error;
      });
    }
    try {
      await this.sim.until(
        "every started workflow finishes",
        () => unfinished.size === 0 || this.failure !== undefined,
        180_000,
      );
    } catch {
      const ids = [...unfinished].map((workflow) => workflow.workflowId).slice(0, 5);
      throw new SystemSimFailure(
        `${unfinished.size} started workflows never finished after healing (${ids.join(", ")})`,
      );
    }
    if (this.failure !== undefined) throw this.failure;
  }

  /** Every member holds the same record of every execution; invariants hold everywhere. */
  private checkReplicas(): void {
    const byGroup = new Map<string, string[]>();
    for (const entry of this.sim.live()) {
      const node = entry.node;
      if (node === undefined) continue;
      for (const id of node.raftHost()?.groupIds() ?? []) {
        if (id === MANAGEMENT_GROUP) continue;
        const machine = node.workflowState(id);
        if (machine === undefined) continue;
        machine.checkInvariants();
        const state = node.managementState();
        for (const workflow of this.started.values()) {
          // A drained group's results live on in the group that adopted them.
          if (resultsHolder(state, workflow.group) !== id) continue;
          const record = machine.execution(workflow.workflowId);
          if (record === undefined)
            throw new SystemSimFailure(`node ${node.nodeId} lacks ${workflow.workflowId}`);
          let epoch = 0;
          for (const checkpoint of record.checkpoints) {
            if (checkpoint.ownerEpoch < epoch)
              throw new SystemSimFailure(`${workflow.workflowId}: epochs went back`);
            epoch = checkpoint.ownerEpoch;
          }
          if (workflow.name === "sim_last_step") checkLastStep(record);
          const problems = stopProblems(record, workflow.stops);
          if (problems.length > 0) {
            throw new SystemSimFailure(`${workflow.workflowId}: ${problems.join("; ")}`);
          }
          const text = JSON.stringify([
            record.status,
            record.output,
            record.error,
            record.checkpoints,
            record.cancelRequest,
          ]);
          const key = `${id}/${workflow.workflowId}`;
          byGroup.set(key, [...(byGroup.get(key) ?? []), text]);
        }
      }
    }
    for (const [key, texts] of byGroup) {
      if (new Set(texts).size !== 1) throw new SystemSimFailure(`members disagree about ${key}`);
    }
  }
}
