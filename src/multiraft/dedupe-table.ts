// Replicated memory of which proposals were applied, so a retried proposal (a duplicate
// entry in the log) is skipped. Part of the group's replicated state: it changes only when
// entries are applied and it travels in snapshots, so every member decides the same way.
// Pure: no I/O, no timers.

import { type NodeId, nodeId } from "../lib/index.ts";

/** Incarnations remembered per node; an older one's origin process is gone. */
const INCARNATIONS_PER_NODE_MAX = 4;
/** The fewest applied ids an origin keeps before it drops those below its floor. */
const PRUNE_AT_MIN = 64;

interface OriginRecord {
  /** Ids below this are settled at the origin: any entry carrying one is skipped. */
  floor: number;
  /** Applied ids; those below the floor are dropped in passes (see `pruneAt`). */
  readonly applied: Set<number>;
  /**
   * The size at which the next pass drops the ids below the floor: twice what the last pass
   * kept, so that a pass costs O(1) per admitted id. A pass at every rise of the floor walked
   * the whole window in flight for each entry (1 us per entry at 256 in flight).
   */
  pruneAt: number;
}

export interface DedupeTableJson {
  readonly origins: readonly [number, number, number, readonly number[]][];
}

export class DedupeTable {
  /** Per origin node, its incarnations in the order first seen in the log. */
  private readonly origins = new Map<NodeId, Map<number, OriginRecord>>();

  /**
   * Records an entry of (origin, incarnation, id) being applied. Returns false when it is a
   * duplicate or stale and must not be applied.
   */
  admit(origin: NodeId, incarnation: number, proposalId: number, floor: number): boolean {
    const record = this.recordOf(origin, incarnation);
    if (floor > record.floor) record.floor = floor;
    if (proposalId < record.floor || record.applied.has(proposalId)) return false;
    record.applied.add(proposalId);
    if (record.applied.size >= record.pruneAt) prune(record);
    return true;
  }

  private recordOf(origin: NodeId, incarnation: number): OriginRecord {
    let incarnations = this.origins.get(origin);
    if (incarnations === undefined) {
      incarnations = new Map();
      this.origins.set(origin, incarnations);
    }
    let record = incarnations.get(incarnation);
    if (record === undefined) {
      record = { floor: 0, applied: new Set(), pruneAt: PRUNE_AT_MIN };
      incarnations.set(incarnation, record);
      for (const old of incarnations.keys()) {
        if (incarnations.size <= INCARNATIONS_PER_NODE_MAX) break;
        incarnations.delete(old);
      }
    }
    return record;
  }

  toJson(): DedupeTableJson {
    const origins: [number, number, number, number[]][] = [];
    for (const [node, incarnations] of this.origins) {
      for (const [incarnation, { floor, applied }] of incarnations) {
        origins.push([node, incarnation, floor, [...applied].filter((id) => id >= floor)]);
      }
    }
    return { origins };
  }

  static fromJson(json: DedupeTableJson): DedupeTable {
    const table = new DedupeTable();
    for (const [node, incarnation, floor, applied] of json.origins) {
      const record = table.recordOf(nodeId(node), incarnation);
      record.floor = floor;
      for (const id of applied) record.applied.add(id);
      record.pruneAt = Math.max(PRUNE_AT_MIN, 2 * record.applied.size);
    }
    return table;
  }
}

function prune(record: OriginRecord): void {
  for (const id of record.applied) if (id < record.floor) record.applied.delete(id);
  record.pruneAt = Math.max(PRUNE_AT_MIN, 2 * record.applied.size);
}
