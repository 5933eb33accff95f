// The synchronous bun:sqlite log store: one database file per node, WAL mode, synchronous=FULL,
// one transaction (one fsync) per batch. It blocks the calling thread: SqliteLogStorage runs it
// on the node's own thread, where a turn awaits its writes anyway (docs/storage.md).

import { Database } from "bun:sqlite";
import { dirname } from "node:path";
import { assert, type GroupId, groupId, logIndex } from "../lib/index.ts";
import type { Entry } from "../raft/index.ts";
import { makeDurableDirectory, syncDirectory } from "./durable-directory.ts";
import { checkDurableMark, DurableMarkWriter } from "./durable-mark.ts";
import { FilePresence } from "./file-presence.ts";
import {
  type BatchPlan,
  checkReadRange,
  describeBrokenInvariant,
  type GroupLogState,
  planBatch,
} from "./group-log-state.ts";
import {
  type GroupTombstone,
  type GroupWrite,
  type NodeIdentity,
  READ_ENTRIES_MAX,
  type ReadEntriesRange,
  type StoredGroup,
  type WriteOptions,
} from "./log-storage.ts";
import { toStorageError } from "./sqlite-failure.ts";
import { writeGroupRows } from "./sqlite-group-writes.ts";
import {
  corruptRecord,
  entryFromRow,
  hardStateFromRow,
  identityFromRow,
  snapshotFromRow,
  tombstoneFromRow,
} from "./sqlite-rows.ts";
import { LEAVING, LEFT, migrate } from "./sqlite-schema.ts";
import { prepareStatements, type SqliteStatements } from "./sqlite-statements.ts";
import { StorageError } from "./storage-error.ts";
import { reserveWalSpace } from "./wal-space.ts";

/** Space management; production uses the defaults, tests shrink them. */
export interface SqliteLogCoreOptions {
  /**
   * Free pages kept inside the file for reuse by later appends. Beyond this, each compacting
   * write gives pages back to the file system with incremental_vacuum.
   */
  readonly freePagesKept?: number;
  /** Most pages one write gives back, bounding the extra work in one transaction. */
  readonly vacuumPagesPerWriteMax?: number;
  /** How often a write looks whether the file is still there (file-presence.ts). */
  readonly presenceIntervalMs?: number;
  /** Least time between two durable marks (durable-mark.ts). */
  readonly markIntervalMs?: number;
}

const FREE_PAGES_KEPT = 2048; // 8 MiB with 4 KiB pages: a burst of appends reuses them.
const VACUUM_PAGES_PER_WRITE_MAX = 512;
/** The WAL is truncated back to this size after a checkpoint, so a burst does not stay. */
const JOURNAL_BYTES_MAX = 64 * 1024 * 1024;

export class SqliteLogCore {
  readonly file: string;
  private readonly db: Database;
  private readonly statements: SqliteStatements;
  /** Every group with anything stored. Invariant: matches the file after each commit. */
  private readonly states: Map<GroupId, GroupLogState>;
  private readonly freePagesKept: number;
  private readonly vacuumPagesPerWriteMax: number;
  private readonly writeTransaction: (batch: readonly GroupWrite[], plan: BatchPlan) => void;
  private failure: Error | undefined;
  private readonly presence: FilePresence;
  private readonly mark: DurableMarkWriter;
  private isClosed = false;
  /** Whether the connection is in synchronous=FULL (fsync at commit) right now. */
  private isSyncMode = true;

  private constructor(file: string, db: Database, options: SqliteLogCoreOptions) {
    this.file = file;
    this.db = db;
    this.statements = prepareStatements(db);
    this.states = loadGroupStates(file, this.statements);
    const marked = checkDurableMark({ databaseFile: file, states: this.states });
    this.mark = new DurableMarkWriter(file, marked, options.markIntervalMs);
    this.freePagesKept = options.freePagesKept ?? FREE_PAGES_KEPT;
    this.vacuumPagesPerWriteMax = options.vacuumPagesPerWriteMax ?? VACUUM_PAGES_PER_WRITE_MAX;
    // The WAL exists from the first write of open() on (migrate), and SQLite keeps it while
    // the connection is open: it resets and truncates it, but never deletes it.
    this.presence = new FilePresence(file, options.presenceIntervalMs);
    assert(Number.isSafeInteger(this.freePagesKept), "freePagesKept must be an integer");
    assert(this.freePagesKept >= 0, `freePagesKept must not be negative: ${this.freePagesKept}`);
    assert(Number.isSafeInteger(this.vacuumPagesPerWriteMax), "vacuumPagesPerWriteMax: integer");
    assert(this.vacuumPagesPerWriteMax > 0, "vacuumPagesPerWriteMax must be positive");
    this.writeTransaction = db.transaction((batch: readonly GroupWrite[], plan: BatchPlan) => {
      let hasFreedPages = false;
      batch.forEach((write, position) => {
        const groupPlan = plan.plans[position];
        assert(groupPlan !== undefined, `batch position ${position} has a plan`);
        hasFreedPages = writeGroupRows(this.statements, write, groupPlan) || hasFreedPages;
      });
      if (hasFreedPages) this.maybeGiveBackPages();
    }).immediate;
  }

  /**
   * Opens (creating if needed) the database at `file`, migrating it to this build's schema.
   * Throws a StorageError: STORAGE_VERSION for a newer file, STORAGE_CORRUPT for a damaged
   * one, STORAGE_FAILED if another process holds it or the disk fails.
   */
  static open(file: string, options: SqliteLogCoreOptions = {}): SqliteLogCore {
    let db: Database | undefined;
    try {
      makeDurableDirectory(dirname(file));
      db = new Database(file, { create: true, readwrite: true, strict: true });
      configure(db);
      migrate(db, file);
      const core = new SqliteLogCore(file, db, options);
      // The schema's first writes created the WAL file (migrate writes at every open), so
      // the database and WAL files now exist: make their names durable too.
      syncDirectory(dirname(file));
      return core;
    } catch (error) {
      // Converted, after releasing the half-open file so that it stays openable.
      db?.close(false);
      throw toStorageError(error, { file, action: "opening" });
    }
  }

  /** Makes the whole batch durable in one transaction, or throws and stores none of it. */
  write(batch: readonly GroupWrite[], options?: WriteOptions): void {
    this.checkUsable();
    if (batch.length === 0) return;
    this.checkFile();
    const isSync = options?.sync !== false;
    // In WAL mode NORMAL skips the commit's fsync; the next FULL commit syncs these frames too.
    if (isSync !== this.isSyncMode) {
      this.db.run(`PRAGMA synchronous = ${isSync ? "FULL" : "NORMAL"}`);
      this.isSyncMode = isSync;
    }
    // Plans throw on a broken rule before the transaction starts; such a bug stops the node
    // anyway, but the file and the states stay as they were.
    const plan = planBatch((groupId) => this.states.get(groupId), batch);
    this.unmarkDeleted(batch);
    try {
      this.writeTransaction(batch, plan);
    } catch (error) {
      // Never retry: after a failed fsync the OS may have dropped the dirty pages, so only a
      // restart that reads the file back knows what is durable.
      this.failure = toStorageError(error, { file: this.file, action: "writing" });
      throw this.failure;
    }
    for (const [groupId, state] of plan.states) {
      if (state === undefined) this.states.delete(groupId);
      else this.states.set(groupId, state);
    }
    if (isSync) this.marking(() => this.mark.synced(this.states));
  }

  /**
   * Takes the groups `batch` deletes out of the durable mark before the write: a replica made
   * again later starts anew, below the deleted one's mark. First, so that the mark never
   * names a group the database no longer holds.
   */
  private unmarkDeleted(batch: readonly GroupWrite[]): void {
    const deleted = new Set<GroupId>();
    for (const write of batch) if (write.deleteGroup === true) deleted.add(write.groupId);
    if (deleted.size > 0) this.marking(() => this.mark.forget(deleted));
  }

  /** Writes the durable mark; a failure is the storage's, as a write's is. */
  private marking(write: () => void): void {
    try {
      write();
    } catch (error) {
      this.failure = toStorageError(error, { file: this.mark.path, action: "writing" });
      throw this.failure;
    }
  }

  /**
   * Throws, and takes no write any more, once the file is gone or replaced (looked at once
   * per presence interval): every write asks, and so does an idle node now and then. Else
   * writes the durable mark if one is due (DurableMarkWriter.catchUp).
   */
  checkFile(): void {
    this.checkUsable();
    const gone = this.presence.problem();
    if (gone === undefined) {
      this.marking(() => this.mark.catchUp());
      return;
    }
    this.failure = new StorageError(
      "STORAGE_FAILED",
      `${gone} while the node ran: what it wrote since would be lost at the next start. Stop the node and start it with an empty --storage-path and --peers naming running nodes; it joins as a new node and copies everything from the others.`,
      { file: this.file },
    );
    throw this.failure;
  }

  /**
   * Gives the WAL its room (wal-space.ts); false when the disk has none to spare. Not part of
   * open(): a node calls it once it is ready. A failure is the storage's, as a write's is.
   */
  async reserveWalSpace(): Promise<boolean> {
    this.checkUsable();
    try {
      return await reserveWalSpace(`${this.file}-wal`);
    } catch (error) {
      this.failure = toStorageError(error, { file: `${this.file}-wal`, action: "writing" });
      throw this.failure;
    }
  }

  listGroups(): GroupId[] {
    this.checkUsable();
    return [...this.states.keys()].sort((a, b) => a - b);
  }

  loadGroup(groupId: GroupId): StoredGroup | undefined {
    this.checkUsable();
    const state = this.states.get(groupId);
    if (state === undefined) return undefined;
    return this.reading(() => {
      const hardStateRow = this.statements.selectHardState.get(groupId);
      assert(hardStateRow !== null, `group ${groupId} is known, so its raft_group row exists`);
      const hardState = hardStateFromRow(this.file, hardStateRow);
      const bounds = { firstIndex: state.firstIndex, lastIndex: state.lastIndex };
      const snapshotRow = this.statements.selectSnapshot.get(groupId);
      if (snapshotRow === null) return { hardState, ...bounds };
      const snapshot = snapshotFromRow(this.file, groupId, snapshotRow);
      assert(snapshot.metadata.index === state.snapshotIndex, `group ${groupId}: snapshot index`);
      return { hardState, snapshot, ...bounds };
    });
  }

  loadTombstone(groupId: GroupId): GroupTombstone | undefined {
    this.checkUsable();
    return this.reading(() => {
      const row = this.statements.selectTombstone.get(groupId);
      return row === null ? undefined : tombstoneFromRow(this.file, groupId, row);
    });
  }

  /** See LogStorage.readEntries: checked, contiguous, bounded, at least one entry. */
  readEntries(range: ReadEntriesRange): Entry[] {
    this.checkUsable();
    checkReadRange(this.states.get(range.groupId), range);
    return this.reading(() => this.readCheckedEntries(range));
  }

  private readCheckedEntries(range: ReadEntriesRange): Entry[] {
    const { groupId, fromIndex, toIndexInclusive, bytesMax } = range;
    const limit = Math.min(READ_ENTRIES_MAX, toIndexInclusive - fromIndex + 1);
    const entries: Entry[] = [];
    let bytes = 0;
    for (const row of this.statements.selectEntries.iterate(
      groupId,
      fromIndex,
      toIndexInclusive,
      limit,
    )) {
      const expected = logIndex(fromIndex + entries.length);
      if (row.entry_index !== expected) {
        throw corruptRecord({ file: this.file, groupId, index: expected, problem: "missing" });
      }
      bytes += row.data.byteLength;
      if (entries.length > 0 && bytes > bytesMax) return entries;
      entries.push(entryFromRow(this.file, groupId, row));
    }
    if (entries.length < limit) {
      const missing = logIndex(fromIndex + entries.length);
      throw corruptRecord({ file: this.file, groupId, index: missing, problem: "missing" });
    }
    return entries;
  }

  loadIdentity(): NodeIdentity | undefined {
    this.checkUsable();
    return this.reading(() => {
      const row = this.statements.selectIdentity.get();
      return row === null ? undefined : identityFromRow(this.file, row);
    });
  }

  saveIdentity(identity: NodeIdentity): void {
    this.checkUsable();
    assert(identity.nodeId > 0, `a stored identity needs a node id, got ${identity.nodeId}`);
    try {
      this.db
        .transaction(() => {
          const { nodeId, clusterId, advertiseAddress, transport, claim } = identity;
          this.statements.upsertIdentity.run(
            nodeId,
            clusterId,
            advertiseAddress,
            transport,
            identity.incarnation ?? 0,
            claim?.incarnation ?? null,
            claim?.nonce ?? null,
            identity.hasLeft === true ? LEFT : identity.isLeaving === true ? LEAVING : 0,
          );
        })
        .immediate();
    } catch (error) {
      // Converted; like any failed write, it stops the storage (see write).
      this.failure = toStorageError(error, { file: this.file, action: "writing" });
      throw this.failure;
    }
  }

  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    try {
      this.db.close(true);
      this.presence.close();
    } catch (error) {
      // Converted: the caller learns which file failed to close and why.
      throw toStorageError(error, { file: this.file, action: "closing" });
    }
    // Closed, the database is durable whole (its last checkpoint synced it): mark it exactly.
    if (this.failure === undefined) this.marking(() => this.mark.closed(this.states));
  }

  private reading<T>(read: () => T): T {
    try {
      return read();
    } catch (error) {
      // Converted: SQLite's errors become typed storage errors naming the file.
      throw toStorageError(error, { file: this.file, action: "reading" });
    }
  }

  private maybeGiveBackPages(): void {
    const free = this.statements.freePages.get()?.freelist_count ?? 0;
    const excess = free - this.freePagesKept;
    if (excess <= 0) return;
    this.db.run(`PRAGMA incremental_vacuum(${Math.min(excess, this.vacuumPagesPerWriteMax)})`);
  }

  private checkUsable(): void {
    if (this.isClosed) {
      throw new StorageError("STORAGE_FAILED", `storage ${this.file} is closed`, {
        file: this.file,
      });
    }
    if (this.failure !== undefined) {
      throw new StorageError(
        "STORAGE_FAILED",
        `storage ${this.file} failed earlier and accepts nothing more; restart the node (${this.failure.message})`,
        { file: this.file, cause: this.failure },
      );
    }
  }
}

/**
 * Exclusive locking first: it keeps other processes out for as long as this one has the file
 * open, and lets WAL mode work without a shared-memory file. auto_vacuum must be set before
 * the first table exists; journal_mode=WAL with synchronous=FULL fsyncs the WAL on commit.
 */
function configure(db: Database): void {
  db.run("PRAGMA locking_mode = EXCLUSIVE");
  db.run("PRAGMA busy_timeout = 0");
  db.run("PRAGMA auto_vacuum = INCREMENTAL");
  const mode = db.query<{ journal_mode: string }, []>("PRAGMA journal_mode = WAL").get();
  assert(mode?.journal_mode === "wal", `journal mode must be wal, got ${mode?.journal_mode}`);
  db.run("PRAGMA synchronous = FULL");
  db.run(`PRAGMA journal_size_limit = ${JOURNAL_BYTES_MAX}`);
  // Makes SQLite check each B-tree cell's size as it reads it: damage is found earlier.
  db.run("PRAGMA cell_size_check = ON");
}

/** Reads what each group's writes must be checked against, and checks it is sound. */
function loadGroupStates(file: string, statements: SqliteStatements): Map<GroupId, GroupLogState> {
  const states = new Map<GroupId, GroupLogState>();
  for (const row of statements.selectGroups.all()) {
    const hardState = hardStateFromRow(file, row);
    const id = groupId(row.group_id);
    const snapshotIndex = statements.selectSnapshotIndex.get(id)?.snapshot_index;
    const first = statements.selectFirstIndex.get(id)?.value ?? null;
    const last = statements.selectLastIndex.get(id)?.value ?? null;
    const snapshot = logIndex(snapshotIndex ?? 0);
    const state: GroupLogState = {
      groupId: id,
      hasSnapshot: snapshotIndex !== undefined,
      snapshotIndex: snapshot,
      firstIndex: logIndex(first ?? snapshot + 1),
      lastIndex: logIndex(last ?? snapshot),
      term: hardState.term,
      commit: hardState.commit,
    };
    const problem = describeBrokenInvariant(state);
    if (problem !== undefined) throw corruptRecord({ file, groupId: id, problem });
    states.set(id, state);
  }
  checkNoOrphans(file, statements, states);
  return states;
}

/**
 * Every write that stores entries or a snapshot stores the group's hard state row too, and a
 * deleted group loses all three. Rows of a group without that row mean the row was lost (a
 * damaged page): the group would otherwise be taken for one this node never had, and a
 * replica made anew on top of the old rows would be an empty voter that fails at its first
 * append.
 */
function checkNoOrphans(
  file: string,
  statements: SqliteStatements,
  states: ReadonlyMap<GroupId, GroupLogState>,
): void {
  const orphan = (id: number, what: string) =>
    corruptRecord({ file, groupId: groupId(id), problem: `${what}, but no hard state` });
  // One index seek per group that has entries, however long the logs are.
  let next = statements.selectNextEntryGroup.get(-1)?.value ?? null;
  while (next !== null) {
    if (!states.has(groupId(next))) throw orphan(next, "it has entries");
    next = statements.selectNextEntryGroup.get(next)?.value ?? null;
  }
  const snapshot = statements.selectSnapshotWithoutGroup.get();
  if (snapshot !== null) throw orphan(snapshot.group_id, "it has a snapshot");
}
