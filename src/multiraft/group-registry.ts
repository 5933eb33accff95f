// The groups this node hosts, and how a HostedGroup is assembled from a Raft state and an
// application state machine.

import {
  assert,
  type GroupId,
  type Logger,
  logIndex,
  type NodeId,
  type Random,
} from "../lib/index.ts";
import { type RaftInitialState, RawNode } from "../raft/index.ts";
import type { HostConfig } from "./host-config.ts";
import { HostedGroup, type Origin } from "./hosted-group.ts";
import type { StateMachine } from "./state-machine.ts";

export class GroupRegistry {
  private readonly groups = new Map<GroupId, HostedGroup>();

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
      initial,
    });
    const group = new HostedGroup({
      id: groupId,
      raw,
      stateMachine,
      snapshotIndex: initial.log.snapshot?.metadata.index ?? logIndex(0),
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

  delete(groupId: GroupId): void {
    this.groups.delete(groupId);
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
