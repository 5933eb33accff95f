// Replicated memory of which proposals were applied, so a retried proposal (a duplicate
// entry in the log) is skipped. Part of the group's replicated state: it changes only when
// entries are applied and it travels in snapshots, so every member decides the same way.
// Pure: no I/O, no timers.

import type { NodeId } from "../lib/index.ts";

/** Incarnations remembered per node; an older one's origin process is gone. */
const INCARNATIONS_PER_NODE_MAX = 4;

interface OriginRecord {
  /** Ids below this are settled at the origin: any entry carrying one is skipped. */
  floor: number;
  /** Applied ids at or above the floor. */
  readonly applied: Set<number>;
}

export interface DedupeTableJson {
  readonly origins: readonly [number, number, number, readonly number[]][];
}

export class DedupeTable {
  /** Key: `${node}:${incarnation}`, in the order first seen in the log. */
  private readonly origins = new Map<string, OriginRecord>();

  /**
   * Records an entry of (origin, incarnation, id) being applied. Returns false when it is a
   * duplicate or stale and must not be applied.
   */
  admit(origin: NodeId, incarnation: number, proposalId: number, floor: number): boolean {
    const key = `${origin}:${incarnation}`;
    let record = this.origins.get(key);
    if (record === undefined) {
      record = { floor: 0, applied: new Set() };
      this.origins.set(key, record);
      this.evictOldIncarnations(origin);
    }
    if (floor > record.floor) {
      record.floor = floor;
      for (const id of record.applied) if (id < floor) record.applied.delete(id);
    }
    if (proposalId < record.floor || record.applied.has(proposalId)) return false;
    record.applied.add(proposalId);
    return true;
  }

  private evictOldIncarnations(origin: NodeId): void {
    const prefix = `${origin}:`;
    const keys = [...this.origins.keys()].filter((key) => key.startsWith(prefix));
    for (const key of keys.slice(0, Math.max(0, keys.length - INCARNATIONS_PER_NODE_MAX))) {
      this.origins.delete(key);
    }
  }

  toJson(): DedupeTableJson {
    return {
      origins: [...this.origins].map(([key, record]) => {
        const [node, incarnation] = key.split(":").map(Number);
        return [node ?? 0, incarnation ?? 0, record.floor, [...record.applied]];
      }),
    };
  }

  static fromJson(json: DedupeTableJson): DedupeTable {
    const table = new DedupeTable();
    for (const [node, incarnation, floor, applied] of json.origins) {
      table.origins.set(`${node}:${incarnation}`, { floor, applied: new Set(applied) });
    }
    return table;
  }
}
