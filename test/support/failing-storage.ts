// A LogStorage whose disk "fills up" when a test says so: from then on, the writes it picks
// fail as a full disk makes SQLite fail (STORAGE_FAILED), and so does everything after, as
// with SqliteLogCore. Everything else goes to a MemoryLogStorage.

import type { GroupId } from "../../src/lib/index.ts";
import type { Entry } from "../../src/raft/index.ts";
import {
  type GroupTombstone,
  type GroupWrite,
  type LogStorage,
  MemoryLogStorage,
  type NodeIdentity,
  type ReadEntriesRange,
  StorageError,
  type StoredGroup,
  type WriteOptions,
} from "../../src/storage/index.ts";

export class FailingStorage implements LogStorage {
  private readonly inner = new MemoryLogStorage();
  private failsOn: ((batch: readonly GroupWrite[]) => boolean) | undefined;
  private failure: StorageError | undefined;
  /** How many writes failed (the first, then every later call). */
  failedWrites = 0;

  /** From now on the first write that `matches` fails, and every call after it. */
  breakOn(matches: (batch: readonly GroupWrite[]) => boolean): void {
    this.failsOn = matches;
  }

  async write(batch: readonly GroupWrite[], _options?: WriteOptions): Promise<void> {
    if (this.failure === undefined && this.failsOn?.(batch) === true) {
      this.failure = new StorageError(
        "STORAGE_FAILED",
        "writing test.db failed (SQLITE_FULL: database or disk is full): the disk is full",
        { file: "test.db" },
      );
    }
    if (this.failure !== undefined) {
      this.failedWrites++;
      throw this.failure;
    }
    await this.inner.write(batch);
  }

  listGroups(): Promise<GroupId[]> {
    return this.inner.listGroups();
  }

  loadGroup(groupId: GroupId): Promise<StoredGroup | undefined> {
    return this.inner.loadGroup(groupId);
  }

  loadTombstone(groupId: GroupId): Promise<GroupTombstone | undefined> {
    return this.inner.loadTombstone(groupId);
  }

  readEntries(range: ReadEntriesRange): Promise<Entry[]> {
    return this.inner.readEntries(range);
  }

  loadIdentity(): Promise<NodeIdentity | undefined> {
    return this.inner.loadIdentity();
  }

  saveIdentity(identity: NodeIdentity): Promise<void> {
    return this.inner.saveIdentity(identity);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
