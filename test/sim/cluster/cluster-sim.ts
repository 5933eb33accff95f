// Whole clusters of real RaftoralNodes in one process: memory network, virtual clock,
// memory storage that survives restarts. Drives virtual time, adds, crashes and restarts
// nodes, and checks the cluster's invariants.

import { createLogger, logIndex, MANAGEMENT_GROUP, type NodeId } from "../../../src/lib/index.ts";
import {
  encodeManagementCommand,
  GROUP_SIZE_MAX,
  type ManagementState,
  voterTarget,
} from "../../../src/management/index.ts";
import type { GroupInspector } from "../../../src/multiraft/index.ts";
import { type NodeTuning, RaftoralNode } from "../../../src/node/index.ts";
import type { NodeApi } from "../../../src/transport/index.ts";
import type { WorkflowDefinition } from "../../../src/workflow/index.ts";
import { SimWorld } from "./sim-world.ts";

// Raft and failover timing as the defaults (NodeTuning), so the sims exercise those.
export const SIM_TUNING: Partial<NodeTuning> = {
  tickIntervalMs: 100,
  electionTicks: 7,
  heartbeatTicks: 2,
  failureTimeoutMs: 5_000,
  reconcileIntervalMs: 500,
  ownerFailoverMs: 1_500,
  stallMs: 500,
  proposalTimeoutMs: 10_000,
  joinTimeoutMs: 60_000,
};

export interface SimNode {
  readonly address: string;
  readonly peers: readonly string[];
  readonly isBootstrap: boolean;
  node: RaftoralNode | undefined;
  /** The id it had when last running (kept while it is down). */
  lastId: NodeId | undefined;
}

export class ClusterSim {
  readonly world: SimWorld;
  readonly nodes: SimNode[] = [];
  readonly lines: string[] = [];
  /** Nodes ever added: addresses are never reused, even after a node left. */
  private added = 0;

  constructor(
    seed: number,
    private readonly workflows: readonly WorkflowDefinition[] = [],
    private readonly tuning: Partial<NodeTuning> = SIM_TUNING,
  ) {
    this.world = new SimWorld(seed);
  }

  get nowMs(): number {
    return this.world.clock.nowMs();
  }

  live(): SimNode[] {
    return this.nodes.filter((entry) => entry.node !== undefined);
  }

  /** Creates and starts a node (the first bootstraps); resolves when it is ready. */
  async add(count = 1): Promise<SimNode[]> {
    const added: SimNode[] = [];
    for (let k = 0; k < count; k++) added.push(this.newEntry());
    await Promise.all(added.map((entry) => this.start(entry)));
    return added;
  }

  /** A first node, then two joining at once, until the three have settled (isSettled). */
  async settleThree(): Promise<[SimNode, SimNode, SimNode]> {
    await this.add();
    await this.add(2);
    await this.until("3 nodes settled", () => this.isSettled(), 120_000);
    return this.nodes as [SimNode, SimNode, SimNode];
  }

  /**
   * Starts a new node that joins through the first one, without waiting: `started` settles
   * when it is ready (or fails to start). For callers that drive time themselves.
   */
  join(): { entry: SimNode; started: Promise<void> } {
    const entry = this.newEntry();
    return { entry, started: this.launch(entry).started };
  }

  /** Nodes that will each start with --bootstrap and --peers naming the others (not started). */
  founders(count: number): SimNode[] {
    const addresses = Array.from({ length: count }, (_, k) => `node-${this.added + k + 1}:7001`);
    this.added += count;
    const entries = addresses.map((address) => ({
      address,
      peers: addresses.filter((other) => other !== address),
      isBootstrap: true,
      node: undefined,
      lastId: undefined,
    }));
    this.nodes.push(...entries);
    return entries;
  }

  private newEntry(): SimNode {
    const first = this.nodes[0];
    this.added++;
    const entry: SimNode = {
      address: `node-${this.added}:7001`,
      peers: first === undefined ? [] : [first.address],
      isBootstrap: first === undefined,
      node: undefined,
      lastId: undefined,
    };
    this.nodes.push(entry);
    return entry;
  }

  /**
   * Starts (or restarts, with the same options) a node and waits until it is ready. A node
   * that is not ready in time is stopped again and the start fails.
   */
  async start(entry: SimNode): Promise<void> {
    const { node, started } = this.launch(entry);
    let isStarted = false;
    let failure: Error | undefined;
    started.then(
      () => {
        isStarted = true;
      },
      (error: Error) => {
        failure = error;
      },
    );
    try {
      await this.until(`${entry.address} ready`, () => isStarted || failure !== undefined, 120_000);
    } catch (error) {
      failure ??= error as Error;
    }
    if (failure !== undefined) {
      if (entry.node === node) entry.node = undefined;
      // Given up on as a crash: a clean stop would wait for its storage writes in flight, and
      // no one moves the clock they wait on while this waits for the stop (seed 70878).
      this.world.crash(entry.address);
      await node.kill();
      throw failure;
    }
  }

  /**
   * Restarts a node from its storage as a process would be restarted: it runs from then on,
   * ready or not (a node is ready only once its groups have leaders, which may take the
   * return of other nodes). A start that fails (a fatal error) leaves it down. The answer
   * tells whether it became ready.
   */
  restart(entry: SimNode): { readonly isReady: () => boolean } {
    const { node, started } = this.launch(entry);
    let isReady = false;
    started.then(
      () => {
        isReady = true;
      },
      async (error: Error) => {
        this.lines.push(`${this.nowMs} ${entry.address} SIM restart failed: ${error.message}`);
        if (entry.node === node) entry.node = undefined;
        await node.kill();
      },
    );
    return { isReady: () => isReady };
  }

  private launch(entry: SimNode): { node: RaftoralNode; started: Promise<void> } {
    this.lines.push(`${this.nowMs} ${entry.address} SIM start`);
    const node = new RaftoralNode({
      listen: entry.address,
      bootstrap: entry.isBootstrap,
      peers: entry.peers,
      transport: "grpc",
      logger: createLogger({
        level:
          process.env.SIM_LOG === "debug"
            ? "debug"
            : process.env.SIM_LOG === "info"
              ? "info"
              : "warn",
        format: "text",
        write: (line) => this.lines.push(`${this.nowMs} ${entry.address} ${line}`),
      }),
      tuning: this.tuning,
      workflows: this.workflows,
      environment: this.world.environment(entry.address),
    });
    entry.node = node;
    const started = node.start().then(() => {
      entry.lastId = node.nodeId;
    });
    return { node, started };
  }

  /**
   * The node leaves the cluster and stops, as `raftoral leave` would; it is then gone from
   * the simulation. False if the leave failed: the node still runs, a member still, or out of
   * the cluster but needed by a group until it has replaced the node (leave again later).
   */
  async leave(entry: SimNode): Promise<boolean> {
    const node = entry.node;
    if (node === undefined) return false;
    let outcome: boolean | undefined;
    node.leave().then(
      () => {
        outcome = true;
      },
      (error: Error) => {
        this.lines.push(`${this.nowMs} ${entry.address} SIM leave: ${error.message}`);
        outcome = false;
      },
    );
    await this.until(`${entry.address} left`, () => outcome !== undefined, 120_000);
    if (outcome !== true) return false;
    entry.node = undefined;
    this.nodes.splice(this.nodes.indexOf(entry), 1);
    return true;
  }

  /** Runs `call` on `entry`'s API through the memory network, as an operator would. */
  async call<T>(entry: SimNode, call: (api: NodeApi) => Promise<T>): Promise<T> {
    let outcome: { value: T } | { error: Error } | undefined;
    this.world.network.request("operator:1", entry.address, call, 60_000).then(
      (value) => {
        outcome = { value };
      },
      (error: Error) => {
        outcome = { error };
      },
    );
    await this.until(`a call to ${entry.address}`, () => outcome !== undefined, 120_000);
    if (outcome === undefined || "error" in outcome) throw outcome?.error;
    return outcome.value;
  }

  /**
   * Stops a node as SIGTERM would: it hands over what it leads, then stops; the clock moves
   * meanwhile, as the hand-over waits on it. `during` runs once the stop has begun. Its
   * address is gone afterwards.
   */
  async stopGracefully(entry: SimNode, during?: () => Promise<void>): Promise<void> {
    const node = entry.node;
    if (node === undefined) return;
    this.lines.push(`${this.nowMs} ${entry.address} SIM stop`);
    let isStopped = false;
    const stopping = node.stop().finally(() => {
      isStopped = true;
    });
    await during?.();
    await this.until(`${entry.address} to stop`, () => isStopped, 30_000);
    await stopping;
    entry.node = undefined;
    this.world.crash(entry.address);
  }

  /** Stops a node as SIGKILL would. */
  async crash(entry: SimNode): Promise<void> {
    const node = entry.node;
    entry.node = undefined;
    this.lines.push(`${this.nowMs} ${entry.address} SIM crash`);
    this.world.crash(entry.address);
    await node?.kill();
  }

  /** The node that leads the management group, if any. */
  managementLeader(): SimNode | undefined {
    return this.live().find(
      (entry) => entry.node?.raftHost()?.inspect(MANAGEMENT_GROUP)?.status().role === "leader",
    );
  }

  /** Lets virtual time pass in small steps, letting promises settle in between. */
  async advance(totalMs: number, stepMs = 5): Promise<void> {
    for (let elapsed = 0; elapsed < totalMs; elapsed += stepMs) {
      this.world.clock.advance(stepMs);
      await settle();
    }
  }

  async until(what: string, condition: () => boolean, limitMs: number): Promise<number> {
    const start = this.nowMs;
    while (!condition()) {
      if (this.nowMs - start > limitMs) {
        throw new Error(
          `${what}: not reached within ${limitMs} simulated ms\n${this.lines.slice(-Number(process.env.SIM_LINES ?? 30)).join("\n")}\n${this.describe()}`,
        );
      }
      await this.advance(20);
    }
    return this.nowMs - start;
  }

  /**
   * Raft's State Machine Safety: where two replicas both count an index as committed, they
   * hold the same entry there (same term, by Log Matching). Checked across the live replicas
   * now, and across every replica of the run by the world's ledger.
   */
  checkCommittedLogs(): void {
    const { divergence } = this.world.ledger;
    if (divergence !== undefined) throw new Error(`committed entries diverged: ${divergence}`);
    const byGroup = new Map<number, { address: string; raft: GroupInspector }[]>();
    for (const entry of this.live()) {
      const host = entry.node?.raftHost();
      for (const id of host?.groupIds() ?? []) {
        const raft = host?.inspect(id);
        if (raft !== undefined)
          byGroup.set(id, [...(byGroup.get(id) ?? []), { address: entry.address, raft }]);
      }
    }
    for (const [id, replicas] of byGroup) {
      for (const a of replicas) {
        for (const b of replicas) {
          if (a.address >= b.address) continue;
          // Same index and term at the lower commit: Log Matching covers everything before.
          const index = logIndex(Math.min(a.raft.status().commit, b.raft.status().commit));
          const termA = a.raft.termAt(index);
          const termB = b.raft.termAt(index);
          if (index > 0 && termA !== undefined && termB !== undefined && termA !== termB) {
            throw new Error(
              `group ${id}: ${a.address} and ${b.address} committed different entries at ${index} (terms ${termA}, ${termB})`,
            );
          }
        }
      }
    }
  }

  /** Every group has a leader whose whole log every hosted replica has applied. */
  replicasCaughtUp(): boolean {
    const replicas = this.live().flatMap((entry) => {
      const host = entry.node?.raftHost();
      return (host?.groupIds() ?? []).map((id) => ({ id, status: host?.inspect(id)?.status() }));
    });
    return replicas.every(({ id, status }) => {
      const leader = replicas.find((r) => r.id === id && r.status?.role === "leader")?.status;
      return leader !== undefined && status?.applied === leader.lastIndex;
    });
  }

  /** Node ids must be unique among live nodes (a restarted joiner may have none yet). */
  checkIds(): void {
    const ids = this.live()
      .map((entry) => entry.node?.nodeId ?? 0)
      .filter((id) => id !== 0);
    if (new Set(ids).size !== ids.length)
      throw new Error(`two nodes share an id: ${ids.join(",")}`);
  }

  /** Every live node's view: its management state and each hosted group's Raft status. */
  describe(): string {
    const lines: string[] = [];
    for (const entry of this.live()) {
      const node = entry.node;
      const host = node?.raftHost();
      if (node === undefined) continue;
      lines.push(`${entry.address} node ${node.nodeId}: ${summarize(node.managementState())}`);
      for (const id of host?.groupIds() ?? []) {
        const status = host?.inspect(id)?.status();
        if (status === undefined) continue;
        const { role, term, leaderId, commit, applied, lastIndex, confState } = status;
        lines.push(
          `  group ${id}: ${role} term ${term} leader ${leaderId} commit ${commit} applied ${applied} last ${lastIndex} voters ${confState.voters} outgoing ${confState.votersOutgoing} learners ${confState.learners}`,
        );
      }
      for (const group of node.managementState().groups.values()) {
        lines.push(
          `  record ${group.id}: members ${group.members} voters ${group.voters} learners ${group.learners} config ${group.configIndex} leader ${group.leaderId}`,
        );
      }
    }
    return lines.join("\n");
  }

  /** Whether the cluster reached its settled shape (see ClusterManager). */
  isSettled(): boolean {
    const live = this.live();
    const states = live.map((entry) => entry.node?.managementState());
    const first = states[0];
    if (first === undefined) return false;
    const encoded = states.map((state) => (state === undefined ? "" : summarize(state)));
    if (encoded.some((text) => text !== encoded[0])) return false;
    if (first.nodes.size !== live.length) return false;
    const isReconfigured = [...first.groups.values()].every(
      (group) =>
        [...group.voters, ...group.learners].sort((a, b) => a - b).join(",") ===
          group.members.join(",") &&
        group.voters.length === voterTarget(group.members.length, GROUP_SIZE_MAX),
    );
    return (
      isSettledShape(first) && isReconfigured && this.hostsMatch(first) && this.votersMatch(first)
    );
  }

  private hostsMatch(state: ManagementState): boolean {
    return this.live().every((entry) => {
      const node = entry.node;
      const host = node?.raftHost();
      if (node === undefined || host === undefined) return false;
      const wanted = [...state.groups.values()]
        .filter((group) => group.members.includes(node.nodeId))
        .map((group) => group.id);
      const hosted = host.groupIds().filter((id) => id !== MANAGEMENT_GROUP);
      return wanted.length === hosted.length && wanted.every((id) => hosted.includes(id));
    });
  }

  private votersMatch(state: ManagementState): boolean {
    const leader = this.managementLeader()?.node?.raftHost()?.inspect(MANAGEMENT_GROUP)?.status();
    if (leader === undefined) return false;
    return (
      leader.confState.voters.length === voterTarget(state.nodes.size, state.maxVoters) &&
      leader.confState.votersOutgoing.length === 0
    );
  }

  /**
   * Up to `count` live nodes, starting with `first`, whose loss leaves every Raft group a
   * majority: at most a minority of the management voters and of each execution group.
   */
  minorityToLose(first: SimNode, count: number, alreadyLost: readonly SimNode[] = []): SimNode[] {
    const leader = this.managementLeader()?.node;
    const state = leader?.managementState();
    const voters = leader?.raftHost()?.inspect(MANAGEMENT_GROUP)?.status().confState.voters ?? [];
    const chosen: SimNode[] = [];
    const isSafe = (ids: NodeId[]) =>
      ids.filter((id) => voters.includes(id)).length * 2 < voters.length &&
      [...(state?.groups.values() ?? [])].every(
        (group) => group.members.filter((id) => ids.includes(id)).length * 2 < group.members.length,
      );
    for (const entry of [first, ...this.live()]) {
      if (chosen.length >= count || chosen.includes(entry) || entry.node === undefined) continue;
      const ids = [...alreadyLost, ...chosen, entry].map(
        (candidate) => candidate.lastId ?? (0 as NodeId),
      );
      if (isSafe(ids)) chosen.push(entry);
    }
    return chosen;
  }

  /** Asks the management group to remove `id` (as an operator or `node leave` would). */
  async remove(id: NodeId): Promise<void> {
    const node = this.managementLeader()?.node;
    await node
      ?.raftHost()
      ?.propose(
        MANAGEMENT_GROUP,
        encodeManagementCommand({ type: "removeNode", nodeId: id, reason: "simulation" }),
      );
  }

  async stopAll(): Promise<void> {
    for (const entry of this.live()) await this.crash(entry);
  }
}

/** The parts of the state every node must agree on. */
function summarize(state: ManagementState): string {
  return JSON.stringify({
    nodes: [...state.nodes.keys()].sort((a, b) => a - b),
    groups: [...state.groups.values()].map((group) => [group.id, group.members, group.draining]),
    next: [state.nextNodeId, state.nextGroupId],
  });
}

export function isSettledShape(state: ManagementState): boolean {
  const nodes = [...state.nodes.keys()];
  const active = [...state.groups.values()].filter((group) => !group.draining);
  if ([...state.groups.values()].some((group) => group.draining)) return false;
  if (nodes.length < 3) {
    return active.length === 1 && nodes.every((id) => active[0]?.members.includes(id));
  }
  const sizesOk = active.every((group) => group.members.length >= 3 && group.members.length <= 5);
  return sizesOk && nodes.every((id) => active.some((group) => group.members.includes(id)));
}

async function settle(): Promise<void> {
  for (let k = 0; k < 2; k++) await new Promise<void>((resolve) => setImmediate(resolve));
}
