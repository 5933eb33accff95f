// The groups this node hosts, how a HostedGroup is assembled from a Raft state and an
// application state machine, and the tombstones of the groups removed since the process began.

import {
  assert,
  type GroupId,
  type Logger,
  logIndex,
  type NodeId,
  type Random,
} from "../lib/index.ts";
import { emptyState, type RaftInitialState, RawNode } from "../raft/index.ts";
import type { GroupTombstone } from "../storage/index.ts";
import type { HostConfig } from "./host-config.ts";
import { HostedGroup, type Origin } from "./hosted-group.ts";
import { withTombstone } from "./load-group.ts";
import type { StateMachine } from "./state-machine.ts";

export class GroupRegistry {
  private readonly groups = new Map<GroupId, HostedGroup>();
  /**
   * The tombstone of each group removed while this process ran (a few dozen bytes each): a
   * replica created again must start from it even before the deletion reaches storage.
   */
  private readonly removed = new Map<GroupId, GroupTombstone>();
  /** Ticks so far; a group installed later starts from this count (RaftInitialState.ticks). */
  private ticks = 0;

  constructor(
    private readonly options: {
      readonly nodeId: NodeId;
      readonly config: HostConfig;
      readonly random: Random;
      readonly logger: Logger;
      readonly origin: Origin;
    },
  ) {}

  /** Creates the group from `initial`, which must already be on disk or in this turn's write. */
  install(groupId: GroupId, initial: RaftInitialState, stateMachine: StateMachine): HostedGroup {
    assert(!this.groups.has(groupId), `host: group ${groupId} installed twice`);
    const raw = new RawNode({
      config: {
        ...this.options.config.raft,
        id: this.options.nodeId,
        incarnation: this.options.random.nextU32(),
      },
      random: this.options.random.fork(`group-${groupId}`),
      // In step with the other groups: their heartbeats to a peer leave in the same turn.
      initial: { ...initial, ticks: this.ticks },
    });
    const group = new HostedGroup({
      id: groupId,
      raw,
      stateMachine,
      lastSnapshot: {
        index: initial.log.snapshot?.metadata.index ?? logIndex(0),
        bytes: initial.log.snapshot?.data.byteLength ?? 0,
      },
      snapshotLimits: this.options.config,
      logger: this.options.logger,
      recentAppliedMax: this.options.config.recentAppliedMax,
      origin: this.options.origin,
    });
    this.groups.set(groupId, group);
    return group;
  }

  get(groupId: GroupId): HostedGroup | undefined {
    return this.groups.get(groupId);
  }

  has(groupId: GroupId): boolean {
    return this.groups.has(groupId);
  }

  /**
   * Where a replica joining the group starts: `loaded` (the tombstone read from storage
   * applied), unless a replica was removed here since, which is newer than anything stored.
   */
  joinState(groupId: GroupId, loaded: RaftInitialState): RaftInitialState {
    const removed = this.removed.get(groupId);
    return removed === undefined ? loaded : withTombstone(emptyState(), removed);
  }

  /** Forgets the group; returns the tombstone its deletion must leave in storage. */
  delete(group: HostedGroup): GroupTombstone {
    assert(this.groups.get(group.id) === group, `host: group ${group.id} deleted but not hosted`);
    this.groups.delete(group.id);
    const status = group.raw.status();
    const floor = group.raw.voteFloor();
    const tombstone: GroupTombstone = {
      term: status.term,
      vote: status.vote,
      lastIndex: floor.index,
      lastTerm: floor.term,
    };
    this.removed.set(group.id, tombstone);
    return tombstone;
  }

  /** Advances every group's logical clock by `due` ticks. */
  tick(due: number): void {
    this.ticks += due;
    for (const group of this.groups.values()) for (let k = 0; k < due; k++) group.raw.tick();
  }

  size(): number {
    return this.groups.size;
  }

  values(): IterableIterator<HostedGroup> {
    return this.groups.values();
  }

  ids(): GroupId[] {
    return [...this.groups.keys()].sort((a, b) => a - b);
  }
}
