// LogStorage backed by SqliteLogCore on the caller's own thread: the node's storage. Every call
// blocks the event loop for as long as SQLite works (an fsync, a checkpoint, a large read);
// docs/storage.md ("Which thread") says why the node accepts that.

import type { GroupId } from "../lib/index.ts";
import type { Entry } from "../raft/index.ts";
import type {
  GroupTombstone,
  GroupWrite,
  LogStorage,
  NodeIdentity,
  ReadEntriesRange,
  StoredGroup,
  WriteOptions,
} from "./log-storage.ts";
import { SqliteLogCore, type SqliteLogCoreOptions } from "./sqlite-log-core.ts";

export class SqliteLogStorage implements LogStorage {
  private readonly core: SqliteLogCore;

  private constructor(core: SqliteLogCore) {
    this.core = core;
  }

  /** Opens (creating if needed) the database file at `file`; see SqliteLogCore.open. */
  static async open(file: string, options: SqliteLogCoreOptions = {}): Promise<SqliteLogStorage> {
    return new SqliteLogStorage(SqliteLogCore.open(file, options));
  }

  get file(): string {
    return this.core.file;
  }

  async write(batch: readonly GroupWrite[], options?: WriteOptions): Promise<void> {
    this.core.write(batch, options);
  }

  checkFile(): void {
    this.core.checkFile();
  }

  async listGroups(): Promise<GroupId[]> {
    return this.core.listGroups();
  }

  async loadGroup(groupId: GroupId): Promise<StoredGroup | undefined> {
    return this.core.loadGroup(groupId);
  }

  async loadTombstone(groupId: GroupId): Promise<GroupTombstone | undefined> {
    return this.core.loadTombstone(groupId);
  }

  async readEntries(range: ReadEntriesRange): Promise<Entry[]> {
    return this.core.readEntries(range);
  }

  async loadIdentity(): Promise<NodeIdentity | undefined> {
    return this.core.loadIdentity();
  }

  async saveIdentity(identity: NodeIdentity): Promise<void> {
    this.core.saveIdentity(identity);
  }

  reserveSpace(): Promise<boolean> {
    return this.core.reserveWalSpace();
  }

  async close(): Promise<void> {
    this.core.close();
  }
}
