// LogStorage kept in memory: what a node uses without --storage-path (its data is gone when
// the process exits). A MemoryLogStore outlives the storage objects opened on it, so tests and
// the simulator can "restart" a node and find what it had written.

import { type GroupId, logIndex, NO_NODE, term } from "../lib/index.ts";
import type { Entry, HardState, Snapshot } from "../raft/index.ts";
import {
  checkReadRange,
  type GroupLogState,
  type GroupWritePlan,
  planBatch,
} from "./group-log-state.ts";
import {
  type GroupTombstone,
  type GroupWrite,
  type LogStorage,
  type NodeIdentity,
  READ_ENTRIES_MAX,
  type ReadEntriesRange,
  type StoredGroup,
} from "./log-storage.ts";
import { StorageError } from "./storage-error.ts";

interface MemoryGroup {
  state: GroupLogState;
  hardState: HardState | undefined;
  snapshot: Snapshot | undefined;
  /** Invariant: entries[i].index === state.firstIndex + i. */
  entries: Entry[];
}

/** The data itself; survives closing and reopening MemoryLogStorage on it. */
export class MemoryLogStore {
  readonly groups = new Map<GroupId, MemoryGroup>();
  readonly tombstones = new Map<GroupId, GroupTombstone>();
  identity: NodeIdentity | undefined;
}

export class MemoryLogStorage implements LogStorage {
  private readonly store: MemoryLogStore;
  private isClosed = false;

  constructor(store: MemoryLogStore = new MemoryLogStore()) {
    this.store = store;
  }

  async write(batch: readonly GroupWrite[]): Promise<void> {
    this.checkOpen();
    // Plan everything first: a write that breaks a rule throws here, before any change, so a
    // batch is stored entirely or not at all, as in the SQLite transaction.
    const { plans } = planBatch((groupId) => this.store.groups.get(groupId)?.state, batch);
    batch.forEach((write, position) => {
      const plan = plans[position];
      if (plan !== undefined) this.apply(write, plan);
    });
  }

  private apply(write: GroupWrite, plan: GroupWritePlan): void {
    if (plan.next === undefined) {
      this.store.groups.delete(write.groupId);
      if (write.tombstone !== undefined) {
        this.store.tombstones.set(write.groupId, { ...write.tombstone });
      }
      return;
    }
    const group = this.store.groups.get(write.groupId) ?? {
      state: plan.next,
      hardState: undefined,
      snapshot: undefined,
      entries: [],
    };
    if (write.hardState !== undefined) group.hardState = { ...write.hardState };
    if (write.snapshot !== undefined) {
      group.snapshot = { metadata: write.snapshot.metadata, data: write.snapshot.data.slice() };
    }
    if (plan.isLogReplaced) group.entries = [];
    const first = write.entries[0];
    if (plan.isSuffixOverwritten && first !== undefined) {
      group.entries.length = first.index - (group.entries[0]?.index ?? first.index);
    }
    // Copies, so that a caller reusing its buffers cannot change what was stored.
    for (const entry of write.entries) group.entries.push({ ...entry, data: entry.data.slice() });
    if (plan.isCompacting)
      group.entries.splice(0, plan.next.firstIndex - (group.entries[0]?.index ?? 0));
    group.state = plan.next;
    this.store.groups.set(write.groupId, group);
  }

  async listGroups(): Promise<GroupId[]> {
    this.checkOpen();
    return [...this.store.groups.keys()].sort((a, b) => a - b);
  }

  async loadGroup(groupId: GroupId): Promise<StoredGroup | undefined> {
    this.checkOpen();
    const group = this.store.groups.get(groupId);
    if (group === undefined) return undefined;
    const hardState = group.hardState ?? { term: term(0), vote: NO_NODE, commit: logIndex(0) };
    const bounds = { firstIndex: group.state.firstIndex, lastIndex: group.state.lastIndex };
    return group.snapshot === undefined
      ? { hardState, ...bounds }
      : { hardState, snapshot: group.snapshot, ...bounds };
  }

  async loadTombstone(groupId: GroupId): Promise<GroupTombstone | undefined> {
    this.checkOpen();
    return this.store.tombstones.get(groupId);
  }

  async readEntries(range: ReadEntriesRange): Promise<Entry[]> {
    this.checkOpen();
    const group = this.store.groups.get(range.groupId);
    checkReadRange(group?.state, range);
    const entries = group?.entries ?? [];
    const offset = range.fromIndex - (entries[0]?.index ?? 0);
    const result: Entry[] = [];
    let bytes = 0;
    for (let index = range.fromIndex; index <= range.toIndexInclusive; index++) {
      const entry = entries[offset + index - range.fromIndex];
      if (entry === undefined || result.length >= READ_ENTRIES_MAX) break;
      bytes += entry.data.byteLength;
      if (result.length > 0 && bytes > range.bytesMax) break;
      result.push({ ...entry, data: entry.data.slice() });
    }
    return result;
  }

  async loadIdentity(): Promise<NodeIdentity | undefined> {
    this.checkOpen();
    return this.store.identity;
  }

  async saveIdentity(identity: NodeIdentity): Promise<void> {
    this.checkOpen();
    this.store.identity = { ...identity };
  }

  async close(): Promise<void> {
    this.isClosed = true;
  }

  private checkOpen(): void {
    if (this.isClosed) {
      throw new StorageError(
        "STORAGE_FAILED",
        "memory storage is closed; open a new one to use it",
      );
    }
  }
}
